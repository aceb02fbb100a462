// Offline scans and the terminal's clock, through the real server: a scan
// may be at most --max_offline_scan_age old when it arrives, and never
// older than its terminal's enrolment; either way it is answered
// SCAN_TOO_OLD with a message naming the limit, and the pass stays
// redeemable.
#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "tests/integration/server_fixture.h"

namespace passclear::testing {
namespace {

class OfflineScanTest : public ServerFixture {
 protected:
  v1::RedeemResponse RedeemScannedAgo(size_t code, absl::Duration ago,
                                      const std::string& request_id) {
    v1::RedeemRequest request = MakeRedeemRequest(
        scheme_.codes[code], scheme_.venue_id, "T-1", request_id);
    // Rounded up: a scan "now" must not fall before an enrolment made
    // within the same second.
    request.mutable_scanned_at()->set_seconds(
        absl::ToUnixSeconds(absl::Now() - ago) + 1);
    return Redeem(request);
  }
};

TEST_F(OfflineScanTest, AScanOlderThanItsTerminalIsRefused) {
  // T-1 was enrolled when the test began: a scan dated yesterday is the
  // terminal's clock going wrong.
  const v1::RedeemResponse refused =
      RedeemScannedAgo(0, absl::Hours(24), "r-yesterday");
  EXPECT_EQ(refused.result(), v1::REDEEM_RESULT_SCAN_TOO_OLD)
      << refused.message();
  EXPECT_TRUE(
      absl::StrContains(refused.message(), "before terminal T-1 was enrolled"))
      << refused.message();
  // Dated after the enrolment, the same pass is redeemed.
  EXPECT_EQ(RedeemScannedAgo(0, absl::ZeroDuration(), "r-now").result(),
            v1::REDEEM_RESULT_REDEEMED);
}

TEST_F(OfflineScanTest, AScanHeldLongerThanTheLimitIsRefused) {
  ASSERT_EQ(StopServer(), 0);
  StartServer({"--max_offline_scan_age=30m"});
  const v1::RedeemResponse refused =
      RedeemScannedAgo(0, absl::Minutes(40), "r-stale");
  EXPECT_EQ(refused.result(), v1::REDEEM_RESULT_SCAN_TOO_OLD)
      << refused.message();
  EXPECT_TRUE(absl::StrContains(refused.message(), "limit of 30m"))
      << refused.message();
  // A retry replays the refusal; the pass itself is untouched.
  EXPECT_EQ(RedeemScannedAgo(0, absl::Minutes(40), "r-stale").result(),
            v1::REDEEM_RESULT_SCAN_TOO_OLD);
  EXPECT_EQ(RedeemScannedAgo(0, absl::ZeroDuration(), "r-fresh").result(),
            v1::REDEEM_RESULT_REDEEMED);

  // In an upload, only the stale item is refused.
  v1::RedeemBatchRequest batch;
  batch.set_venue_id(scheme_.venue_id);
  batch.set_terminal_id("T-1");
  for (int i = 1; i <= 2; ++i) {
    v1::RedeemBatchItem* item = batch.add_items();
    item->set_code(scheme_.codes[i]);
    item->set_request_id(absl::StrCat("b-", i));
    item->mutable_scanned_at()->set_seconds(
        absl::ToUnixSeconds(
            absl::Now() - (i == 1 ? absl::Minutes(40) : absl::ZeroDuration())) +
        1);
  }
  v1::RedeemBatchResponse results;
  grpc::ClientContext context;
  ASSERT_TRUE(redemption_->RedeemBatch(&context, batch, &results).ok());
  ASSERT_EQ(results.results_size(), 2);
  EXPECT_EQ(results.results(0).result(), v1::REDEEM_RESULT_SCAN_TOO_OLD);
  EXPECT_EQ(results.results(1).result(), v1::REDEEM_RESULT_REDEEMED);
}

}  // namespace
}  // namespace passclear::testing
