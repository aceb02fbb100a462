// The reconciliation audit: a healthy store (redemptions, a cancellation, a
// voiding, a closed cycle, a paid batch, a new open cycle) has no breach,
// also while redemptions go on; each rule reports the damage done on
// purpose by writing to RocksDB directly, naming the serials and batches
// involved, and nothing else.
#include "storage/reconciliation.h"

#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "storage/key_codec.h"
#include "storage/record_codec.h"
#include "storage/redeem_rules.h"
#include "storage/usage_counters.h"
#include "tests/unit/storage/temp_store.h"

namespace passclear::storage {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::string Describe(const std::vector<Breach>& breaches) {
  std::string out;
  for (const Breach& breach : breaches) {
    absl::StrAppend(&out, "\n  ", breach.rule, ": ", breach.message);
  }
  return out;
}

// The healthy store every test starts from: one 10 EUR programme, three
// booklets of 10 (the first handed to a commune), two venues.
//   cycle 1: serials 0, 1, 2 at venue A (2 cancelled), 3, 4 at venue B;
//            serial 20 voided; closed; A's batch paid, B's awaits payment.
//   cycle 2: serials 5, 6 at venue A, 7 at venue B, in open batches.
class ReconciliationTest : public TempStoreTest {
 protected:
  void SetUp() override {
    TempStoreTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_OK_AND_ASSIGN(programme_, CreateProgramme());
    ASSERT_OK_AND_ASSIGN(std::vector<Booklet> booklets,
                         store().IssueBooklets(programme_.id, 3, 10));
    serials_ = SerialsOf(booklets);
    ASSERT_OK(
        store()
            .AllocateBooklet(booklets[0].id, "Mairie de Niort", "COM-79191")
            .status());
    ASSERT_OK_AND_ASSIGN(venue_a_,
                         RegisterVenue("Mediatheque", {programme_.id}));
    ASSERT_OK_AND_ASSIGN(venue_b_,
                         RegisterVenue("Cyber-base", {programme_.id}));

    for (size_t index : {0, 1, 2})
      ASSERT_NO_FATAL_FAILURE(RedeemAt(index, venue_a_));
    for (size_t index : {3, 4})
      ASSERT_NO_FATAL_FAILURE(RedeemAt(index, venue_b_));
    ASSERT_OK_AND_ASSIGN(CancelOutcome cancel, Cancel({.serial = serials_[2],
                                                       .venue_id = venue_a_.id,
                                                       .terminal_id = "T-A",
                                                       .request_id = "c-2"}));
    ASSERT_EQ(cancel.result, CancelResult::kCancelled) << cancel.message;
    ASSERT_OK(store().VoidPass(serials_[20], "booklet torn").status());

    ASSERT_OK_AND_ASSIGN(CycleClose closed, store().CloseCycle());
    ASSERT_EQ(closed.batches_closed, 2u);
    paid_batch_ = redemptions_[serials_[0]].batch_id;
    closed_batch_ = redemptions_[serials_[3]].batch_id;
    ASSERT_OK(
        store().AcknowledgeBatch(paid_batch_, "VIR-2023-03-1", 2000).status());

    for (size_t index : {5, 6})
      ASSERT_NO_FATAL_FAILURE(RedeemAt(index, venue_a_));
    ASSERT_NO_FATAL_FAILURE(RedeemAt(7, venue_b_));
    open_batch_ = redemptions_[serials_[5]].batch_id;
    ASSERT_NE(open_batch_, paid_batch_);
  }

  void RedeemAt(size_t index, const Venue& venue) {
    const std::string terminal = venue.id == venue_a_.id ? "T-A" : "T-B";
    ASSERT_OK_AND_ASSIGN(RedeemOutcome outcome,
                         Redeem({.serial = serials_[index],
                                 .venue_id = venue.id,
                                 .terminal_id = terminal,
                                 .request_id = absl::StrCat("r-", index)}));
    ASSERT_EQ(outcome.result, RedeemResult::kRedeemed) << outcome.message;
    redemptions_[serials_[index]] = *outcome.redemption;
  }

  ReconciliationReport Audit() {
    absl::StatusOr<ReconciliationReport> report = Reconcile(store().database());
    EXPECT_TRUE(report.ok()) << report.status();
    return report.ok() ? *std::move(report) : ReconciliationReport{};
  }

  // The one breach the audit finds; fails the test unless there is exactly
  // one.
  Breach OnlyBreach() {
    std::vector<Breach> breaches = Audit().breaches;
    EXPECT_EQ(breaches.size(), 1u) << Describe(breaches);
    return breaches.empty() ? Breach{} : breaches[0];
  }

