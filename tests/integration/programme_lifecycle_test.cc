// Programme amendments and closing through the real server.
#include "absl/time/clock.h"
#include "tests/integration/server_fixture.h"

namespace passclear::testing {
namespace {

using ProgrammeLifecycleTest = ServerFixture;

TEST_F(ProgrammeLifecycleTest, AmendmentRevivesAnExpiredPassAndClosingEndsIt) {
  // A programme that ended 40 days ago, past its 31 days of grace.
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  v1::CreateProgrammeRequest create;
  create.set_sponsor("Pôle rural de Test");
  create.set_name("Pass Numérique 2025");
  create.set_face_value_cents(1000);
  create.mutable_valid_from()->set_seconds(now - 400 * 86400);
  create.mutable_valid_until()->set_seconds(now - 40 * 86400);
  v1::Programme programme;
  grpc::ClientContext create_context;
  ASSERT_TRUE(
      admin_->CreateProgramme(&create_context, create, &programme).ok());
  v1::IssueBookletsRequest issue;
  issue.set_programme_id(programme.programme_id());
  issue.set_booklet_count(1);
  issue.set_booklet_size(5);
  v1::IssueBookletsResponse issued;
  grpc::ClientContext issue_context;
  ASSERT_TRUE(admin_->IssueBooklets(&issue_context, issue, &issued).ok());
  const std::string code = issued.booklets(0).codes(0);
  v1::RegisterVenueRequest venue_request =
      MakeVenueRequest("Médiathèque", programme.programme_id(), true);
  v1::Venue venue;
  grpc::ClientContext venue_context;
  ASSERT_TRUE(
      admin_->RegisterVenue(&venue_context, venue_request, &venue).ok());

  EXPECT_EQ(
      Redeem(MakeRedeemRequest(code, venue.venue_id(), "T-2", "r-1")).result(),
      v1::REDEEM_RESULT_EXPIRED);

  v1::ExtendProgrammeRequest extend;
  extend.set_programme_id(programme.programme_id());
  extend.mutable_valid_until()->set_seconds(now + 30 * 86400);
  extend.set_reference("Avenant n°1, délibération du conseil communautaire");
  v1::Programme extended;
  grpc::ClientContext extend_context;
  grpc::Status status =
      admin_->ExtendProgramme(&extend_context, extend, &extended);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(extended.amendments_size(), 1);
  EXPECT_EQ(extended.amendments(0).previous_valid_until().seconds(),
            now - 40 * 86400);
  EXPECT_EQ(
      Redeem(MakeRedeemRequest(code, venue.venue_id(), "T-2", "r-2")).result(),
      v1::REDEEM_RESULT_REDEEMED);

  v1::ProgrammeRef ref;
  ref.set_programme_id(programme.programme_id());
  v1::Programme closed;
  grpc::ClientContext close_context;
  ASSERT_TRUE(admin_->CloseProgramme(&close_context, ref, &closed).ok());
  EXPECT_TRUE(closed.has_closed_at());
  const std::string second = issued.booklets(0).codes(1);
  EXPECT_EQ(Redeem(MakeRedeemRequest(second, venue.venue_id(), "T-2", "r-3"))
                .result(),
            v1::REDEEM_RESULT_PROGRAMME_CLOSED);

  v1::ListProgrammesResponse list;
  grpc::ClientContext list_context;
  ASSERT_TRUE(
      admin_->ListProgrammes(&list_context, v1::ListProgrammesRequest(), &list)
          .ok());
  ASSERT_EQ(list.programmes_size(), 2);  // the fixture's and this one
  EXPECT_TRUE(list.programmes(1).has_closed_at());
}

}  // namespace
}  // namespace passclear::testing
