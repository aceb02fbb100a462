#include "server/terminal_guard.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/log.h"

namespace passclear {

absl::Status TerminalGuard::Admit(const std::string& terminal_id, double cost) {
  absl::Status admitted = limiter_.Admit(terminal_id, cost, absl::Now());
  if (!admitted.ok()) {
    metrics_.ObserveTerminalRefusal(
        absl::IsPermissionDenied(admitted) ? "locked_out" : "rate_limited");
  }
  return admitted;
}

void TerminalGuard::CounterfeitScanned(const std::string& terminal_id) {
  if (!limiter_.RecordCounterfeit(terminal_id, absl::Now())) return;
  metrics_.ObserveLockout();
  LogWarning(absl::StrCat("terminal ", terminal_id,
                          " locked out after a burst of counterfeit codes"));
}

}  // namespace passclear
