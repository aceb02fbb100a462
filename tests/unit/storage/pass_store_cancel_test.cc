// Cancelling a mistaken scan: only the terminal that scanned, only within
// the cancel window; the claim line goes away and the pass is good again.
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "storage/pass_store.h"
#include "storage/redemption.h"
#include "tests/unit/storage/temp_store.h"

namespace passclear::storage {
namespace {

class PassStoreCancelTest : public OneBookletTest {
 protected:
  // Redeems `serial` at venue_ by "T-1" with `request_id`; fails the test on
  // anything but REDEEMED.
  RedemptionInfo RedeemOrFail(uint64_t serial, std::string request_id) {
    absl::StatusOr<RedeemOutcome> outcome =
        Redeem({.serial = serial,
                .venue_id = venue_.id,
                .terminal_id = "T-1",
                .request_id = std::move(request_id)});
    EXPECT_TRUE(outcome.ok()) << outcome.status();
    if (!outcome.ok()) return {};
    EXPECT_EQ(outcome->result, RedeemResult::kRedeemed) << outcome->message;
    return outcome->redemption.value_or(RedemptionInfo{});
  }

  CancelCommand Undo(uint64_t serial, std::string request_id,
                     std::string terminal = "T-1") {
    return {.serial = serial,
            .venue_id = venue_.id,
            .terminal_id = std::move(terminal),
            .request_id = std::move(request_id)};
  }

  std::vector<uint64_t> ClaimedSerials() {
    std::vector<uint64_t> serials;
    absl::StatusOr<std::vector<ClaimLineEntry>> lines = ClaimLines(venue_.id);
    EXPECT_TRUE(lines.ok()) << lines.status();
    if (!lines.ok()) return serials;
    for (const ClaimLineEntry& entry : *lines) {
      serials.push_back(entry.line.serial);
    }
    return serials;
  }

  PassState StateOf(uint64_t serial) {
    absl::StatusOr<PassStatus> status = store().Check(serial, std::nullopt);
    EXPECT_TRUE(status.ok()) << status.status();
    return status.ok() ? status->pass.state : PassState::kIssued;
  }
};

TEST_F(PassStoreCancelTest, CancelRemovesTheClaimLineAndFreesThePass) {
  const RedemptionInfo first = RedeemOrFail(serials_[0], "r-1");
  clock().Advance(absl::Minutes(2));

  ASSERT_OK_AND_ASSIGN(CancelOutcome cancelled,
                       Cancel(Undo(serials_[0], "c-1")));
  EXPECT_EQ(cancelled.result, CancelResult::kCancelled) << cancelled.message;
  EXPECT_EQ(cancelled.serial, serials_[0]);
  EXPECT_EQ(cancelled.redemption, first);
  EXPECT_FALSE(cancelled.replayed);
  EXPECT_TRUE(ClaimedSerials().empty());
  ASSERT_OK_AND_ASSIGN(PassStatus status,
                       store().Check(serials_[0], venue_.id));
  EXPECT_EQ(status.pass.state, PassState::kIssued);
  EXPECT_FALSE(status.pass.redemption.has_value());
  EXPECT_EQ(status.redeemable_result, RedeemResult::kRedeemed);

  // Redeemed again, with a new claim line of its own.
  clock().Advance(absl::Minutes(1));
  const RedemptionInfo second = RedeemOrFail(serials_[0], "r-2");
  EXPECT_GT(second.seq, first.seq);
  ASSERT_OK_AND_ASSIGN(std::vector<ClaimLineEntry> lines,
                       ClaimLines(venue_.id));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].seq, second.seq);
  EXPECT_EQ(lines[0].line.serial, serials_[0]);
  EXPECT_EQ(lines[0].line.recorded_at, clock().Now());
}

TEST_F(PassStoreCancelTest, CancelOnlyTouchesItsOwnClaimLine) {
  RedeemOrFail(serials_[0], "r-0");
  RedeemOrFail(serials_[1], "r-1");
  RedeemOrFail(serials_[2], "r-2");
  ASSERT_OK_AND_ASSIGN(CancelOutcome cancelled, Cancel(Undo(serials_[1], "c")));
  ASSERT_EQ(cancelled.result, CancelResult::kCancelled);
  EXPECT_EQ(ClaimedSerials(),
            (std::vector<uint64_t>{serials_[0], serials_[2]}));
  EXPECT_EQ(StateOf(serials_[0]), PassState::kRedeemed);
  EXPECT_EQ(StateOf(serials_[2]), PassState::kRedeemed);
}

TEST_F(PassStoreCancelTest, CancelAllowedExactlyAtTheEndOfTheWindow) {
  RedeemOrFail(serials_[0], "r-1");
  clock().Advance(absl::Minutes(15));
  ASSERT_OK_AND_ASSIGN(CancelOutcome cancelled,
                       Cancel(Undo(serials_[0], "c-1")));
  EXPECT_EQ(cancelled.result, CancelResult::kCancelled) << cancelled.message;
  EXPECT_TRUE(ClaimedSerials().empty());
}

