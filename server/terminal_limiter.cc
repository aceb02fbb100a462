#include "server/terminal_limiter.h"

#include <algorithm>

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace passclear {

TerminalLimiter::Shard& TerminalLimiter::ShardOf(
    absl::string_view terminal_id) {
  return shards_[absl::HashOf(terminal_id) % kShards];
}

absl::Status TerminalLimiter::Admit(absl::string_view terminal_id, double cost,
                                    absl::Time now) {
  const bool limited = limits_.rate_per_second > 0;
  const bool locking = limits_.counterfeit_threshold > 0;
  if (!limited && !locking) return absl::OkStatus();
  Shard& shard = ShardOf(terminal_id);
  absl::MutexLock lock(&shard.mu);
  if (shard.terminals.size() >= kMaxTerminalsPerShard &&
      !shard.terminals.contains(terminal_id)) {
    // Forget terminals that would be back to a full bucket and are not
    // locked out: nothing is lost by starting them afresh.
    const absl::Duration refill =
        absl::Seconds(limited ? limits_.burst / limits_.rate_per_second : 0);
    for (auto it = shard.terminals.begin(); it != shard.terminals.end();) {
      const TerminalState& idle = it->second;
      if (now - idle.refilled_at > refill && now >= idle.locked_until &&
          now - idle.window_start > limits_.counterfeit_window) {
        shard.terminals.erase(it++);
      } else {
        ++it;
      }
    }
  }
  TerminalState& state = shard.terminals[terminal_id];
  if (now < state.locked_until) {
    return absl::PermissionDeniedError(
        absl::StrCat("terminal ", terminal_id, " is locked out until ",
                     absl::FormatTime("%Y-%m-%d %H:%M:%S UTC",
                                      state.locked_until, absl::UTCTimeZone()),
                     " after ", limits_.counterfeit_threshold,
                     " counterfeit codes; an operator has been alerted"));
  }
  if (!limited) return absl::OkStatus();
  // Refill for the time since the last call, up to the burst.
  if (state.refilled_at == absl::InfinitePast()) {
    state.tokens = limits_.burst;
  } else {
    state.tokens = std::min(
        limits_.burst,
        state.tokens + limits_.rate_per_second *
                           absl::ToDoubleSeconds(now - state.refilled_at));
  }
  state.refilled_at = now;
  if (state.tokens >= cost) {
    state.tokens -= cost;
    return absl::OkStatus();
  }
  const double wait = (cost - state.tokens) / limits_.rate_per_second;
  return absl::ResourceExhaustedError(absl::StrFormat(
      "terminal %s is over its limit of %.0f requests per second; retry "
      "after %.3f s",
      terminal_id, limits_.rate_per_second, wait));
}

bool TerminalLimiter::RecordCounterfeit(absl::string_view terminal_id,
                                        absl::Time now) {
  if (limits_.counterfeit_threshold == 0) return false;
  Shard& shard = ShardOf(terminal_id);
  absl::MutexLock lock(&shard.mu);
  TerminalState& state = shard.terminals[terminal_id];
  if (now - state.window_start > limits_.counterfeit_window) {
    state.window_start = now;
    state.counterfeits = 0;
  }
  if (++state.counterfeits < limits_.counterfeit_threshold) return false;
  state.counterfeits = 0;
  state.locked_until = now + limits_.lockout;
  return true;
}

}  // namespace passclear
