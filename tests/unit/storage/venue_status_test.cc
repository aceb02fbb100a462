// Venue labelling: only a labelled venue redeems; suspension refuses its
// scans until reinstated; impossible changes say the venue's status.
#include <string>

#include "gtest/gtest.h"
#include "storage/pass_store.h"
#include "storage/redemption.h"
#include "tests/unit/storage/temp_store.h"

namespace passclear::storage {
namespace {

class VenueStatusTest : public OneBookletTest {
 protected:
  RedeemResult RedeemAt(uint64_t venue_id, uint64_t serial,
                        const std::string& request_id) {
    absl::StatusOr<RedeemOutcome> outcome = Redeem({.serial = serial,
                                                    .venue_id = venue_id,
                                                    .terminal_id = "T-1",
                                                    .request_id = request_id});
    EXPECT_TRUE(outcome.ok()) << outcome.status();
    return outcome.ok() ? outcome->result : RedeemResult::kUnknownSerial;
  }
};

TEST_F(VenueStatusTest, RegisteredVenueRedeemsOnlyOnceLabelled) {
  ASSERT_OK_AND_ASSIGN(Venue venue, RegisterVenue("Tiers-lieu", {programme_.id},
                                                  /*labelled=*/false));
  EXPECT_EQ(venue.status, VenueStatus::kRegistered);
  EXPECT_EQ(RedeemAt(venue.id, serials_[0], "r-1"),
            RedeemResult::kVenueNotAccepting);
  ASSERT_OK_AND_ASSIGN(Venue labelled, store().LabelVenue(venue.id));
  EXPECT_EQ(labelled.status, VenueStatus::kLabelled);
  EXPECT_EQ(RedeemAt(venue.id, serials_[0], "r-2"), RedeemResult::kRedeemed);
}

TEST_F(VenueStatusTest, SuspendedVenueIsRefusedUntilReinstated) {
  ASSERT_OK(store().SuspendVenue(venue_.id).status());
  absl::StatusOr<RedeemOutcome> refused = Redeem({.serial = serials_[1],
                                                  .venue_id = venue_.id,
                                                  .terminal_id = "T-1",
                                                  .request_id = "r-1"});
  ASSERT_OK(refused.status());
  EXPECT_EQ(refused->result, RedeemResult::kVenueNotAccepting);
  EXPECT_EQ(refused->message,
            absl::StrCat("venue ", venue_.id,
                         " is suspended and cannot redeem passes"));
  // Suspension survives a restart.
  ASSERT_OK(Reopen());
  EXPECT_EQ(RedeemAt(venue_.id, serials_[1], "r-2"),
            RedeemResult::kVenueNotAccepting);
  ASSERT_OK(store().ReinstateVenue(venue_.id).status());
  EXPECT_EQ(RedeemAt(venue_.id, serials_[1], "r-3"), RedeemResult::kRedeemed);
}

TEST_F(VenueStatusTest, ImpossibleChangesSayTheStatus) {
  absl::Status label_again = store().LabelVenue(venue_.id).status();
  EXPECT_EQ(label_again.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(label_again.message(),
            absl::StrCat("venue ", venue_.id,
                         " is labelled, not registered (not labelled)"));
  EXPECT_EQ(store().ReinstateVenue(venue_.id).status().code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_OK(store().SuspendVenue(venue_.id).status());
  EXPECT_EQ(store().SuspendVenue(venue_.id).status().code(),
            absl::StatusCode::kFailedPrecondition);
  absl::Status unknown = store().SuspendVenue(4242).status();
  EXPECT_EQ(unknown.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(unknown.message(), "venue_id: no venue 4242");
}

}  // namespace
}  // namespace passclear::storage