  rocksdb::DB& db() { return *store().database().db(); }
  rocksdb::ColumnFamilyHandle* Family(FixedFamily family) {
    return store().database().Family(family);
  }

  PassRecord ReadPass(uint64_t serial) {
    std::string bytes;
    EXPECT_TRUE(db().Get(rocksdb::ReadOptions(),
                         store().database().PassFamily(serial), PassKey(serial),
                         &bytes)
                    .ok());
    absl::StatusOr<PassRecord> pass = DecodePass(bytes);
    EXPECT_TRUE(pass.ok()) << pass.status();
    return pass.ok() ? *pass : PassRecord{};
  }
  void WritePass(uint64_t serial, const PassRecord& pass) {
    ASSERT_TRUE(db().Put(rocksdb::WriteOptions(),
                         store().database().PassFamily(serial), PassKey(serial),
                         EncodePass(pass))
                    .ok());
  }
  ClaimBatch ReadBatch(uint64_t batch_id) {
    absl::StatusOr<ClaimBatch> batch = store().ReadBatch(batch_id);
    EXPECT_TRUE(batch.ok()) << batch.status();
    return batch.ok() ? *batch : ClaimBatch{};
  }
  void WriteBatch(const ClaimBatch& batch) {
    ASSERT_TRUE(db().Put(rocksdb::WriteOptions(), Family(FixedFamily::kBatches),
                         IdKey(batch.id), EncodeClaimBatch(batch))
                    .ok());
  }
  std::string LineKeyOf(uint64_t serial) {
    const RedemptionInfo& redemption = redemptions_[serial];
    return ClaimKey(redemption.batch_id, redemption.seq);
  }

  Programme programme_;
  std::vector<uint64_t> serials_;
  Venue venue_a_;
  Venue venue_b_;
  std::map<uint64_t, RedemptionInfo> redemptions_;  // by serial
  uint64_t paid_batch_ = 0;
  uint64_t closed_batch_ = 0;
  uint64_t open_batch_ = 0;
};

TEST_F(ReconciliationTest, HealthyStoreHasNoBreach) {
  ReconciliationReport report = Audit();
  EXPECT_THAT(report.breaches, IsEmpty()) << Describe(report.breaches);
  EXPECT_EQ(report.passes_checked, 30u);
  EXPECT_EQ(report.claim_lines_checked, 7u);  // serials 0, 1, 3, 4, 5, 6, 7
  EXPECT_EQ(report.batches_checked, 4u);      // A's and B's, in both cycles
  EXPECT_EQ(report.programmes_checked, 1u);
}

TEST_F(ReconciliationTest, RejectedResubmittedAndEmptyBatchesAreHealthy) {
  ASSERT_OK(store().RejectBatch(closed_batch_, "IBAN refused").status());
  ASSERT_OK(store().ResubmitBatch(closed_batch_).status());
  ASSERT_OK(store().RejectBatch(closed_batch_, "IBAN refused again").status());
  // Venue B's open batch loses its only line and closes empty.
  ASSERT_OK_AND_ASSIGN(CancelOutcome cancel, Cancel({.serial = serials_[7],
                                                     .venue_id = venue_b_.id,
                                                     .terminal_id = "T-B",
                                                     .request_id = "c-7"}));
  ASSERT_EQ(cancel.result, CancelResult::kCancelled) << cancel.message;
  ASSERT_OK(store().CloseCycle().status());
  ASSERT_EQ(ReadBatch(redemptions_[serials_[7]].batch_id).status,
            BatchStatus::kEmpty);
  ASSERT_OK(Reopen());
  ReconciliationReport report = Audit();
  EXPECT_THAT(report.breaches, IsEmpty()) << Describe(report.breaches);
  EXPECT_EQ(report.claim_lines_checked, 6u);
}

TEST_F(ReconciliationTest, NoBreachWhileRedemptionsAndClosingGoOn) {
  ASSERT_OK_AND_ASSIGN(std::vector<Booklet> booklets,
                       store().IssueBooklets(programme_.id, 40, 10));
  const std::vector<uint64_t> serials = SerialsOf(booklets);
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (size_t start = 0; start < serials.size(); start += 100) {
      absl::BlockingCounter pending(100);
      for (size_t i = start; i < start + 100; ++i) {
        store().Redeem({.serial = serials[i],
                        .venue_id = i % 3 == 0 ? venue_b_.id : venue_a_.id,
                        .terminal_id = "T-load",
                        .request_id = absl::StrCat("load-", i)},
                       [&pending](absl::StatusOr<RedeemOutcome>) {
                         pending.DecrementCount();
                       });
      }
      pending.Wait();
      if (start == 200) {
        EXPECT_TRUE(store().CloseCycle().ok());
      }
    }
    done = true;
  });
  int audits = 0;
  while (!done || audits < 2) {
    ReconciliationReport report = Audit();
    EXPECT_THAT(report.breaches, IsEmpty()) << Describe(report.breaches);
    ++audits;
  }
  writer.join();
  ReconciliationReport report = Audit();
  EXPECT_THAT(report.breaches, IsEmpty()) << Describe(report.breaches);
  EXPECT_EQ(report.claim_lines_checked, 7u + serials.size());
}

