// Voiding lost or stolen passes: a voided pass is refused as VOIDED, a
// redeemed pass stays redeemed, voiding twice is harmless, and the journal
// keeps the reason.
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "storage/key_codec.h"
#include "storage/pass_store.h"
#include "storage/record_codec.h"
#include "storage/redemption.h"
#include "tests/unit/storage/temp_store.h"

namespace passclear::storage {
namespace {

class PassStoreVoidTest : public OneBookletTest {
 protected:
  RedeemCommand Scan(uint64_t serial, std::string request_id) {
    return {.serial = serial,
            .venue_id = venue_.id,
            .terminal_id = "T-1",
            .request_id = std::move(request_id)};
  }

  // Every voiding in the journal, in order.
  std::vector<JournalEntry> Voidings() {
    std::vector<JournalEntry> voidings;
    const Database& database = store().database();
    std::unique_ptr<rocksdb::Iterator> it(database.db()->NewIterator(
        rocksdb::ReadOptions(), database.Family(FixedFamily::kJournal)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      absl::StatusOr<JournalEntry> entry =
          DecodeJournalEntry(it->value().ToString());
      EXPECT_TRUE(entry.ok()) << entry.status();
      if (entry.ok() && entry->kind == JournalKind::kVoided) {
        voidings.push_back(*entry);
      }
    }
    return voidings;
  }
};

TEST_F(PassStoreVoidTest, VoidedPassIsRefusedAndNeverClaimed) {
  ASSERT_OK_AND_ASSIGN(std::vector<VoidOutcome> voided,
                       store().VoidPass(serials_[0], "reported stolen"));
  ASSERT_EQ(voided.size(), 1u);
  EXPECT_EQ(voided[0].result, VoidResult::kVoided);

  ASSERT_OK_AND_ASSIGN(RedeemOutcome refused, Redeem(Scan(serials_[0], "r-1")));
  EXPECT_EQ(refused.result, RedeemResult::kVoided);
  EXPECT_TRUE(Contains(refused.message, "voided")) << refused.message;
  ASSERT_OK_AND_ASSIGN(std::vector<ClaimLineEntry> lines,
                       ClaimLines(venue_.id));
  EXPECT_TRUE(lines.empty());

  ASSERT_OK_AND_ASSIGN(PassStatus status, store().Check(serials_[0], {}));
  EXPECT_EQ(status.pass.state, PassState::kVoided);
  EXPECT_EQ(status.redeemable_result, RedeemResult::kVoided);

  // The other passes of the booklet are untouched.
  ASSERT_OK_AND_ASSIGN(RedeemOutcome other, Redeem(Scan(serials_[1], "r-2")));
  EXPECT_EQ(other.result, RedeemResult::kRedeemed);
}

TEST_F(PassStoreVoidTest, RedeemedPassStaysRedeemedAndVoidingTwiceIsHarmless) {
  ASSERT_OK_AND_ASSIGN(RedeemOutcome redeemed, Redeem(Scan(serials_[2], "r")));
  ASSERT_EQ(redeemed.result, RedeemResult::kRedeemed);
  ASSERT_OK_AND_ASSIGN(std::vector<VoidOutcome> late,
                       store().VoidPass(serials_[2], "lost"));
  EXPECT_EQ(late[0].result, VoidResult::kAlreadyRedeemed);
  ASSERT_OK_AND_ASSIGN(PassStatus status, store().Check(serials_[2], {}));
  EXPECT_EQ(status.pass.state, PassState::kRedeemed);
  ASSERT_OK_AND_ASSIGN(std::vector<ClaimLineEntry> lines,
                       ClaimLines(venue_.id));
  EXPECT_EQ(lines.size(), 1u);

  ASSERT_OK(store().VoidPass(serials_[3], "lost").status());
  ASSERT_OK_AND_ASSIGN(std::vector<VoidOutcome> again,
                       store().VoidPass(serials_[3], "lost again"));
  EXPECT_EQ(again[0].result, VoidResult::kAlreadyVoided);
  // Only the first voiding is journalled, with its reason.
  std::vector<JournalEntry> voidings = Voidings();
  ASSERT_EQ(voidings.size(), 1u);
  EXPECT_EQ(voidings[0].serial, serials_[3]);
  EXPECT_EQ(voidings[0].reason, "lost");
}

TEST_F(PassStoreVoidTest, VoidsAWholeBookletInSerialOrder) {
  ASSERT_OK_AND_ASSIGN(RedeemOutcome redeemed, Redeem(Scan(serials_[4], "r")));
  ASSERT_EQ(redeemed.result, RedeemResult::kRedeemed);
  ASSERT_OK_AND_ASSIGN(std::vector<VoidOutcome> outcomes,
                       store().VoidBooklet(1, "booklet lost by the commune"));
  ASSERT_EQ(outcomes.size(), 10u);
  for (size_t i = 0; i < outcomes.size(); ++i) {
    EXPECT_EQ(outcomes[i].serial, serials_[i]);
    EXPECT_EQ(outcomes[i].result,
              i == 4 ? VoidResult::kAlreadyRedeemed : VoidResult::kVoided)
        << i;
  }
  EXPECT_EQ(Voidings().size(), 9u);
}

TEST_F(PassStoreVoidTest, BadInputNamesTheFieldAndWritesNothing) {
  EXPECT_EQ(store().VoidPass(serials_[0], "").status().message(),
            "reason: required");
  absl::Status unknown_serial = store().VoidPass(999999, "lost").status();
  EXPECT_EQ(unknown_serial.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(unknown_serial.message(),
            "serial: no pass 000000999999 was issued");
  absl::Status unknown_booklet = store().VoidBooklet(77, "lost").status();
  EXPECT_EQ(unknown_booklet.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(unknown_booklet.message(), "booklet_id: no booklet 77");
  ASSERT_OK_AND_ASSIGN(PassStatus status, store().Check(serials_[0], {}));
  EXPECT_EQ(status.pass.state, PassState::kIssued);
  EXPECT_TRUE(Voidings().empty());
}

TEST_F(PassStoreVoidTest, VoidingSurvivesReopen) {
  ASSERT_OK(store().VoidPass(serials_[5], "stolen").status());
  ASSERT_OK(Reopen());
  ASSERT_OK_AND_ASSIGN(RedeemOutcome refused, Redeem(Scan(serials_[5], "r")));
  EXPECT_EQ(refused.result, RedeemResult::kVoided);
}

}  // namespace
}  // namespace passclear::storage
