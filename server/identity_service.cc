#include "server/identity_service.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "server/grpc_status.h"
#include "server/proto_convert.h"

namespace passclear {
namespace {

using storage::Role;

constexpr uint32_t kDefaultIdentityPage = 100;

grpc::ServerUnaryReactor* Finish(grpc::CallbackServerContext* context,
                                 const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

std::string Method(absl::string_view name) {
  return absl::StrCat("/passclear.v1.IdentityService/", name);
}

absl::StatusOr<Role> AccountRole(v1::Role role) {
  switch (role) {
    case v1::ROLE_VENUE:
      return Role::kVenue;
    case v1::ROLE_MANDATARY:
      return Role::kMandatary;
    case v1::ROLE_ADMIN:
      return Role::kAdmin;
    case v1::ROLE_TERMINAL:
      return absl::InvalidArgumentError(
          "role: TERMINAL is enrolled with EnrollTerminal, not created as an "
          "account");
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("role: must be VENUE, MANDATARY or ADMIN, got ",
                       v1::Role_Name(role).empty() ? absl::StrCat(role)
                                                   : v1::Role_Name(role)));
  }
}

void FillIssued(const storage::IssuedCredential& issued,
                v1::CredentialIssued* response) {
  ToProto(issued.identity, response->mutable_identity());
  response->set_token(issued.token);
}

}  // namespace

void ToProto(const storage::Identity& identity, v1::Identity* out) {
  out->set_name(identity.name);
  out->set_role(static_cast<v1::Role>(identity.role));
  out->set_venue_id(identity.venue_id);
  out->set_state(static_cast<v1::IdentityState>(identity.state));
  SetTimestamp(identity.created_at, out->mutable_created_at());
  SetTimestamp(identity.changed_at, out->mutable_changed_at());
  out->set_credential_generation(identity.credential_generation);
}

IdentityService::IdentityService(storage::IdentityStore& identities,
                                 const storage::PassStore& store,
                                 AccessControl& access)
    : GuardedService(access), identities_(identities), store_(store) {
  Guard("EnrollTerminal", &IdentityService::EnrollTerminal);
  Guard("ActivateTerminal", &IdentityService::ActivateTerminal);
  Guard("CreateAccount", &IdentityService::CreateAccount);
  Guard("RotateCredential", &IdentityService::RotateCredential);
  Guard("RevokeIdentity", &IdentityService::RevokeIdentity);
  Guard("ListIdentities", &IdentityService::ListIdentities);
  Guard("WhoAmI", &IdentityService::WhoAmI);
  RequireEveryMethodGuarded();
}

void IdentityService::Audit(grpc::CallbackServerContext* context,
                            absl::string_view method, absl::string_view event,
                            absl::string_view detail) {
  absl::StatusOr<storage::Identity> caller = access().Caller(*context);
  access().AuditChange(*context, caller.ok() ? *caller : storage::Identity{},
                       Method(method), event, detail);
}

absl::Status IdentityService::CheckVenueExists(uint64_t venue_id) const {
  if (venue_id != 0 && store_.FindVenue(venue_id) == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("venue ", venue_id, " is not registered"));
  }
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* IdentityService::EnrollTerminal(
    grpc::CallbackServerContext* context,
    const v1::EnrollTerminalRequest* request,
    v1::EnrollTerminalResponse* response) {
  if (absl::Status venue = CheckVenueExists(request->venue_id()); !venue.ok()) {
    return Finish(context, venue);
  }
  absl::StatusOr<storage::Enrolment> enrolment =
      identities_.EnrollTerminal(request->terminal_id(), request->venue_id());
  if (!enrolment.ok()) return Finish(context, enrolment.status());
  Audit(context, "EnrollTerminal", "enrolled",
        absl::StrCat("terminal '", enrolment->terminal.name, "' for venue ",
                     enrolment->terminal.venue_id));
  ToProto(enrolment->terminal, response->mutable_terminal());
  response->set_activation_code(enrolment->activation_code);
  SetTimestamp(enrolment->terminal.activation_expires_at,
               response->mutable_activation_expires_at());
  return Finish(context, absl::OkStatus());
}

grpc::ServerUnaryReactor* IdentityService::ActivateTerminal(
    grpc::CallbackServerContext* context,
    const v1::ActivateTerminalRequest* request,
    v1::CredentialIssued* response) {
  absl::StatusOr<storage::IssuedCredential> issued =
      identities_.ActivateTerminal(request->activation_code());
  if (!issued.ok()) return Finish(context, issued.status());
  access().AuditChange(*context, issued->identity, Method("ActivateTerminal"),
                       "activated",
                       absl::StrCat("terminal '", issued->identity.name,
                                    "' of venue ", issued->identity.venue_id));
  FillIssued(*issued, response);
  return Finish(context, absl::OkStatus());
}

grpc::ServerUnaryReactor* IdentityService::CreateAccount(
    grpc::CallbackServerContext* context,
    const v1::CreateAccountRequest* request, v1::CredentialIssued* response) {
  absl::StatusOr<Role> role = AccountRole(request->role());
  if (!role.ok()) return Finish(context, role.status());
  if (absl::Status venue = CheckVenueExists(request->venue_id()); !venue.ok()) {
    return Finish(context, venue);
  }
  absl::StatusOr<storage::IssuedCredential> issued =
      identities_.CreateAccount(request->name(), *role, request->venue_id());
  if (!issued.ok()) return Finish(context, issued.status());
  Audit(
      context, "CreateAccount", "account created",
      absl::StrCat(storage::RoleName(*role), " '", issued->identity.name, "'"));
  FillIssued(*issued, response);
  return Finish(context, absl::OkStatus());
}

grpc::ServerUnaryReactor* IdentityService::RotateCredential(
    grpc::CallbackServerContext* context, const v1::RotateCredentialRequest*,
    v1::CredentialIssued* response) {
  absl::StatusOr<storage::Identity> caller = access().Caller(*context);
  if (!caller.ok()) return Finish(context, caller.status());
  absl::StatusOr<storage::IssuedCredential> issued =
      identities_.RotateCredential(caller->name);
  if (!issued.ok()) return Finish(context, issued.status());
  access().AuditChange(
      *context, *caller, Method("RotateCredential"), "credential rotated",
      absl::StrCat("generation ", issued->identity.credential_generation));
  FillIssued(*issued, response);
  return Finish(context, absl::OkStatus());
}

grpc::ServerUnaryReactor* IdentityService::RevokeIdentity(
    grpc::CallbackServerContext* context,
    const v1::RevokeIdentityRequest* request, v1::Identity* response) {
  // Identified before the revocation: an admin may revoke itself, and the
  // audit line must still name who did it.
  absl::StatusOr<storage::Identity> caller = access().Caller(*context);
  if (!caller.ok()) return Finish(context, caller.status());
  absl::StatusOr<storage::Identity> revoked =
      identities_.Revoke(request->name());
  if (!revoked.ok()) return Finish(context, revoked.status());
  access().AuditChange(
      *context, *caller, Method("RevokeIdentity"), "revoked",
      absl::StrCat(storage::RoleName(revoked->role), " '", revoked->name, "'"));
  ToProto(*revoked, response);
  return Finish(context, absl::OkStatus());
}

grpc::ServerUnaryReactor* IdentityService::ListIdentities(
    grpc::CallbackServerContext* context,
    const v1::ListIdentitiesRequest* request,
    v1::ListIdentitiesResponse* response) {
  const uint32_t page_size =
      request->page_size() == 0 ? kDefaultIdentityPage : request->page_size();
  if (page_size > storage::kMaxIdentityPage) {
    return Finish(context,
                  absl::InvalidArgumentError(absl::StrCat(
                      "page_size must be at most ", storage::kMaxIdentityPage,
                      ", got ", page_size)));
  }
  bool more = false;
  for (const storage::Identity& identity :
       identities_.List(request->after_name(), page_size, &more)) {
    ToProto(identity, response->add_identities());
  }
  response->set_more(more);
  return Finish(context, absl::OkStatus());
}

grpc::ServerUnaryReactor* IdentityService::WhoAmI(
    grpc::CallbackServerContext* context, const v1::WhoAmIRequest*,
    v1::Identity* response) {
  absl::StatusOr<storage::Identity> caller = access().Caller(*context);
  if (!caller.ok()) return Finish(context, caller.status());
  ToProto(*caller, response);
  return Finish(context, absl::OkStatus());
}

}  // namespace passclear