TEST_F(PassStoreCancelTest, CancelRefusedOneMicrosecondAfterTheWindow) {
  const RedemptionInfo redemption = RedeemOrFail(serials_[0], "r-1");
  clock().Advance(absl::Minutes(15) + absl::Microseconds(1));
  ASSERT_OK_AND_ASSIGN(CancelOutcome refused, Cancel(Undo(serials_[0], "c-1")));
  EXPECT_EQ(refused.result, CancelResult::kWindowElapsed) << refused.message;
  EXPECT_EQ(refused.redemption, redemption);
  EXPECT_TRUE(Contains(refused.message, "15m")) << refused.message;
  EXPECT_TRUE(Contains(refused.message, "2023-03-01 09:00:00 UTC"))
      << refused.message;
  EXPECT_EQ(ClaimedSerials(), std::vector<uint64_t>{serials_[0]});
  EXPECT_EQ(StateOf(serials_[0]), PassState::kRedeemed);
}

TEST_F(PassStoreCancelTest, CancelWindowIsConfigurable) {
  options().cancel_window = absl::Minutes(1);
  ASSERT_OK(Reopen());
  RedeemOrFail(serials_[0], "r-1");
  RedeemOrFail(serials_[1], "r-2");
  clock().Advance(absl::Minutes(1));
  ASSERT_OK_AND_ASSIGN(CancelOutcome in_time, Cancel(Undo(serials_[0], "c-1")));
  EXPECT_EQ(in_time.result, CancelResult::kCancelled);
  clock().Advance(absl::Microseconds(1));
  ASSERT_OK_AND_ASSIGN(CancelOutcome late, Cancel(Undo(serials_[1], "c-2")));
  EXPECT_EQ(late.result, CancelResult::kWindowElapsed);
}

TEST_F(PassStoreCancelTest, WindowCountsFromTheServerRecordNotTheScan) {
  // Scanned offline an hour ago, uploaded now: still cancellable for 15
  // minutes from the upload.
  ASSERT_OK_AND_ASSIGN(RedeemOutcome uploaded,
                       Redeem({.serial = serials_[0],
                               .venue_id = venue_.id,
                               .terminal_id = "T-1",
                               .request_id = "r-1",
                               .scanned_at = clock().Now() - absl::Hours(1)}));
  ASSERT_EQ(uploaded.result, RedeemResult::kRedeemed);
  clock().Advance(absl::Minutes(10));
  ASSERT_OK_AND_ASSIGN(CancelOutcome cancelled, Cancel(Undo(serials_[0], "c")));
  EXPECT_EQ(cancelled.result, CancelResult::kCancelled) << cancelled.message;
}

TEST_F(PassStoreCancelTest, OnlyTheScanningTerminalAtItsVenueMayCancel) {
  const RedemptionInfo redemption = RedeemOrFail(serials_[0], "r-1");

  ASSERT_OK_AND_ASSIGN(CancelOutcome other_terminal,
                       Cancel(Undo(serials_[0], "c-1", "T-2")));
  EXPECT_EQ(other_terminal.result, CancelResult::kNotSameTerminal);
  EXPECT_EQ(other_terminal.redemption, redemption);
  EXPECT_TRUE(Contains(other_terminal.message, "T-1"))
      << other_terminal.message;

  // Same terminal id, but claiming to be at another venue.
  CancelCommand other_venue = Undo(serials_[0], "c-2");
  other_venue.venue_id = second_venue_.id;
  ASSERT_OK_AND_ASSIGN(CancelOutcome at_other_venue, Cancel(other_venue));
  EXPECT_EQ(at_other_venue.result, CancelResult::kNotSameTerminal);

  EXPECT_EQ(ClaimedSerials(), std::vector<uint64_t>{serials_[0]});
  ASSERT_OK_AND_ASSIGN(PassStatus status,
                       store().Check(serials_[0], std::nullopt));
  EXPECT_EQ(status.pass.redemption, redemption);
}

TEST_F(PassStoreCancelTest, NeverRedeemedPassIsNotRedeemed) {
  ASSERT_OK_AND_ASSIGN(CancelOutcome outcome, Cancel(Undo(serials_[3], "c-1")));
  EXPECT_EQ(outcome.result, CancelResult::kNotRedeemed);
  EXPECT_FALSE(outcome.redemption.has_value());
  EXPECT_EQ(StateOf(serials_[3]), PassState::kIssued);

  // Nor is one whose redemption was already cancelled.
  RedeemOrFail(serials_[4], "r-1");
  ASSERT_OK_AND_ASSIGN(CancelOutcome first, Cancel(Undo(serials_[4], "c-2")));
  ASSERT_EQ(first.result, CancelResult::kCancelled);
  ASSERT_OK_AND_ASSIGN(CancelOutcome again, Cancel(Undo(serials_[4], "c-3")));
  EXPECT_EQ(again.result, CancelResult::kNotRedeemed);
}

