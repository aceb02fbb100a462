// The end of the retention period: a programme's redemption and claim
// history is purged once it closed longer ago than the retention, other
// programmes keep theirs (even in the same batches), the signed batch
// records stay, and Reconcile still finds no breach.
#include "storage/history_purge.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "rocksdb/write_batch.h"
#include "storage/key_codec.h"
#include "storage/reconciliation.h"
#include "storage/record_codec.h"
#include "tests/unit/storage/temp_store.h"

namespace passclear::storage {
namespace {

class HistoryPurgeTest : public TempStoreTest {
 protected:
  void SetUp() override {
    TempStoreTest::SetUp();
    // 2023's programme is accepted until the end of January 2024; the
    // other runs until 2040.
    ASSERT_OK_AND_ASSIGN(old_, CreateProgramme());
    ASSERT_OK_AND_ASSIGN(current_,
                         CreateProgramme(Utc(2023, 1, 1), Utc(2040, 12, 31)));
    ASSERT_OK_AND_ASSIGN(std::vector<Booklet> old_booklets,
                         store().IssueBooklets(old_.id, 1, 10));
    ASSERT_OK_AND_ASSIGN(std::vector<Booklet> current_booklets,
                         store().IssueBooklets(current_.id, 1, 10));
    old_serials_ = SerialsOf(old_booklets);
    current_serials_ = SerialsOf(current_booklets);
    ASSERT_OK_AND_ASSIGN(venue_, RegisterVenue("Both", {old_.id, current_.id}));
  }

  void RedeemAll(const std::vector<uint64_t>& serials, size_t count) {
    for (size_t i = 0; i < count; ++i) {
      ASSERT_OK_AND_ASSIGN(
          RedeemOutcome outcome,
          Redeem({.serial = serials[i],
                  .venue_id = venue_.id,
                  .terminal_id = "T-1",
                  .request_id = absl::StrCat("r-", serials[i])}));
      ASSERT_EQ(outcome.result, RedeemResult::kRedeemed) << outcome.message;
    }
  }

  void ExpectReconciled() {
    absl::StatusOr<ReconciliationReport> report = Reconcile(store().database());
    ASSERT_TRUE(report.ok()) << report.status();
    for (const Breach& breach : report->breaches) {
      ADD_FAILURE() << breach.rule << ": " << breach.message;
    }
  }

  Programme old_;
  Programme current_;
  std::vector<uint64_t> old_serials_;
  std::vector<uint64_t> current_serials_;
  Venue venue_;
};

TEST_F(HistoryPurgeTest, PurgesTheClosedProgrammeOnlyAndReconcilesAfter) {
  // One batch with lines of both programmes, closed and paid.
  RedeemAll(old_serials_, 3);
  RedeemAll(current_serials_, 2);
  ASSERT_OK_AND_ASSIGN(CycleClose closed, store().CloseCycle());
  ASSERT_EQ(closed.batches_closed, 1u);
  ASSERT_OK_AND_ASSIGN(std::vector<ClaimBatch> log,
                       store().ListClosedBatches(0, 10));
  ASSERT_EQ(log.size(), 1u);
  ASSERT_OK(store().AcknowledgeBatch(log[0].id, "VIR-1", 5000).status());

  // Nothing goes before the retention has run since the close.
  clock().Set(PurgeableFrom(old_, absl::Hours(24 * 3653)) - absl::Seconds(1));
  ASSERT_OK_AND_ASSIGN(PurgeReport early, store().PurgeExpiredHistory());
  EXPECT_TRUE(early.programmes.empty());
  ASSERT_OK_AND_ASSIGN(PassStatus kept, store().Check(old_serials_[0], {}));
  EXPECT_TRUE(kept.known);

  clock().Advance(absl::Seconds(1));
  ASSERT_OK(store().PurgeExpiredHistory().status());
  // Purged: the old programme's passes and lines.
  for (uint64_t serial : old_serials_) {
    ASSERT_OK_AND_ASSIGN(PassStatus status, store().Check(serial, {}));
    EXPECT_FALSE(status.known) << serial;
  }
  ASSERT_OK_AND_ASSIGN(std::vector<ClaimLineEntry> lines,
                       ClaimLines(venue_.id));
  ASSERT_EQ(lines.size(), 2u);
  for (const ClaimLineEntry& entry : lines) {
    EXPECT_EQ(entry.line.programme_id, current_.id);
  }
  // Kept: the other programme, and the paid batch's record as signed.
  ASSERT_OK_AND_ASSIGN(PassStatus current,
                       store().Check(current_serials_[0], {}));
  EXPECT_EQ(current.pass.state, PassState::kRedeemed);
  ASSERT_OK_AND_ASSIGN(ClaimBatch batch, store().ReadBatch(log[0].id));
  EXPECT_EQ(batch.status, BatchStatus::kPaid);
  EXPECT_EQ(batch.line_count, 5u);
  EXPECT_EQ(batch.total_cents, 5000);
  EXPECT_EQ(batch.signature, log[0].signature);
  ExpectReconciled();

  // A second run has nothing left to do; a reopened store agrees.
  ASSERT_OK_AND_ASSIGN(PurgeReport again, store().PurgeExpiredHistory());
  EXPECT_TRUE(again.programmes.empty());
  ASSERT_OK(Reopen());
  ExpectReconciled();
}

TEST_F(HistoryPurgeTest, ANonPositiveRetentionIsRefused) {
  absl::StatusOr<std::unique_ptr<PassStore>> store = PassStore::Open(
      {.path = path() + "-other", .history_retention = absl::ZeroDuration()});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(store.status().message().find("retention must be positive"),
            std::string::npos)
      << store.status();
}

// A purge cut short right after it recorded the programme as purged (a
// crash): the store still reconciles, and the next run finishes the purge.
TEST_F(HistoryPurgeTest, APurgeCutShortIsFinishedByTheNextRun) {
  RedeemAll(old_serials_, 3);
  RedeemAll(current_serials_, 2);
  ASSERT_OK(store().CloseCycle().status());
  absl::Mutex notices_mu;
  std::vector<std::string> notices;
  store().database().log().Attach([&](StoreLog::Level, absl::string_view text) {
    absl::MutexLock lock(&notices_mu);
    notices.emplace_back(text);
  });
  rocksdb::WriteBatch marker;
  marker.Put(absl::StrCat(kMetaPurgedProgrammePrefix, IdKey(old_.id)),
             EncodeMetaNumber(1));  // started
  rocksdb::WriteOptions sync;
  sync.sync = true;
  ASSERT_OK(store().database().Write(sync, &marker, "a purge cut short"));
  // Only now: the scheduler purges too once its clock is past the retention.
  clock().Set(PurgeableFrom(old_, absl::Hours(24 * 3653)));
  ExpectReconciled();

  ASSERT_OK(store().PurgeExpiredHistory().status());
  ASSERT_OK_AND_ASSIGN(PassStatus purged, store().Check(old_serials_[0], {}));
  EXPECT_FALSE(purged.known);
  ExpectReconciled();
  // The operator reads that the store finished it, once, whether this run
  // or the scheduler's did.
  const std::string said = absl::StrCat(
      "recovery: finished the history purge of programme ", old_.id,
      " that a stop or a failed write had interrupted (3 claim lines and 3 "
      "journal entries were left to delete)");
  store().database().log().Attach(nullptr);  // before `notices` goes
  EXPECT_EQ(std::count(notices.begin(), notices.end(), said), 1)
      << absl::StrJoin(notices, "\n");
}

}  // namespace
}  // namespace passclear::storage
