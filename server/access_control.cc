#include "server/access_control.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "server/access_policy.h"

namespace passclear {
namespace {

using storage::Identity;
using storage::IdentityStore;
using storage::Role;

constexpr absl::string_view kBearerPrefix = "Bearer ";

// The reasons refusals are counted by.
constexpr absl::string_view kReasons[] = {
    "no_credential", "unknown_credential", "revoked",        "not_activated",
    "wrong_role",    "other_venue",        "other_terminal", "unknown_method"};

absl::string_view RefusalReason(IdentityStore::Refusal refusal) {
  switch (refusal) {
    case IdentityStore::Refusal::kRevoked:
      return "revoked";
    case IdentityStore::Refusal::kNotActivated:
      return "not_activated";
    case IdentityStore::Refusal::kUnknown:
      break;
  }
  return "unknown_credential";
}

std::string Describe(const Identity& caller) {
  return absl::StrCat(storage::RoleName(caller.role), " '", caller.name, "'");
}

// Checks the `venue_id` and `terminal_id` fields a request has against the
// caller's; `reason` says which did not match.
absl::Status CheckScope(const Identity& caller,
                        const google::protobuf::Message& request,
                        std::string* reason) {
  if (caller.role != Role::kTerminal && caller.role != Role::kVenue) {
    return absl::OkStatus();
  }
  const google::protobuf::Descriptor& type = *request.GetDescriptor();
  const google::protobuf::Reflection& fields = *request.GetReflection();
  if (const auto* venue = type.FindFieldByName("venue_id");
      venue != nullptr &&
      venue->type() == google::protobuf::FieldDescriptor::TYPE_UINT64) {
    const uint64_t venue_id = fields.GetUInt64(request, venue);
    // 0 is "no venue" where the field is optional (CheckPass); where it is
    // required the handler refuses it.
    if (venue_id != 0 && venue_id != caller.venue_id) {
      *reason = "other_venue";
      return absl::PermissionDeniedError(
          absl::StrCat(Describe(caller), " belongs to venue ", caller.venue_id,
                       " and may not act for venue ", venue_id));
    }
  }
  if (const auto* terminal = type.FindFieldByName("terminal_id");
      terminal != nullptr && caller.role == Role::kTerminal &&
      terminal->type() == google::protobuf::FieldDescriptor::TYPE_STRING) {
    const std::string terminal_id = fields.GetString(request, terminal);
    if (!terminal_id.empty() && terminal_id != caller.name) {
      *reason = "other_terminal";
      return absl::PermissionDeniedError(
          absl::StrCat(Describe(caller), " may not send requests as terminal '",
                       terminal_id, "'"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

AccessControl::AccessControl(const IdentityStore& identities,
                             prometheus::Registry& registry, AuditLog& audit)
    : identities_(identities), audit_(audit) {
  auto& family =
      prometheus::BuildCounter()
          .Name("passclear_access_refusals_total")
          .Help("Calls refused for their credential or their role, by reason")
          .Register(registry);
  for (absl::string_view reason : kReasons) {
    refusals_[reason] = &family.Add({{"reason", std::string(reason)}});
  }
}

absl::StatusOr<Identity> AccessControl::Authenticate(
    const grpc::ServerContextBase& context, std::string* refusal_reason) const {
  IdentityStore::Refusal refusal = IdentityStore::Refusal::kUnknown;
  const auto& metadata = context.client_metadata();
  if (const auto header = metadata.find("authorization");
      header != metadata.end()) {
    const absl::string_view value(header->second.data(), header->second.size());
    // HTTP auth scheme names are case-insensitive (RFC 9110 section 11.1).
    if (!absl::StartsWithIgnoreCase(value, kBearerPrefix)) {
      *refusal_reason = "unknown_credential";
      return absl::UnauthenticatedError(
          "the authorization metadata must be \"Bearer <token>\"");
    }
    absl::StatusOr<Identity> caller =
        identities_.Authenticate(value.substr(kBearerPrefix.size()), &refusal);
    if (!caller.ok()) *refusal_reason = std::string(RefusalReason(refusal));
    return caller;
  }
  const std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth != nullptr && auth->IsPeerAuthenticated()) {
    for (const grpc::string_ref& name :
         auth->FindPropertyValues("x509_common_name")) {
      absl::StatusOr<Identity> caller =
          identities_.AuthenticateTerminalCertificate(
              absl::string_view(name.data(), name.size()), &refusal);
      if (!caller.ok()) *refusal_reason = std::string(RefusalReason(refusal));
      return caller;
    }
  }
  *refusal_reason = "no_credential";
  return absl::UnauthenticatedError(
      "no credential: send \"authorization: Bearer <token>\" metadata (an "
      "administrator enrols terminals and creates accounts)");
}

absl::StatusOr<Identity> AccessControl::Caller(
    const grpc::ServerContextBase& context) const {
  std::string ignored;
  return Authenticate(context, &ignored);
}

absl::StatusOr<Identity> AccessControl::Admit(
    const grpc::ServerContextBase& context, absl::string_view method,
    const google::protobuf::Message* request) {
  const MethodAccess* access = AccessFor(method);
  if (access == nullptr) {
    return Refuse(context, nullptr, method, "unknown_method",
                  absl::PermissionDeniedError(
                      absl::StrCat(method, " is not in the access policy")));
  }
  if (access->open) return Identity{};
  std::string reason;
  absl::StatusOr<Identity> caller = Authenticate(context, &reason);
  if (!caller.ok()) {
    return Refuse(context, nullptr, method, reason, caller.status());
  }
  if (!RoleMayCall(*access, caller->role)) {
    return Refuse(context, &*caller, method, "wrong_role",
                  absl::PermissionDeniedError(absl::StrCat(
                      Describe(*caller), " may not call ", method)));
  }
  if (request != nullptr) {
    if (absl::Status status = CheckScope(*caller, *request, &reason);
        !status.ok()) {
      return Refuse(context, &*caller, method, reason, std::move(status));
    }
  }
  return caller;
}

absl::Status AccessControl::CheckRequest(
    const grpc::ServerContextBase& context, const Identity& caller,
    absl::string_view method, const google::protobuf::Message& request) {
  std::string reason;
  absl::Status status = CheckScope(caller, request, &reason);
  if (status.ok()) return status;
  return Refuse(context, &caller, method, reason, std::move(status));
}

absl::Status AccessControl::CheckVenue(const grpc::ServerContextBase& context,
                                       absl::string_view method,
                                       uint64_t venue_id) {
  absl::StatusOr<Identity> caller = Caller(context);
  if (!caller.ok()) return caller.status();
  if ((caller->role != Role::kVenue && caller->role != Role::kTerminal) ||
      caller->venue_id == venue_id) {
    return absl::OkStatus();
  }
  return Refuse(context, &*caller, method, "other_venue",
                absl::PermissionDeniedError(absl::StrCat(
                    Describe(*caller), " belongs to venue ", caller->venue_id,
                    " and may not read a record of venue ", venue_id)));
}

absl::Status AccessControl::Refuse(const grpc::ServerContextBase& context,
                                   const Identity* caller,
                                   absl::string_view method,
                                   absl::string_view reason,
                                   absl::Status status) {
  refusals_.at(reason)->Increment();
  audit_.Record({.event = "refused",
                 .identity = caller != nullptr ? caller->name : "",
                 .role = caller != nullptr
                             ? std::string(storage::RoleName(caller->role))
                             : "",
                 .method = std::string(method),
                 .peer = context.peer(),
                 .reason = std::string(reason),
                 .detail = std::string(status.message())});
  return status;
}

void AccessControl::AuditChange(const grpc::ServerContextBase& context,
                                const Identity& caller,
                                absl::string_view method,
                                absl::string_view event,
                                absl::string_view detail) {
  audit_.Record({.event = std::string(event),
                 .identity = caller.name,
                 .role = caller.name.empty()
                             ? ""
                             : std::string(storage::RoleName(caller.role)),
                 .method = std::string(method),
                 .peer = context.peer(),
                 .detail = std::string(detail)});
}

}  // namespace passclear