TEST_F(ReconciliationTest, DeletedClaimLine) {
  ASSERT_TRUE(db().Delete(rocksdb::WriteOptions(), Family(FixedFamily::kClaims),
                          LineKeyOf(serials_[5]))
                  .ok());
  Breach breach = OnlyBreach();
  EXPECT_EQ(breach.rule, "redeemed_pass_without_claim_line");
  EXPECT_THAT(breach.serials, ElementsAre(serials_[5]));
  EXPECT_THAT(breach.message, HasSubstr(absl::StrCat("batch ", open_batch_)));
  EXPECT_THAT(breach.message, HasSubstr(FormatSerial(serials_[5])));
}

TEST_F(ReconciliationTest, ClaimLineForAPassThatIsNotRedeemed) {
  const uint64_t serial = serials_[10];
  ASSERT_TRUE(db().Put(rocksdb::WriteOptions(), Family(FixedFamily::kClaims),
                       ClaimKey(open_batch_, 1'000'000),
                       EncodeClaimLine({.serial = serial,
                                        .programme_id = programme_.id,
                                        .face_value_cents = 1000,
                                        .terminal_id = "T-A"}))
                  .ok());
  Breach breach = OnlyBreach();
  EXPECT_EQ(breach.rule, "claim_line_without_redeemed_pass");
  EXPECT_THAT(breach.serials, ElementsAre(serial));
  EXPECT_THAT(breach.message, HasSubstr(absl::StrCat("batch ", open_batch_)));
  EXPECT_THAT(breach.message, HasSubstr("seq 1000000"));
}

TEST_F(ReconciliationTest, PassRedeemedAtAnotherVenueThanItsBatch) {
  PassRecord pass = ReadPass(serials_[5]);
  pass.redemption->venue_id = venue_b_.id;
  WritePass(serials_[5], pass);
  Breach breach = OnlyBreach();
  EXPECT_EQ(breach.rule, "claim_line_venue_mismatch");
  EXPECT_THAT(breach.serials, ElementsAre(serials_[5]));
  EXPECT_THAT(breach.message, HasSubstr(absl::StrCat("batch ", open_batch_)));
  EXPECT_THAT(breach.message,
              HasSubstr(absl::StrCat("redeemed at venue ", venue_b_.id)));
}

TEST_F(ReconciliationTest, ClaimLineUnderABatchThatDoesNotExist) {
  // Pass and line agree with each other, under a batch id never opened.
  const uint64_t serial = serials_[5];
  std::string line;
  ASSERT_TRUE(db().Get(rocksdb::ReadOptions(), Family(FixedFamily::kClaims),
                       LineKeyOf(serial), &line)
                  .ok());
  ASSERT_TRUE(db().Delete(rocksdb::WriteOptions(), Family(FixedFamily::kClaims),
                          LineKeyOf(serial))
                  .ok());
  PassRecord pass = ReadPass(serial);
  pass.redemption->batch_id = 9999;
  WritePass(serial, pass);
  ASSERT_TRUE(db().Put(rocksdb::WriteOptions(), Family(FixedFamily::kClaims),
                       ClaimKey(9999, pass.redemption->seq), line)
                  .ok());
  Breach breach = OnlyBreach();
  EXPECT_EQ(breach.rule, "claim_line_without_batch");
  EXPECT_THAT(breach.serials, ElementsAre(serial));
  EXPECT_THAT(breach.message, HasSubstr("batch 9999 does not exist"));
}