TEST_F(PassStoreCancelTest, UnknownSerial) {
  ASSERT_OK_AND_ASSIGN(CancelOutcome outcome,
                       Cancel(Undo(serials_.back() + 1, "c-1")));
  EXPECT_EQ(outcome.result, CancelResult::kUnknownSerial);
  EXPECT_EQ(outcome.serial, serials_.back() + 1);
  EXPECT_FALSE(outcome.redemption.has_value());
}

TEST_F(PassStoreCancelTest,
       CancelRetryReplaysAndDoesNotCancelALaterRedemption) {
  const RedemptionInfo first = RedeemOrFail(serials_[0], "r-1");
  const CancelCommand cancel = Undo(serials_[0], "c-1");
  ASSERT_OK_AND_ASSIGN(CancelOutcome cancelled, Cancel(cancel));
  ASSERT_EQ(cancelled.result, CancelResult::kCancelled);

  const RedemptionInfo second = RedeemOrFail(serials_[0], "r-2");
  ASSERT_OK_AND_ASSIGN(CancelOutcome retry, Cancel(cancel));
  EXPECT_TRUE(retry.replayed);
  EXPECT_EQ(retry.result, CancelResult::kCancelled);
  EXPECT_EQ(retry.message, cancelled.message);
  EXPECT_EQ(retry.redemption, first);
  // The second redemption stands.
  ASSERT_OK_AND_ASSIGN(PassStatus status,
                       store().Check(serials_[0], std::nullopt));
  EXPECT_EQ(status.pass.redemption, second);
  EXPECT_EQ(ClaimedSerials(), std::vector<uint64_t>{serials_[0]});
}

TEST_F(PassStoreCancelTest, CancelRetryReplaysARefusal) {
  const CancelCommand cancel = Undo(serials_[0], "c-1");
  ASSERT_OK_AND_ASSIGN(CancelOutcome refused, Cancel(cancel));
  ASSERT_EQ(refused.result, CancelResult::kNotRedeemed);
  RedeemOrFail(serials_[0], "r-1");
  ASSERT_OK_AND_ASSIGN(CancelOutcome retry, Cancel(cancel));
  EXPECT_TRUE(retry.replayed);
  EXPECT_EQ(retry.result, CancelResult::kNotRedeemed);
  EXPECT_EQ(StateOf(serials_[0]), PassState::kRedeemed);
  EXPECT_EQ(ClaimedSerials(), std::vector<uint64_t>{serials_[0]});

  // Reusing the cancel's request id for another pass is refused.
  EXPECT_EQ(Cancel(Undo(serials_[1], "c-1")).status().code(),
            absl::StatusCode::kAlreadyExists);
}

TEST_F(PassStoreCancelTest, CancelWorksAfterReopen) {
  const RedemptionInfo redemption = RedeemOrFail(serials_[0], "r-1");
  ASSERT_OK(Reopen());
  clock().Advance(absl::Minutes(14));
  ASSERT_OK_AND_ASSIGN(CancelOutcome cancelled, Cancel(Undo(serials_[0], "c")));
  EXPECT_EQ(cancelled.result, CancelResult::kCancelled);
  EXPECT_EQ(cancelled.redemption, redemption);
  ASSERT_OK(Reopen());
  EXPECT_TRUE(ClaimedSerials().empty());
  EXPECT_EQ(StateOf(serials_[0]), PassState::kIssued);
}

// A real clock has nanoseconds; the store keeps microseconds. The window is
// measured from the recorded_at the terminal was told, so a cancel exactly at
// its end is allowed and one microsecond later is not.
TEST_F(PassStoreCancelTest, WindowEdgeHoldsWithANanosecondClock) {
  clock().Set(TestEpoch() + absl::Nanoseconds(500));
  const RedemptionInfo redemption = RedeemOrFail(serials_[0], "r-1");
  const RedemptionInfo other = RedeemOrFail(serials_[1], "r-2");
  ASSERT_LE(redemption.recorded_at, clock().Now());
  ASSERT_GT(redemption.recorded_at, clock().Now() - absl::Microseconds(1));

  clock().Set(redemption.recorded_at + absl::Minutes(15) +
              absl::Nanoseconds(999));
  ASSERT_OK_AND_ASSIGN(CancelOutcome cancelled, Cancel(Undo(serials_[0], "c")));
  EXPECT_EQ(cancelled.result, CancelResult::kCancelled) << cancelled.message;

  clock().Set(other.recorded_at + absl::Minutes(15) + absl::Microseconds(1));
  ASSERT_OK_AND_ASSIGN(CancelOutcome late, Cancel(Undo(serials_[1], "c-2")));
  EXPECT_EQ(late.result, CancelResult::kWindowElapsed) << late.message;
}

}  // namespace
}  // namespace passclear::storage
