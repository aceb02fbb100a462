// The gRPC handlers of passclear.v1.AdminService. Admin calls are rare and
// short (validation and one synced write), so they run inline in the
// callback handler rather than through a writer lane.
#ifndef PASSCLEAR_SERVER_ADMIN_SERVICE_H_
#define PASSCLEAR_SERVER_ADMIN_SERVICE_H_

#include "passclear/v1/admin.grpc.pb.h"
#include "server/guarded_service.h"
#include "storage/pass_store.h"

namespace passclear {

class AdminService final : public GuardedService<v1::AdminService> {
 public:
  AdminService(storage::PassStore& store, AccessControl& access);

  grpc::ServerUnaryReactor* CreateProgramme(
      grpc::CallbackServerContext* context,
      const v1::CreateProgrammeRequest* request,
      v1::Programme* response) override;
  grpc::ServerUnaryReactor* ExtendProgramme(
      grpc::CallbackServerContext* context,
      const v1::ExtendProgrammeRequest* request,
      v1::Programme* response) override;
  grpc::ServerUnaryReactor* CloseProgramme(grpc::CallbackServerContext* context,
                                           const v1::ProgrammeRef* request,
                                           v1::Programme* response) override;
  grpc::ServerUnaryReactor* RotateProgrammeKey(
      grpc::CallbackServerContext* context, const v1::ProgrammeRef* request,
      v1::Programme* response) override;
  grpc::ServerUnaryReactor* GetProgramme(grpc::CallbackServerContext* context,
                                         const v1::ProgrammeRef* request,
                                         v1::Programme* response) override;
  grpc::ServerUnaryReactor* ListProgrammes(
      grpc::CallbackServerContext* context,
      const v1::ListProgrammesRequest* request,
      v1::ListProgrammesResponse* response) override;
  grpc::ServerUnaryReactor* GetProgrammeUsage(
      grpc::CallbackServerContext* context, const v1::ProgrammeRef* request,
      v1::ProgrammeUsage* response) override;
  grpc::ServerWriteReactor<v1::ExportCodesResponse>* ExportCodes(
      grpc::CallbackServerContext* context,
      const v1::ExportCodesRequest* request) override;
  grpc::ServerUnaryReactor* IssueBooklets(
      grpc::CallbackServerContext* context,
      const v1::IssueBookletsRequest* request,
      v1::IssueBookletsResponse* response) override;
  grpc::ServerUnaryReactor* AllocateBooklet(
      grpc::CallbackServerContext* context,
      const v1::AllocateBookletRequest* request,
      v1::Booklet* response) override;
  grpc::ServerUnaryReactor* ReturnBooklet(grpc::CallbackServerContext* context,
                                          const v1::BookletRef* request,
                                          v1::Booklet* response) override;
  grpc::ServerUnaryReactor* VoidPasses(
      grpc::CallbackServerContext* context,
      const v1::VoidPassesRequest* request,
      v1::VoidPassesResponse* response) override;
  grpc::ServerUnaryReactor* LabelVenue(grpc::CallbackServerContext* context,
                                       const v1::VenueRef* request,
                                       v1::Venue* response) override;
  grpc::ServerUnaryReactor* SuspendVenue(grpc::CallbackServerContext* context,
                                         const v1::VenueRef* request,
                                         v1::Venue* response) override;
  grpc::ServerUnaryReactor* ReinstateVenue(grpc::CallbackServerContext* context,
                                           const v1::VenueRef* request,
                                           v1::Venue* response) override;
  grpc::ServerUnaryReactor* RegisterVenue(
      grpc::CallbackServerContext* context,
      const v1::RegisterVenueRequest* request, v1::Venue* response) override;
  // In admin_booklets.cc.
  grpc::ServerUnaryReactor* GetBooklet(grpc::CallbackServerContext* context,
                                       const v1::BookletRef* request,
                                       v1::Booklet* response) override;
  grpc::ServerUnaryReactor* ListBooklets(
      grpc::CallbackServerContext* context,
      const v1::ListBookletsRequest* request,
      v1::ListBookletsResponse* response) override;
  grpc::ServerUnaryReactor* GetRefundStatement(
      grpc::CallbackServerContext* context, const v1::ProgrammeRef* request,
      v1::RefundStatement* response) override;
  // In admin_venues.cc.
  grpc::ServerUnaryReactor* GetVenue(grpc::CallbackServerContext* context,
                                     const v1::VenueRef* request,
                                     v1::Venue* response) override;
  grpc::ServerUnaryReactor* ListVenues(
      grpc::CallbackServerContext* context,
      const v1::ListVenuesRequest* request,
      v1::ListVenuesResponse* response) override;
  grpc::ServerUnaryReactor* UpdateVenue(grpc::CallbackServerContext* context,
                                        const v1::UpdateVenueRequest* request,
                                        v1::Venue* response) override;

 private:
  storage::PassStore& store_;
};

}  // namespace passclear

#endif  // PASSCLEAR_SERVER_ADMIN_SERVICE_H_
