// The audit trail: one JSON object per line for every refused call and
// every change of an identity (who, what, when, from where), never a secret.
//
//   AuditLog audit("/var/lib/passclear/audit.log");
//   audit.Record({.event = "refused", .identity = "T-1", ...});
//
// Lines are flushed as they are written, so that `tail -f` and log shippers
// see them at once; they are not synced (an audit line lost in a power cut
// is regrettable, never a wrong payment).
#ifndef PASSCLEAR_SERVER_AUDIT_LOG_H_
#define PASSCLEAR_SERVER_AUDIT_LOG_H_

#include <cstdio>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace passclear {

struct AuditEvent {
  std::string event;     // "refused", "enrolled", "activated", ...
  std::string identity;  // the caller's identity name; "" when unknown
  std::string role;      // the caller's role; "" when unknown
  std::string method;    // "/passclear.v1.Service/Method"
  std::string peer;      // "ipv4:127.0.0.1:50412"
  std::string reason;    // a refusal's metric label, e.g. "wrong_role"
  std::string detail;    // the message the caller was answered, or the change
};

class AuditLog {
 public:
  // Appends to `path`, created with mode 0600 if missing.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<AuditLog>> Open(
      const std::string& path);
  ~AuditLog();

  void Record(const AuditEvent& event);

 private:
  explicit AuditLog(std::FILE* file) : file_(file) {}

  absl::Mutex mu_;
  std::FILE* const file_ ABSL_PT_GUARDED_BY(mu_);
};

}  // namespace passclear

#endif  // PASSCLEAR_SERVER_AUDIT_LOG_H_