TEST_F(ReconciliationTest, ClaimLineWithAnotherFaceValue) {
  std::string bytes;
  ASSERT_TRUE(db().Get(rocksdb::ReadOptions(), Family(FixedFamily::kClaims),
                       LineKeyOf(serials_[6]), &bytes)
                  .ok());
  ASSERT_OK_AND_ASSIGN(ClaimLine line, DecodeClaimLine(bytes));
  line.face_value_cents = 500;
  ASSERT_TRUE(db().Put(rocksdb::WriteOptions(), Family(FixedFamily::kClaims),
                       LineKeyOf(serials_[6]), EncodeClaimLine(line))
                  .ok());
  Breach breach = OnlyBreach();
  EXPECT_EQ(breach.rule, "claim_line_programme_mismatch");
  EXPECT_THAT(breach.serials, ElementsAre(serials_[6]));
  EXPECT_THAT(breach.message, HasSubstr("claims 500 cents"));
  EXPECT_THAT(breach.message, HasSubstr("face value is 1000 cents"));
}

TEST_F(ReconciliationTest, ClosedBatchTotalDisagreesWithItsLines) {
  ClaimBatch batch = ReadBatch(closed_batch_);
  ASSERT_EQ(batch.status, BatchStatus::kClosed);
  batch.total_cents += 1000;
  WriteBatch(batch);
  Breach breach = OnlyBreach();
  EXPECT_EQ(breach.rule, "batch_total_mismatch");
  EXPECT_THAT(breach.serials, IsEmpty());
  EXPECT_THAT(breach.message,
              HasSubstr(absl::StrCat("batch ", closed_batch_, " of venue ",
                                     venue_b_.id, " is closed")));
  EXPECT_THAT(breach.message, HasSubstr("records 2 lines for 3000 cents"));
  EXPECT_THAT(breach.message, HasSubstr("add up to 2 lines for 2000 cents"));
}

TEST_F(ReconciliationTest, ClosedBatchSubtotalDisagreesWithItsLines) {
  ClaimBatch batch = ReadBatch(closed_batch_);
  ASSERT_EQ(batch.subtotals.size(), 1u);
  batch.subtotals[0].lines = 3;
  WriteBatch(batch);
  Breach breach = OnlyBreach();
  EXPECT_EQ(breach.rule, "batch_total_mismatch");
  EXPECT_THAT(breach.message,
              HasSubstr(absl::StrCat("subtotal for programme ", programme_.id,
                                     " records 3 lines")));
}

TEST_F(ReconciliationTest, OpenBatchNeedsNoTotals) {
  ClaimBatch batch = ReadBatch(open_batch_);
  ASSERT_EQ(batch.status, BatchStatus::kOpen);
  batch.total_cents = 123;
  WriteBatch(batch);
  EXPECT_THAT(Audit().breaches, IsEmpty());
}

TEST_F(ReconciliationTest, RedeemedCounterOneTooHigh) {
  ASSERT_TRUE(db().Merge(rocksdb::WriteOptions(), Family(FixedFamily::kUsage),
                         UsageKey(programme_.id, UsageCounter::kRedeemed),
                         EncodeUsageDelta(+1))
                  .ok());
  Breach breach = OnlyBreach();
  EXPECT_EQ(breach.rule, "counter_mismatch");
  EXPECT_THAT(breach.message,
              HasSubstr(absl::StrCat("programme ", programme_.id)));
  // Redeemed now: serials 0, 1, 3, 4, 5, 6 and 7.
  EXPECT_THAT(breach.message,
              HasSubstr("'redeemed' counter is 8 but the records give 7"));
}

TEST_F(ReconciliationTest, EveryCheckedCounterIsCompared) {
  for (UsageCounter counter :
       {UsageCounter::kIssued, UsageCounter::kAllocated, UsageCounter::kVoided,
        UsageCounter::kClaimed, UsageCounter::kPaid}) {
    ASSERT_TRUE(db().Merge(rocksdb::WriteOptions(), Family(FixedFamily::kUsage),
                           UsageKey(programme_.id, counter),
                           EncodeUsageDelta(-1))
                    .ok());
  }
  std::vector<Breach> breaches = Audit().breaches;
  ASSERT_EQ(breaches.size(), 5u) << Describe(breaches);
  for (const Breach& breach : breaches)
    EXPECT_EQ(breach.rule, "counter_mismatch");
  EXPECT_THAT(breaches[0].message, HasSubstr("'issued' counter is 29 but the "
                                             "records give 30"));
  EXPECT_THAT(breaches[1].message, HasSubstr("'allocated' counter is 9 but "
                                             "the records give 10"));
  EXPECT_THAT(breaches[2].message, HasSubstr("'voided' counter is 0 but the "
                                             "records give 1"));
  EXPECT_THAT(breaches[3].message, HasSubstr("'claimed' counter is 3 but the "
                                             "records give 4"));
  EXPECT_THAT(breaches[4].message, HasSubstr("'paid' counter is 1 but the "
                                             "records give 2"));
}

