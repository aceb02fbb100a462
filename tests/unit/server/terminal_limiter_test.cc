// The per-terminal limiter: a token bucket with a retry hint, and a
// lock-out after a burst of counterfeit codes.
#include "server/terminal_limiter.h"

#include "gtest/gtest.h"

namespace passclear {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1'700'000'000);

TEST(TerminalLimiterTest, BurstThenRateWithARetryHint) {
  TerminalLimiter limiter({.rate_per_second = 10, .burst = 3});
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(limiter.Admit("T-1", 1, kStart).ok()) << i;
  }
  absl::Status refused = limiter.Admit("T-1", 1, kStart);
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(refused.message().find("retry after 0.100 s"),
            absl::string_view::npos)
      << refused.message();
  EXPECT_TRUE(limiter.Admit("T-2", 1, kStart).ok()) << "per terminal";
  EXPECT_TRUE(limiter.Admit("T-1", 1, kStart + absl::Milliseconds(100)).ok());
  // A batch costs its items.
  EXPECT_FALSE(limiter.Admit("T-1", 3, kStart + absl::Milliseconds(200)).ok());
  EXPECT_TRUE(limiter.Admit("T-1", 3, kStart + absl::Seconds(1)).ok());
}

TEST(TerminalLimiterTest, RateZeroTurnsTheLimitOff) {
  TerminalLimiter limiter({.rate_per_second = 0, .burst = 0});
  for (int i = 0; i < 10000; ++i) {
    ASSERT_TRUE(limiter.Admit("T-1", 1, kStart).ok());
  }
}

TEST(TerminalLimiterTest, CounterfeitBurstLocksTheTerminalOutForAWhile) {
  TerminalLimiter limiter({.counterfeit_threshold = 3,
                           .counterfeit_window = absl::Minutes(10),
                           .lockout = absl::Hours(1)});
  EXPECT_FALSE(limiter.RecordCounterfeit("T-1", kStart));
  EXPECT_FALSE(limiter.RecordCounterfeit("T-1", kStart + absl::Minutes(1)));
  EXPECT_TRUE(limiter.RecordCounterfeit("T-1", kStart + absl::Minutes(2)));
  absl::Status locked = limiter.Admit("T-1", 1, kStart + absl::Minutes(3));
  EXPECT_EQ(locked.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(locked.message().find("locked out until"), absl::string_view::npos);
  EXPECT_TRUE(limiter.Admit("T-2", 1, kStart + absl::Minutes(3)).ok());
  EXPECT_TRUE(limiter.Admit("T-1", 1, kStart + absl::Minutes(63)).ok())
      << "the lock-out ends";
}

TEST(TerminalLimiterTest, CounterfeitsSpreadOverTimeDoNotLockOut) {
  TerminalLimiter limiter(
      {.counterfeit_threshold = 3, .counterfeit_window = absl::Minutes(10)});
  for (int i = 0; i < 10; ++i) {
    EXPECT_FALSE(
        limiter.RecordCounterfeit("T-1", kStart + absl::Minutes(6 * i)))
        << i;
  }
}

}  // namespace
}  // namespace passclear
