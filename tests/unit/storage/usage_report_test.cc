// The per-programme usage report: every counter follows the operation it
// counts (issuance, allocation, redemption, cancellation, voiding), survives
// a reopen, and the refund due after closing is the face value of the
// passes never redeemed.
#include "storage/usage_report.h"

#include <vector>

#include "gtest/gtest.h"
#include "storage/pass_store.h"
#include "tests/unit/storage/temp_store.h"

namespace passclear::storage {
namespace {

class UsageReportTest : public TempStoreTest {
 protected:
  void SetUp() override {
    TempStoreTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_OK_AND_ASSIGN(programme_, CreateProgramme());
    ASSERT_OK_AND_ASSIGN(booklets_,
                         store().IssueBooklets(programme_.id, 3, 10));
    serials_ = SerialsOf(booklets_);
    ASSERT_OK_AND_ASSIGN(venue_, RegisterVenue("Mediatheque", {programme_.id}));
  }

  absl::Status RedeemSerial(uint64_t serial, const std::string& request_id) {
    absl::StatusOr<RedeemOutcome> outcome = Redeem({.serial = serial,
                                                    .venue_id = venue_.id,
                                                    .terminal_id = "T-1",
                                                    .request_id = request_id});
    if (!outcome.ok()) return outcome.status();
    if (outcome->result != RedeemResult::kRedeemed) {
      return absl::InternalError(outcome->message);
    }
    return absl::OkStatus();
  }

  Programme programme_;
  std::vector<Booklet> booklets_;
  std::vector<uint64_t> serials_;
  Venue venue_;
};

TEST_F(UsageReportTest, CountersFollowEveryOperationAndSurviveReopen) {
  ASSERT_OK(
      store().AllocateBooklet(booklets_[0].id, "Mairie A", "79001").status());
  ASSERT_OK(
      store().AllocateBooklet(booklets_[1].id, "Mairie B", "79002").status());
  ASSERT_OK(store().ReturnBooklet(booklets_[1].id).status());
  ASSERT_OK(
      store().AllocateBooklet(booklets_[2].id, "Mairie A", "79001").status());
  for (int i = 0; i < 4; ++i)
    ASSERT_OK(RedeemSerial(serials_[i], "r" + std::to_string(i)));
  ASSERT_OK_AND_ASSIGN(CancelOutcome cancelled, Cancel({.serial = serials_[0],
                                                        .venue_id = venue_.id,
                                                        .terminal_id = "T-1",
                                                        .request_id = "c0"}));
  ASSERT_EQ(cancelled.result, CancelResult::kCancelled);
  ASSERT_OK(store().VoidBooklet(booklets_[1].id, "lost").status());
  // A refused redemption and a refused voiding change nothing.
  ASSERT_OK(Redeem({.serial = serials_[1],
                    .venue_id = venue_.id,
                    .terminal_id = "T-1",
                    .request_id = "again"})
                .status());
  ASSERT_OK(store().VoidPass(serials_[2], "stolen").status());

  // Flushing and compacting fold the merge operands together.
  rocksdb::DB* db = store().database().db();
  rocksdb::ColumnFamilyHandle* usage =
      store().database().Family(FixedFamily::kUsage);
  ASSERT_TRUE(db->Flush(rocksdb::FlushOptions(), usage).ok());
  ASSERT_TRUE(
      db->CompactRange(rocksdb::CompactRangeOptions(), usage, nullptr, nullptr)
          .ok());
  ASSERT_OK(Reopen());
  ASSERT_OK_AND_ASSIGN(UsageReport report, store().Usage(programme_.id));
  EXPECT_EQ(report.counters.issued, 30);
  EXPECT_EQ(report.counters.allocated, 20);
  EXPECT_EQ(report.counters.redeemed, 3);
  EXPECT_EQ(report.counters.cancelled, 1);
  EXPECT_EQ(report.counters.voided, 10);
  ASSERT_EQ(report.counters.distributors.size(), 1u);
  EXPECT_EQ(report.counters.distributors[0].reference, "79001");
  EXPECT_EQ(report.counters.distributors[0].name, "Mairie A");
  EXPECT_EQ(report.counters.distributors[0].passes, 20);
  EXPECT_EQ(report.unused, 17);
  EXPECT_EQ(report.redeemed_value_cents, 3000);
  EXPECT_FALSE(report.ended);
  EXPECT_EQ(report.expired_unused, 0);
  EXPECT_EQ(report.refund_due_cents, 0);
}

TEST_F(UsageReportTest, RefundDueAfterClosingIsFaceValueOfPassesNeverRedeemed) {
  for (int i = 0; i < 7; ++i)
    ASSERT_OK(RedeemSerial(serials_[i], "r" + std::to_string(i)));
  ASSERT_OK(store().VoidPass(serials_[20], "lost").status());
  ASSERT_OK(store().CloseProgramme(programme_.id).status());
  ASSERT_OK_AND_ASSIGN(UsageReport report, store().Usage(programme_.id));
  EXPECT_TRUE(report.ended);
  EXPECT_EQ(report.expired_unused, 22);
  // 23 passes never redeemed, the voided one included.
  EXPECT_EQ(report.refund_due_cents, 23 * 1000);
}

TEST_F(UsageReportTest, PassesLeftExpireAfterTheGracePeriod) {
  ASSERT_OK(RedeemSerial(serials_[0], "r0"));
  clock().Set(programme_.accepted_until() + absl::Seconds(1));
  ASSERT_OK_AND_ASSIGN(UsageReport report, store().Usage(programme_.id));
  EXPECT_TRUE(report.ended);
  EXPECT_EQ(report.expired_unused, 29);
  EXPECT_EQ(report.refund_due_cents, 0) << "due once the programme is closed";
}

TEST_F(UsageReportTest, BulkIssuanceIsCountedToo) {
  ASSERT_OK(store()
                .IssueBooklets(programme_.id,
                               static_cast<uint32_t>(kBulkIssueThreshold / 10),
                               10)
                .status());
  ASSERT_OK_AND_ASSIGN(UsageReport report, store().Usage(programme_.id));
  EXPECT_EQ(report.counters.issued,
            30 + static_cast<int64_t>(kBulkIssueThreshold));
}

TEST_F(UsageReportTest, UnknownProgrammeIsNotFound) {
  absl::Status unknown = store().Usage(99).status();
  EXPECT_EQ(unknown.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(unknown.message(), "programme_id: no programme 99");
}

}  // namespace
}  // namespace passclear::storage