TEST_F(ReconciliationTest, PaidBatchPaidAnotherAmount) {
  ClaimBatch batch = ReadBatch(paid_batch_);
  ASSERT_EQ(batch.status, BatchStatus::kPaid);
  batch.amount_paid_cents = 1500;
  WriteBatch(batch);
  Breach breach = OnlyBreach();
  EXPECT_EQ(breach.rule, "paid_amount_mismatch");
  EXPECT_THAT(breach.message,
              HasSubstr(absl::StrCat("batch ", paid_batch_, " of venue ",
                                     venue_a_.id, " totals 2000 cents")));
  EXPECT_THAT(breach.message, HasSubstr("paid 1500 cents"));
  EXPECT_THAT(breach.message, HasSubstr("VIR-2023-03-1"));
}

TEST_F(ReconciliationTest, GarbageInAPassShard) {
  const uint64_t serial = 999'999;  // never issued
  ASSERT_TRUE(db().Put(rocksdb::WriteOptions(),
                       store().database().PassFamily(serial), PassKey(serial),
                       "garbage")
                  .ok());
  ReconciliationReport report = Audit();
  ASSERT_EQ(report.breaches.size(), 1u) << Describe(report.breaches);
  const Breach& breach = report.breaches[0];
  EXPECT_EQ(breach.rule, "corrupt_record");
  EXPECT_THAT(breach.serials, ElementsAre(serial));
  EXPECT_THAT(breach.message, HasSubstr(PassShardFamilyName(ShardOfSerial(
                                  serial, store().database().shard_count()))));
  EXPECT_EQ(report.passes_checked, 31u) << "the audit went on";
}

TEST_F(ReconciliationTest, CorruptClaimLineIsReportedOnce) {
  // The pass pointing at the line is not reported a second time.
  ASSERT_TRUE(db().Put(rocksdb::WriteOptions(), Family(FixedFamily::kClaims),
                       LineKeyOf(serials_[5]), "\x01 truncated")
                  .ok());
  Breach breach = OnlyBreach();
  EXPECT_EQ(breach.rule, "corrupt_record");
  EXPECT_THAT(breach.message, HasSubstr("'claims'"));
}

TEST_F(ReconciliationTest, ManySerialsOfOneBatchMakeOneBreach) {
  ASSERT_OK_AND_ASSIGN(std::vector<Booklet> booklets,
                       store().IssueBooklets(programme_.id, 12, 10));
  const std::vector<uint64_t> serials = SerialsOf(booklets);
  absl::BlockingCounter pending(static_cast<int>(serials.size()));
  for (uint64_t serial : serials) {
    store().Redeem({.serial = serial,
                    .venue_id = venue_a_.id,
                    .terminal_id = "T-A",
                    .request_id = absl::StrCat("bulk-", serial)},
                   [&pending](absl::StatusOr<RedeemOutcome> outcome) {
                     EXPECT_TRUE(outcome.ok() &&
                                 outcome->result == RedeemResult::kRedeemed);
                     pending.DecrementCount();
                   });
  }
  pending.Wait();
  // Every line of venue A's open batch goes: 2 + 120 passes lose theirs.
  ASSERT_TRUE(
      db().DeleteRange(rocksdb::WriteOptions(), Family(FixedFamily::kClaims),
                       ClaimKey(open_batch_, 0), ClaimKey(open_batch_ + 1, 0))
          .ok());
  Breach breach = OnlyBreach();
  EXPECT_EQ(breach.rule, "redeemed_pass_without_claim_line");
  EXPECT_THAT(
      breach.message,
      HasSubstr(absl::StrCat("122 redeemed passes of batch ", open_batch_)));
  EXPECT_THAT(breach.message, HasSubstr("and 117 more"));
  ASSERT_EQ(breach.serials.size(), kMaxBreachSerials);
  // The smallest serials, in order.
  EXPECT_EQ(breach.serials[0], serials_[5]);
  EXPECT_EQ(breach.serials[1], serials_[6]);
  EXPECT_EQ(breach.serials[2], serials[0]);
  EXPECT_EQ(breach.serials.back(), serials[97]);
}

}  // namespace
}  // namespace passclear::storage
