// The terminal limiter as the redemption handlers use it: admits a
// terminal's call (counting refusals in metrics) and counts the counterfeit
// codes it scans (logging and counting a lock-out).
#ifndef PASSCLEAR_SERVER_TERMINAL_GUARD_H_
#define PASSCLEAR_SERVER_TERMINAL_GUARD_H_

#include <string>

#include "absl/status/status.h"
#include "server/redemption_metrics.h"
#include "server/terminal_limiter.h"

namespace passclear {

class TerminalGuard {
 public:
  TerminalGuard(TerminalLimiter& limiter, RedemptionMetrics& metrics)
      : limiter_(limiter), metrics_(metrics) {}

  // OK, or the refusal to answer with (RESOURCE_EXHAUSTED, PERMISSION_DENIED).
  [[nodiscard]] absl::Status Admit(const std::string& terminal_id, double cost);
  void CounterfeitScanned(const std::string& terminal_id);

 private:
  TerminalLimiter& limiter_;
  RedemptionMetrics& metrics_;
};

}  // namespace passclear

#endif  // PASSCLEAR_SERVER_TERMINAL_GUARD_H_
