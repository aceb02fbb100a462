// Per-terminal limits through the real server: a terminal over its rate is
// answered RESOURCE_EXHAUSTED with a retry hint while others go on, and a
// burst of counterfeit codes locks the terminal out, visibly in metrics.
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "server/pass_code.h"
#include "tests/integration/http_get.h"
#include "tests/integration/server_fixture.h"

namespace passclear::testing {
namespace {

using TerminalLimitsTest = ServerFixture;

TEST_F(TerminalLimitsTest, TerminalOverItsRateGetsAHintOthersGoOn) {
  ASSERT_EQ(StopServer(), 0);
  StartServer({"--terminal_rate=0.1", "--terminal_burst=5"});
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(Redeem(MakeRedeemRequest(scheme_.codes[i], scheme_.venue_id,
                                       "T-1", absl::StrCat("r-", i)))
                  .result(),
              v1::REDEEM_RESULT_REDEEMED);
  }
  grpc::Status status;
  Redeem(MakeRedeemRequest(scheme_.codes[5], scheme_.venue_id, "T-1", "r-5"),
         &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(absl::StrContains(status.error_message(), "retry after"))
      << status.error_message();
  EXPECT_EQ(Redeem(MakeRedeemRequest(scheme_.codes[5], scheme_.venue_id, "T-2",
                                     "r-5"))
                .result(),
            v1::REDEEM_RESULT_REDEEMED);
}

TEST_F(TerminalLimitsTest, CounterfeitBurstLocksTheTerminalOut) {
  ASSERT_EQ(StopServer(), 0);
  StartServer({"--counterfeit_lockout_threshold=3"});
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<PassCode> real = ParsePassCode(scheme_.codes[i]);
    ASSERT_TRUE(real.ok());
    const std::string forged = FormatPassCode(
        {.serial = real->serial, .tag = (real->tag + 7) % 10'000'000'000});
    EXPECT_EQ(Redeem(MakeRedeemRequest(forged, scheme_.venue_id, "T-9",
                                       absl::StrCat("f-", i)))
                  .result(),
              v1::REDEEM_RESULT_COUNTERFEIT);
  }
  grpc::Status status;
  Redeem(MakeRedeemRequest(scheme_.codes[9], scheme_.venue_id, "T-9", "ok"),
         &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(absl::StrContains(status.error_message(), "locked out"))
      << status.error_message();
  absl::StatusOr<std::string> scrape =
      HttpGet(server_->metrics_address(), "/metrics");
  ASSERT_TRUE(scrape.ok()) << scrape.status();
  EXPECT_TRUE(absl::StrContains(*scrape, "passclear_terminal_lockouts_total 1"))
      << *scrape;
  EXPECT_TRUE(absl::StrContains(
      *scrape, "passclear_terminal_refusals_total{reason=\"locked_out\"} 1"));
}

}  // namespace
}  // namespace passclear::testing
