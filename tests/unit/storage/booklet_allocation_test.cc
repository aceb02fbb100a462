// Handing booklets to distributors and taking them back: the passes show
// their distributor, a booklet cannot be handed out twice, and redemption
// is unaffected.
#include <string>

#include "gtest/gtest.h"
#include "storage/pass_store.h"
#include "storage/redemption.h"
#include "tests/unit/storage/temp_store.h"

namespace passclear::storage {
namespace {

using BookletAllocationTest = OneBookletTest;

TEST_F(BookletAllocationTest, PassesShowTheirDistributorUntilTakenBack) {
  clock().Set(Utc(2023, 2, 1));
  ASSERT_OK_AND_ASSIGN(
      Booklet allocated,
      store().AllocateBooklet(1, "Mairie de Saint-Martin", "79001"));
  ASSERT_TRUE(allocated.distributor.has_value());
  EXPECT_EQ(allocated.distributor->allocated_at, Utc(2023, 2, 1));
  ASSERT_OK(Reopen());
  ASSERT_OK_AND_ASSIGN(PassStatus status, store().Check(serials_[3], {}));
  ASSERT_TRUE(status.distributor.has_value());
  EXPECT_EQ(status.distributor->name, "Mairie de Saint-Martin");
  EXPECT_EQ(status.distributor->reference, "79001");

  ASSERT_OK(store().ReturnBooklet(1).status());
  ASSERT_OK_AND_ASSIGN(PassStatus returned, store().Check(serials_[3], {}));
  EXPECT_FALSE(returned.distributor.has_value());
}

TEST_F(BookletAllocationTest, BookletAlreadyHandedOutMustComeBackFirst) {
  ASSERT_OK(store().AllocateBooklet(1, "CCAS de Niort", "CCAS-01").status());
  absl::Status twice =
      store().AllocateBooklet(1, "Mairie de Chauray", "79081").status();
  EXPECT_EQ(twice.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Contains(twice.message(), "was handed to CCAS de Niort"))
      << twice.message();
  ASSERT_OK_AND_ASSIGN(PassStatus status, store().Check(serials_[0], {}));
  EXPECT_EQ(status.distributor->name, "CCAS de Niort");

  ASSERT_OK(store().ReturnBooklet(1).status());
  EXPECT_EQ(store().ReturnBooklet(1).status().code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_OK(store().AllocateBooklet(1, "Mairie de Chauray", "79081").status());
}

TEST_F(BookletAllocationTest, BadInputNamesTheField) {
  EXPECT_EQ(store().AllocateBooklet(1, "", "79001").status().message(),
            "distributor_name: required");
  EXPECT_EQ(store().AllocateBooklet(1, "Mairie", "").status().message(),
            "distributor_reference: required");
  absl::Status unknown = store().AllocateBooklet(42, "Mairie", "1").status();
  EXPECT_EQ(unknown.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(unknown.message(), "booklet_id: no booklet 42");
  ASSERT_OK_AND_ASSIGN(PassStatus status, store().Check(serials_[0], {}));
  EXPECT_FALSE(status.distributor.has_value());
}

TEST_F(BookletAllocationTest, AllocatedPassesRedeemAsUsual) {
  ASSERT_OK(store().AllocateBooklet(1, "Mairie", "79001").status());
  ASSERT_OK_AND_ASSIGN(RedeemOutcome outcome, Redeem({.serial = serials_[0],
                                                      .venue_id = venue_.id,
                                                      .terminal_id = "T-1",
                                                      .request_id = "r-1"}));
  EXPECT_EQ(outcome.result, RedeemResult::kRedeemed);
}

}  // namespace
}  // namespace passclear::storage
