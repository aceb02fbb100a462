// The gRPC handlers of passclear.v1.AdminService. Admin calls are rare and
// write synchronously, so this is a synchronous service running on gRPC's
// own thread pool, away from the redemption path.
#ifndef PASSCLEAR_SERVER_ADMIN_SERVICE_H_
#define PASSCLEAR_SERVER_ADMIN_SERVICE_H_

#include "passclear/v1/admin.grpc.pb.h"
#include "storage/pass_store.h"

namespace passclear {

class AdminService final : public v1::AdminService::Service {
 public:
  explicit AdminService(storage::PassStore& store) : store_(store) {}

  grpc::Status CreateProgramme(grpc::ServerContext* context,
                               const v1::CreateProgrammeRequest* request,
                               v1::Programme* response) override;
  grpc::Status IssueBooklets(grpc::ServerContext* context,
                             const v1::IssueBookletsRequest* request,
                             v1::IssueBookletsResponse* response) override;
  grpc::Status RegisterVenue(grpc::ServerContext* context,
                             const v1::RegisterVenueRequest* request,
                             v1::Venue* response) override;

 private:
  storage::PassStore& store_;
};

}  // namespace passclear

#endif  // PASSCLEAR_SERVER_ADMIN_SERVICE_H_
