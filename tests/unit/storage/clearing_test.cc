// Clearing in the store: redemptions land in their venue's open batch,
// closing a cycle fixes every batch with its totals and a signed statement,
// the log lists closed batches in close order, and the mandatary's
// acknowledgement, rejection and resubmission follow their rules.
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "storage/batch_statement.h"
#include "storage/ed25519.h"
#include "storage/pass_store.h"
#include "tests/unit/storage/temp_store.h"

namespace passclear::storage {
namespace {

class ClearingTest : public TempStoreTest {
 protected:
  void SetUp() override {
    TempStoreTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_OK_AND_ASSIGN(programme_, CreateProgramme());
    ASSERT_OK_AND_ASSIGN(std::vector<Booklet> booklets,
                         store().IssueBooklets(programme_.id, 4, 10));
    serials_ = SerialsOf(booklets);
    ASSERT_OK_AND_ASSIGN(venue_, RegisterVenue("Mediatheque", {programme_.id}));
    ASSERT_OK_AND_ASSIGN(other_venue_,
                         RegisterVenue("Cyber-base", {programme_.id}));
  }

  // Redeems serials_[index] at `venue`; returns the batch it landed in.
  uint64_t RedeemAt(size_t index, const Venue& venue) {
    absl::StatusOr<RedeemOutcome> outcome =
        Redeem({.serial = serials_[index],
                .venue_id = venue.id,
                .terminal_id = "T-1",
                .request_id = absl::StrCat("r-", index)});
    EXPECT_TRUE(outcome.ok()) << outcome.status();
    if (!outcome.ok()) return 0;
    EXPECT_EQ(outcome->result, RedeemResult::kRedeemed) << outcome->message;
    return outcome->redemption ? outcome->redemption->batch_id : 0;
  }

  std::vector<ClaimBatch> Log(uint64_t after = 0) {
    absl::StatusOr<std::vector<ClaimBatch>> batches =
        store().ListClosedBatches(after, 100);
    EXPECT_TRUE(batches.ok()) << batches.status();
    return batches.ok() ? *batches : std::vector<ClaimBatch>{};
  }

