// The gRPC handlers of passclear.v1.IdentityService: enrolling and
// activating terminals, accounts, credential rotation and revocation. Every
// change is written to the audit log.
#ifndef PASSCLEAR_SERVER_IDENTITY_SERVICE_H_
#define PASSCLEAR_SERVER_IDENTITY_SERVICE_H_

#include "passclear/v1/identity.grpc.pb.h"
#include "server/guarded_service.h"
#include "storage/identity_store.h"
#include "storage/pass_store.h"

namespace passclear {

class IdentityService final : public GuardedService<v1::IdentityService> {
 public:
  // `store` tells which venues exist.
  IdentityService(storage::IdentityStore& identities,
                  const storage::PassStore& store, AccessControl& access);

  grpc::ServerUnaryReactor* EnrollTerminal(
      grpc::CallbackServerContext* context,
      const v1::EnrollTerminalRequest* request,
      v1::EnrollTerminalResponse* response) override;
  grpc::ServerUnaryReactor* ActivateTerminal(
      grpc::CallbackServerContext* context,
      const v1::ActivateTerminalRequest* request,
      v1::CredentialIssued* response) override;
  grpc::ServerUnaryReactor* CreateAccount(
      grpc::CallbackServerContext* context,
      const v1::CreateAccountRequest* request,
      v1::CredentialIssued* response) override;
  grpc::ServerUnaryReactor* RotateCredential(
      grpc::CallbackServerContext* context,
      const v1::RotateCredentialRequest* request,
      v1::CredentialIssued* response) override;
  grpc::ServerUnaryReactor* RevokeIdentity(
      grpc::CallbackServerContext* context,
      const v1::RevokeIdentityRequest* request,
      v1::Identity* response) override;
  grpc::ServerUnaryReactor* ListIdentities(
      grpc::CallbackServerContext* context,
      const v1::ListIdentitiesRequest* request,
      v1::ListIdentitiesResponse* response) override;
  grpc::ServerUnaryReactor* WhoAmI(grpc::CallbackServerContext* context,
                                   const v1::WhoAmIRequest* request,
                                   v1::Identity* response) override;

 private:
  // Audits a change made by the call's caller (none for ActivateTerminal).
  void Audit(grpc::CallbackServerContext* context, absl::string_view method,
             absl::string_view event, absl::string_view detail);
  [[nodiscard]] absl::Status CheckVenueExists(uint64_t venue_id) const;

  storage::IdentityStore& identities_;
  const storage::PassStore& store_;
};

// The public form of an identity (never its secret's hash).
void ToProto(const storage::Identity& identity, v1::Identity* out);

}  // namespace passclear

#endif  // PASSCLEAR_SERVER_IDENTITY_SERVICE_H_
