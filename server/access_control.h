// Identifies the caller of every call and checks it against the access
// policy (server/access_policy.h); every refusal is counted in
// passclear_access_refusals_total{reason} and written to the audit log.
//
// The caller is identified by the call's "authorization: Bearer <token>"
// metadata or, without one, by its client certificate (mutual TLS: the
// subject common name is a terminal id). A TERMINAL may only name its own
// terminal id and venue in a request, a VENUE only its venue.
#ifndef PASSCLEAR_SERVER_ACCESS_CONTROL_H_
#define PASSCLEAR_SERVER_ACCESS_CONTROL_H_

#include <cstdint>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "grpcpp/server_context.h"
#include "prometheus/counter.h"
#include "prometheus/registry.h"
#include "server/audit_log.h"
#include "storage/identity_store.h"

namespace passclear {

class AccessControl {
 public:
  AccessControl(const storage::IdentityStore& identities,
                prometheus::Registry& registry, AuditLog& audit);

  // Who calls `method`, if they may: their role may call it and `request`
  // (null for a stream, whose messages go through CheckRequest) names only
  // their own terminal and venue. For a method callable without credential
  // the identity is empty. Otherwise the status to answer (UNAUTHENTICATED or
  // PERMISSION_DENIED), already counted and audited.
  [[nodiscard]] absl::StatusOr<storage::Identity> Admit(
      const grpc::ServerContextBase& context, absl::string_view method,
      const google::protobuf::Message* request);

  // One message of a stream whose call `caller` was admitted to.
  [[nodiscard]] absl::Status CheckRequest(
      const grpc::ServerContextBase& context, const storage::Identity& caller,
      absl::string_view method, const google::protobuf::Message& request);

  // A record of venue `venue_id` (a claim batch) that the admitted caller
  // of `method` wants: refused to a VENUE or TERMINAL of another venue.
  [[nodiscard]] absl::Status CheckVenue(const grpc::ServerContextBase& context,
                                        absl::string_view method,
                                        uint64_t venue_id);

  // The caller, authenticated again (for handlers that need it after
  // Admit).
  [[nodiscard]] absl::StatusOr<storage::Identity> Caller(
      const grpc::ServerContextBase& context) const;

  // Writes a change made by `caller` (an enrolment, a revocation) to the
  // audit log.
  void AuditChange(const grpc::ServerContextBase& context,
                   const storage::Identity& caller, absl::string_view method,
                   absl::string_view event, absl::string_view detail);

 private:
  [[nodiscard]] absl::StatusOr<storage::Identity> Authenticate(
      const grpc::ServerContextBase& context,
      std::string* refusal_reason) const;
  [[nodiscard]] absl::Status Refuse(const grpc::ServerContextBase& context,
                                    const storage::Identity* caller,
                                    absl::string_view method,
                                    absl::string_view reason,
                                    absl::Status status);

  const storage::IdentityStore& identities_;
  AuditLog& audit_;
  // By reason; every reason is created up front, so each series exists
  // (at 0) from the start.
  absl::flat_hash_map<std::string, prometheus::Counter*> refusals_;
};

}  // namespace passclear

#endif  // PASSCLEAR_SERVER_ACCESS_CONTROL_H_