  Programme programme_;
  std::vector<uint64_t> serials_;
  Venue venue_;
  Venue other_venue_;
};

TEST_F(ClearingTest, CycleCloseFixesEachVenuesBatchWithASignedStatement) {
  const uint64_t first = RedeemAt(0, venue_);
  EXPECT_EQ(RedeemAt(1, venue_), first) << "one open batch per venue";
  const uint64_t other = RedeemAt(2, other_venue_);
  EXPECT_NE(other, first);
  EXPECT_TRUE(Log().empty()) << "open batches are not in the log";

  ASSERT_OK_AND_ASSIGN(CycleClose closed, store().CloseCycle());
  EXPECT_EQ(closed.closed_cycle, 1u);
  EXPECT_EQ(closed.batches_closed, 2u);
  EXPECT_EQ(closed.lines, 3u);
  EXPECT_EQ(closed.total_cents, 3000);
  EXPECT_EQ(store().CurrentCycle().number, 2u);

  std::vector<ClaimBatch> log = Log();
  ASSERT_EQ(log.size(), 2u);
  const ClaimBatch& batch = log[0].id == first ? log[0] : log[1];
  EXPECT_EQ(batch.status, BatchStatus::kClosed);
  EXPECT_EQ(batch.venue_id, venue_.id);
  EXPECT_EQ(batch.cycle, 1u);
  EXPECT_EQ(batch.line_count, 2u);
  EXPECT_EQ(batch.total_cents, 2000);
  ASSERT_EQ(batch.subtotals.size(), 1u);
  EXPECT_EQ(batch.subtotals[0].programme_id, programme_.id);
  EXPECT_EQ(batch.subtotals[0].cents, 2000);
  EXPECT_LT(log[0].close_seq, log[1].close_seq);

  // The statement verifies under the published key and names the lines.
  std::vector<SigningKey> keys = store().SigningKeys();
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(batch.signing_key_version, keys[0].version);
  EXPECT_TRUE(VerifyEd25519(keys[0].public_key, BatchStatement(batch),
                            batch.signature));
  ASSERT_OK_AND_ASSIGN(std::vector<ClaimLineEntry> lines,
                       store().ListBatchLines(batch.id, 0, 100));
  LinesDigest digest;
  for (const ClaimLineEntry& entry : lines) digest.Add(entry.line);
  EXPECT_EQ(digest.Finish(), batch.lines_sha256);
  ClaimBatch tampered = batch;
  tampered.total_cents += 1000;
  EXPECT_FALSE(VerifyEd25519(keys[0].public_key, BatchStatement(tampered),
                             batch.signature));

  // The pass knows its batch; the next redemption opens the next cycle's.
  ASSERT_OK_AND_ASSIGN(PassStatus status, store().Check(serials_[0], {}));
  EXPECT_EQ(status.pass.redemption->batch_id, first);
  const uint64_t next = RedeemAt(3, venue_);
  EXPECT_GT(next, other);
  ASSERT_OK_AND_ASSIGN(ClaimBatch open, store().ReadBatch(next));
  EXPECT_EQ(open.status, BatchStatus::kOpen);
  EXPECT_EQ(open.cycle, 2u);
}

TEST_F(ClearingTest, ClosedBatchKeepsItsLinesAgainstCancellation) {
  RedeemAt(0, venue_);
  ASSERT_OK(store().CloseCycle().status());
  ASSERT_OK_AND_ASSIGN(CancelOutcome cancel, Cancel({.serial = serials_[0],
                                                     .venue_id = venue_.id,
                                                     .terminal_id = "T-1",
                                                     .request_id = "c-0"}));
  EXPECT_EQ(cancel.result, CancelResult::kBatchClosed);
  EXPECT_TRUE(Contains(cancel.message, "is closed")) << cancel.message;
  ASSERT_OK_AND_ASSIGN(PassStatus status, store().Check(serials_[0], {}));
  EXPECT_EQ(status.pass.state, PassState::kRedeemed);
}

TEST_F(ClearingTest, CancelledLineLeavesItsOpenBatchAndAnEmptyBatchIsNotPaid) {
  RedeemAt(0, venue_);
  ASSERT_OK_AND_ASSIGN(CancelOutcome cancel, Cancel({.serial = serials_[0],
                                                     .venue_id = venue_.id,
                                                     .terminal_id = "T-1",
                                                     .request_id = "c-0"}));
  ASSERT_EQ(cancel.result, CancelResult::kCancelled);
  ASSERT_OK_AND_ASSIGN(CycleClose closed, store().CloseCycle());
  EXPECT_EQ(closed.batches_closed, 0u);
  EXPECT_TRUE(Log().empty());
  ASSERT_OK_AND_ASSIGN(ClaimBatch batch,
                       store().ReadBatch(cancel.redemption->batch_id));
  EXPECT_EQ(batch.status, BatchStatus::kEmpty);
}

TEST_F(ClearingTest, FullBatchClosesAndTheNextLinesOpenAnother) {
  options().max_batch_lines = 3;
  ASSERT_OK(Reopen());
  std::vector<uint64_t> batches;
  for (size_t i = 0; i < 7; ++i) batches.push_back(RedeemAt(i, venue_));
  EXPECT_EQ(batches[0], batches[2]);
  EXPECT_NE(batches[2], batches[3]);
  EXPECT_EQ(batches[3], batches[5]);
  EXPECT_NE(batches[5], batches[6]);
  // The two full batches are closed in the background.
  for (int wait = 0; wait < 500 && Log().size() < 2; ++wait) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  std::vector<ClaimBatch> log = Log();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].id, batches[0]);
  EXPECT_EQ(log[0].line_count, 3u);
  EXPECT_EQ(log[1].id, batches[3]);
  ASSERT_OK_AND_ASSIGN(CycleClose closed, store().CloseCycle());
  EXPECT_EQ(closed.lines, 1u);
}

