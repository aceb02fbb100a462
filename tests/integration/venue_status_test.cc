// Venue labelling through the real server: a suspended venue's scans are
// refused until it is reinstated; a venue registered unlabelled waits for
// LabelVenue.
#include "tests/integration/server_fixture.h"

namespace passclear::testing {
namespace {

using VenueStatusTest = ServerFixture;

TEST_F(VenueStatusTest, SuspendAndReinstateThroughTheApi) {
  v1::VenueRef venue;
  venue.set_venue_id(scheme_.venue_id);
  v1::Venue suspended;
  grpc::ClientContext suspend_context;
  ASSERT_TRUE(admin_->SuspendVenue(&suspend_context, venue, &suspended).ok());
  EXPECT_EQ(suspended.status(), v1::VENUE_STATUS_SUSPENDED);
  v1::RedeemResponse refused = Redeem(
      MakeRedeemRequest(scheme_.codes[0], scheme_.venue_id, "T-1", "r-1"));
  EXPECT_EQ(refused.result(), v1::REDEEM_RESULT_VENUE_NOT_ACCEPTING);

  v1::Venue reinstated;
  grpc::ClientContext reinstate_context;
  ASSERT_TRUE(
      admin_->ReinstateVenue(&reinstate_context, venue, &reinstated).ok());
  EXPECT_EQ(reinstated.status(), v1::VENUE_STATUS_LABELLED);
  v1::RedeemResponse redeemed = Redeem(
      MakeRedeemRequest(scheme_.codes[0], scheme_.venue_id, "T-1", "r-2"));
  EXPECT_EQ(redeemed.result(), v1::REDEEM_RESULT_REDEEMED);

  grpc::ClientContext again_context;
  grpc::Status again =
      admin_->ReinstateVenue(&again_context, venue, &reinstated);
  EXPECT_EQ(again.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(VenueStatusTest, UnlabelledRegistrationWaitsForLabelVenue) {
  v1::RegisterVenueRequest request = MakeVenueRequest(
      "Tiers-lieu du bourg", scheme_.programme_id, /*labelled=*/false);
  v1::Venue registered;
  grpc::ClientContext register_context;
  ASSERT_TRUE(
      admin_->RegisterVenue(&register_context, request, &registered).ok());
  EXPECT_EQ(registered.status(), v1::VENUE_STATUS_REGISTERED);
  v1::RedeemResponse refused = Redeem(
      MakeRedeemRequest(scheme_.codes[1], registered.venue_id(), "T-9", "r-1"));
  EXPECT_EQ(refused.result(), v1::REDEEM_RESULT_VENUE_NOT_ACCEPTING);

  v1::VenueRef venue;
  venue.set_venue_id(registered.venue_id());
  v1::Venue labelled;
  grpc::ClientContext label_context;
  ASSERT_TRUE(admin_->LabelVenue(&label_context, venue, &labelled).ok());
  EXPECT_EQ(labelled.status(), v1::VENUE_STATUS_LABELLED);
  v1::RedeemResponse redeemed = Redeem(
      MakeRedeemRequest(scheme_.codes[1], registered.venue_id(), "T-9", "r-2"));
  EXPECT_EQ(redeemed.result(), v1::REDEEM_RESULT_REDEEMED);
}

}  // namespace
}  // namespace passclear::testing
