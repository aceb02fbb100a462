// Abuse resistance per terminal: a token bucket on the calls a terminal
// makes (RESOURCE_EXHAUSTED with a retry-after hint when empty), and a
// lock-out when a terminal scans a burst of counterfeit codes (someone
// trying forged codes), for a set time.
//
//   TerminalLimiter limiter({.rate_per_second = 50, .burst = 200});
//   if (absl::Status admitted = limiter.Admit("T-1", 1, now); !admitted.ok())
//     ...answer it...
//   if (counterfeit) limiter.RecordCounterfeit("T-1", now);
#ifndef PASSCLEAR_SERVER_TERMINAL_LIMITER_H_
#define PASSCLEAR_SERVER_TERMINAL_LIMITER_H_

#include <array>
#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace passclear {

struct TerminalLimits {
  // Calls (or batch items) per second a terminal may sustain; 0 turns the
  // rate limit off.
  double rate_per_second = 1000;
  // How many it may send at once after a quiet period.
  double burst = 2000;
  // This many counterfeit codes within `counterfeit_window` lock the
  // terminal out for `lockout`; 0 turns the lock-out off.
  uint32_t counterfeit_threshold = 20;
  absl::Duration counterfeit_window = absl::Minutes(10);
  absl::Duration lockout = absl::Hours(1);
};

class TerminalLimiter {
 public:
  explicit TerminalLimiter(TerminalLimits limits) : limits_(limits) {}

  // Takes `cost` tokens from the terminal's bucket. RESOURCE_EXHAUSTED when
  // the bucket is short (the message says when to retry), PERMISSION_DENIED
  // while the terminal is locked out.
  [[nodiscard]] absl::Status Admit(absl::string_view terminal_id, double cost,
                                   absl::Time now);

  // Counts a counterfeit code scanned by the terminal; true when this one
  // locks the terminal out.
  bool RecordCounterfeit(absl::string_view terminal_id, absl::Time now);

 private:
  struct TerminalState {
    double tokens = 0;
    absl::Time refilled_at = absl::InfinitePast();
    uint32_t counterfeits = 0;
    absl::Time window_start = absl::InfinitePast();
    absl::Time locked_until = absl::InfinitePast();
  };
  struct Shard {
    absl::Mutex mu;
    absl::flat_hash_map<std::string, TerminalState> terminals
        ABSL_GUARDED_BY(mu);
  };
  static constexpr size_t kShards = 32;
  // Beyond this many terminals in a shard, idle ones are forgotten, so that
  // made-up terminal ids cannot grow memory without bound.
  static constexpr size_t kMaxTerminalsPerShard = 20000;
  Shard& ShardOf(absl::string_view terminal_id);

  const TerminalLimits limits_;
  std::array<Shard, kShards> shards_;
};

}  // namespace passclear

#endif  // PASSCLEAR_SERVER_TERMINAL_LIMITER_H_
