// A programme's life after creation: extension by amendment (every pass
// follows), closing (passes refused), and the checks on both.
#include <string>

#include "gtest/gtest.h"
#include "storage/pass_store.h"
#include "storage/redeem_rules.h"
#include "storage/redemption.h"
#include "tests/unit/storage/temp_store.h"

namespace passclear::storage {
namespace {

// The fixture's programme is valid through 2023, accepted until 31 January
// 2024.
class ProgrammeLifecycleTest : public OneBookletTest {
 protected:
  RedeemResult RedeemScannedAt(uint64_t serial, absl::Time scanned_at,
                               const std::string& request_id) {
    absl::StatusOr<RedeemOutcome> outcome = Redeem({.serial = serial,
                                                    .venue_id = venue_.id,
                                                    .terminal_id = "T-1",
                                                    .request_id = request_id,
                                                    .scanned_at = scanned_at});
    EXPECT_TRUE(outcome.ok()) << outcome.status();
    return outcome.ok() ? outcome->result : RedeemResult::kUnknownSerial;
  }
};

TEST_F(ProgrammeLifecycleTest, ExtensionLetsAnExpiringPassBeRedeemed) {
  const absl::Time in_2024 = Utc(2024, 6, 1);
  clock().Set(in_2024);
  EXPECT_EQ(RedeemScannedAt(serials_[0], in_2024, "r-1"),
            RedeemResult::kExpired);

  ASSERT_OK_AND_ASSIGN(
      Programme extended,
      store().ExtendProgramme(programme_.id, Utc(2024, 12, 31, 23, 59, 59),
                              "Avenant n°1 du 12/12/2023"));
  ASSERT_EQ(extended.amendments.size(), 1u);
  EXPECT_EQ(extended.amendments[0].reference, "Avenant n°1 du 12/12/2023");
  EXPECT_EQ(extended.amendments[0].previous_valid_until,
            programme_.valid_until);
  EXPECT_EQ(extended.amendments[0].recorded_at, in_2024);
  EXPECT_EQ(RedeemScannedAt(serials_[0], in_2024, "r-2"),
            RedeemResult::kRedeemed);

  // The amendment is on disk.
  ASSERT_OK(Reopen());
  ASSERT_OK_AND_ASSIGN(PassStatus status, store().Check(serials_[1], {}));
  EXPECT_EQ(status.programme.valid_until, Utc(2024, 12, 31, 23, 59, 59));
  EXPECT_EQ(status.programme.amendments, extended.amendments);
}

TEST_F(ProgrammeLifecycleTest, ExtensionMustEndLaterAndNameItsReference) {
  absl::Status shorter =
      store()
          .ExtendProgramme(programme_.id, Utc(2023, 6, 30), "Avenant 2")
          .status();
  EXPECT_EQ(shorter.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(shorter.message(),
            "valid_until: an extension must end after the current end "
            "(2023-12-31 23:59:59 UTC), got 2023-06-30 00:00:00 UTC");
  EXPECT_EQ(store()
                .ExtendProgramme(programme_.id, Utc(2024, 12, 31), "")
                .status()
                .message(),
            "reference: required");
  EXPECT_EQ(store()
                .ExtendProgramme(999, Utc(2024, 12, 31), "Avenant")
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(store().FindProgramme(programme_.id)->amendments.empty());
}

TEST_F(ProgrammeLifecycleTest, ClosedProgrammeRefusesItsPasses) {
  clock().Set(Utc(2023, 5, 1));
  ASSERT_OK_AND_ASSIGN(Programme closed, store().CloseProgramme(programme_.id));
  ASSERT_TRUE(closed.closed_at.has_value());
  EXPECT_EQ(*closed.closed_at, Utc(2023, 5, 1));
  absl::StatusOr<RedeemOutcome> refused = Redeem({.serial = serials_[0],
                                                  .venue_id = venue_.id,
                                                  .terminal_id = "T-1",
                                                  .request_id = "r-1"});
  ASSERT_OK(refused.status());
  EXPECT_EQ(refused->result, RedeemResult::kProgrammeClosed);
  EXPECT_TRUE(Contains(refused->message, "was closed on 2023-05-01"))
      << refused->message;

  // Closing twice keeps the first closing; a closed programme is final.
  clock().Advance(absl::Hours(1));
  ASSERT_OK_AND_ASSIGN(Programme again, store().CloseProgramme(programme_.id));
  EXPECT_EQ(again.closed_at, closed.closed_at);
  EXPECT_EQ(store()
                .ExtendProgramme(programme_.id, Utc(2024, 12, 31), "Avenant")
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_OK(Reopen());
  ASSERT_OK_AND_ASSIGN(PassStatus status, store().Check(serials_[1], {}));
  EXPECT_EQ(status.redeemable_result, RedeemResult::kProgrammeClosed);
}

TEST_F(ProgrammeLifecycleTest, ListsProgrammesById) {
  ASSERT_OK_AND_ASSIGN(Programme second, CreateProgramme());
  auto programmes = store().ListProgrammes();
  ASSERT_EQ(programmes.size(), 2u);
  EXPECT_EQ(programmes[0]->id, programme_.id);
  EXPECT_EQ(programmes[1]->id, second.id);
}

}  // namespace
}  // namespace passclear::storage