TEST_F(ClearingTest, AcknowledgementIsIdempotentAndConflictsAreRefused) {
  const uint64_t batch_id = RedeemAt(0, venue_);
  absl::Status open =
      store().AcknowledgeBatch(batch_id, "VIR-1", 1000).status();
  EXPECT_EQ(open.code(), absl::StatusCode::kFailedPrecondition) << open;
  EXPECT_TRUE(Contains(open.message(), "is open")) << open;
  ASSERT_OK(store().CloseCycle().status());

  absl::Status wrong_amount =
      store().AcknowledgeBatch(batch_id, "VIR-1", 999).status();
  EXPECT_EQ(wrong_amount.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(wrong_amount.message(), "amount_paid_cents"));
  ASSERT_OK_AND_ASSIGN(ClaimBatch paid,
                       store().AcknowledgeBatch(batch_id, "VIR-1", 1000));
  EXPECT_EQ(paid.status, BatchStatus::kPaid);
  ASSERT_OK_AND_ASSIGN(ClaimBatch again,
                       store().AcknowledgeBatch(batch_id, "VIR-1", 1000));
  EXPECT_TRUE(again == paid) << "a replay changes nothing";
  EXPECT_EQ(store().AcknowledgeBatch(batch_id, "VIR-2", 1000).status().code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(store().RejectBatch(batch_id, "late").status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store().AcknowledgeBatch(999, "VIR-1", 1000).status().code(),
            absl::StatusCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(UsageReport usage, store().Usage(programme_.id));
  EXPECT_EQ(usage.counters.claimed, 1);
  EXPECT_EQ(usage.counters.paid, 1);
}

TEST_F(ClearingTest, RejectedBatchIsResubmittedAtTheEndOfTheLog) {
  const uint64_t rejected_id = RedeemAt(0, venue_);
  RedeemAt(1, other_venue_);
  ASSERT_OK(store().CloseCycle().status());
  ASSERT_OK_AND_ASSIGN(ClaimBatch rejected,
                       store().RejectBatch(rejected_id, "IBAN refused"));
  EXPECT_EQ(rejected.status, BatchStatus::kRejected);
  EXPECT_EQ(
      store().AcknowledgeBatch(rejected_id, "VIR-1", 1000).status().code(),
      absl::StatusCode::kFailedPrecondition);
  const uint64_t cursor = store().LastCloseSeq();
  ASSERT_OK_AND_ASSIGN(ClaimBatch resubmitted,
                       store().ResubmitBatch(rejected_id));
  EXPECT_EQ(resubmitted.status, BatchStatus::kClosed);
  EXPECT_GT(resubmitted.close_seq, cursor);
  // A mandatary reading past its cursor sees it again, once.
  std::vector<ClaimBatch> after = Log(cursor);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].id, rejected_id);
  EXPECT_EQ(Log().size(), 2u) << "listed at its new position only";
  ASSERT_OK(store().AcknowledgeBatch(rejected_id, "VIR-9", 1000).status());
}

TEST_F(ClearingTest, BatchesCycleAndLogSurviveAReopen) {
  const uint64_t open = RedeemAt(0, venue_);
  RedeemAt(1, other_venue_);
  ASSERT_OK(Reopen());
  EXPECT_EQ(RedeemAt(2, venue_), open) << "the open batch goes on";
  ASSERT_OK(store().CloseCycle().status());
  ASSERT_OK(Reopen());
  EXPECT_EQ(store().CurrentCycle().number, 2u);
  EXPECT_EQ(Log().size(), 2u);
  EXPECT_GT(RedeemAt(3, venue_), open);
  ASSERT_OK_AND_ASSIGN(ClaimBatch closed, store().ReadBatch(open));
  EXPECT_EQ(closed.line_count, 2u);
  ASSERT_OK(store().RotateSigningKey().status());
  ASSERT_OK(Reopen());
  EXPECT_EQ(store().SigningKeys().size(), 2u);
}

}  // namespace
}  // namespace passclear::storage
