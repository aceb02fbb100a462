// Booklet administration through the real server: a voided booklet's
// passes are refused as VOIDED at the terminal, bad requests name the field,
// and an allocated booklet's passes show their distributor.
#include <string>

#include "tests/integration/server_fixture.h"

namespace passclear::testing {
namespace {

using BookletAdminTest = ServerFixture;

TEST_F(BookletAdminTest, VoidedBookletIsRefusedAtTheTerminal) {
  // The scheme's first booklet holds codes[0..9].
  Redeem(MakeRedeemRequest(scheme_.codes[0], scheme_.venue_id, "T-1", "r-0"));
  v1::VoidPassesRequest request;
  request.set_booklet_id(1);
  request.set_reason("booklet reported stolen by the commune");
  v1::VoidPassesResponse response;
  grpc::ClientContext context;
  grpc::Status status = admin_->VoidPasses(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.passes_size(), 10);
  EXPECT_EQ(response.passes(0).result(), v1::VOID_RESULT_ALREADY_REDEEMED);
  for (int i = 1; i < 10; ++i) {
    EXPECT_EQ(response.passes(i).result(), v1::VOID_RESULT_VOIDED) << i;
  }

  v1::RedeemResponse refused = Redeem(
      MakeRedeemRequest(scheme_.codes[1], scheme_.venue_id, "T-1", "r-1"));
  EXPECT_EQ(refused.result(), v1::REDEEM_RESULT_VOIDED) << refused.message();
  v1::CheckPassRequest check;
  check.set_code(scheme_.codes[1]);
  v1::CheckPassResponse state;
  grpc::ClientContext check_context;
  ASSERT_TRUE(redemption_->CheckPass(&check_context, check, &state).ok());
  EXPECT_EQ(state.state(), v1::PASS_STATE_VOIDED);
  // The second booklet is untouched.
  v1::RedeemResponse other = Redeem(
      MakeRedeemRequest(scheme_.codes[10], scheme_.venue_id, "T-1", "r-2"));
  EXPECT_EQ(other.result(), v1::REDEEM_RESULT_REDEEMED);
}

TEST_F(BookletAdminTest, BadRequestsNameTheField) {
  v1::VoidPassesRequest no_target;
  no_target.set_reason("lost");
  v1::VoidPassesResponse response;
  grpc::ClientContext context;
  grpc::Status status = admin_->VoidPasses(&context, no_target, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "target: a serial or a booklet_id is required");

  v1::VoidPassesRequest no_reason;
  no_reason.set_booklet_id(1);
  grpc::ClientContext reason_context;
  status = admin_->VoidPasses(&reason_context, no_reason, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "reason: required");

  v1::VoidPassesRequest unknown;
  unknown.set_booklet_id(999);
  unknown.set_reason("lost");
  grpc::ClientContext unknown_context;
  status = admin_->VoidPasses(&unknown_context, unknown, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "booklet_id: no booklet 999");
}

TEST_F(BookletAdminTest, AllocatedBookletShowsItsDistributorInCheckPass) {
  v1::AllocateBookletRequest allocate;
  allocate.set_booklet_id(1);
  allocate.set_distributor_name("Mairie de Saint-Martin");
  allocate.set_distributor_reference("79001");
  v1::Booklet booklet;
  grpc::ClientContext allocate_context;
  ASSERT_TRUE(
      admin_->AllocateBooklet(&allocate_context, allocate, &booklet).ok());
  EXPECT_EQ(booklet.distributor_name(), "Mairie de Saint-Martin");

  v1::CheckPassRequest check;
  check.set_code(scheme_.codes[2]);
  v1::CheckPassResponse state;
  grpc::ClientContext check_context;
  ASSERT_TRUE(redemption_->CheckPass(&check_context, check, &state).ok());
  EXPECT_EQ(state.state(), v1::PASS_STATE_ALLOCATED);
  EXPECT_EQ(state.distributor_reference(), "79001");

  grpc::ClientContext again_context;
  grpc::Status again =
      admin_->AllocateBooklet(&again_context, allocate, &booklet);
  EXPECT_EQ(again.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
}

}  // namespace
}  // namespace passclear::testing
