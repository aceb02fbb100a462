// The sponsor's side through the real server: the usage report follows
// every operation, the refund due after closing is 10 EUR per pass never
// redeemed, a large issuance is exported as a stream of codes, and venues
// accept programmes by territory.
#include <set>

#include "absl/time/clock.h"
#include "server/pass_code.h"
#include "tests/integration/server_fixture.h"

namespace passclear::testing {
namespace {

class ProgrammeUsageTest : public ServerFixture {
 protected:
  v1::ProgrammeUsage Usage(uint64_t programme_id) {
    v1::ProgrammeRef ref;
    ref.set_programme_id(programme_id);
    v1::ProgrammeUsage usage;
    grpc::ClientContext context;
    grpc::Status status = admin_->GetProgrammeUsage(&context, ref, &usage);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return usage;
  }

  grpc::Status Allocate(uint64_t booklet_id, const std::string& name,
                        const std::string& reference) {
    v1::AllocateBookletRequest request;
    request.set_booklet_id(booklet_id);
    request.set_distributor_name(name);
    request.set_distributor_reference(reference);
    v1::Booklet booklet;
    grpc::ClientContext context;
    return admin_->AllocateBooklet(&context, request, &booklet);
  }

  v1::Programme CreateProgramme(const std::string& territory) {
    v1::CreateProgrammeRequest request;
    request.set_sponsor("Département de Test");
    request.set_name("Pass Numérique départemental");
    request.set_face_value_cents(1000);
    const int64_t now = absl::ToUnixSeconds(absl::Now());
    request.mutable_valid_from()->set_seconds(now - 86400);
    // Past the 15 days before the end when booklets stop being handed out.
    request.mutable_valid_until()->set_seconds(now + 40 * 86400);
    request.set_territory(territory);
    v1::Programme programme;
    grpc::ClientContext context;
    grpc::Status status =
        admin_->CreateProgramme(&context, request, &programme);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return programme;
  }

  v1::IssueBookletsResponse Issue(uint64_t programme_id, uint32_t booklets) {
    v1::IssueBookletsRequest request;
    request.set_programme_id(programme_id);
    request.set_booklet_count(booklets);
    request.set_booklet_size(10);
    v1::IssueBookletsResponse response;
    grpc::ClientContext context;
    grpc::Status status = admin_->IssueBooklets(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }
};

TEST_F(ProgrammeUsageTest,
       RefundDueAfterClosingIsTenEurosPerPassNeverRedeemed) {
  // The scheme: 3 booklets of 10 (ids 1 to 3, codes 0-9, 10-19, 20-29).
  ASSERT_TRUE(Allocate(1, "Mairie de Saint-Martin", "79001").ok());
  ASSERT_TRUE(Allocate(2, "CCAS de Niort", "CCAS-79191").ok());
  for (int i = 0; i < 8; ++i) {
    ASSERT_EQ(Redeem(MakeRedeemRequest(scheme_.codes[i], scheme_.venue_id,
                                       "T-1", "r-" + std::to_string(i)))
                  .result(),
              v1::REDEEM_RESULT_REDEEMED);
  }
  v1::CancelRedemptionRequest cancel;
  cancel.set_code(scheme_.codes[7]);
  cancel.set_venue_id(scheme_.venue_id);
  cancel.set_terminal_id("T-1");
  cancel.set_request_id("c-7");
  v1::CancelRedemptionResponse cancelled;
  grpc::ClientContext cancel_context;
  ASSERT_TRUE(
      redemption_->CancelRedemption(&cancel_context, cancel, &cancelled).ok());
  ASSERT_EQ(cancelled.result(), v1::CANCEL_RESULT_CANCELLED);
  v1::VoidPassesRequest void_request;
  void_request.set_booklet_id(3);
  void_request.set_reason("booklet reported lost by the commune");
  v1::VoidPassesResponse voided;
  grpc::ClientContext void_context;
  ASSERT_TRUE(admin_->VoidPasses(&void_context, void_request, &voided).ok());

  v1::ProgrammeUsage open = Usage(scheme_.programme_id);
  EXPECT_EQ(open.issued(), 30);
  EXPECT_EQ(open.allocated(), 20);
  ASSERT_EQ(open.distributors_size(), 2);
  EXPECT_EQ(open.distributors(0).distributor_reference(), "79001");
  EXPECT_EQ(open.distributors(0).distributor_name(), "Mairie de Saint-Martin");
  EXPECT_EQ(open.distributors(0).passes(), 10);
  EXPECT_EQ(open.redeemed(), 7);
  EXPECT_EQ(open.cancelled(), 1);
  EXPECT_EQ(open.voided(), 10);
  EXPECT_EQ(open.unused(), 13);
  EXPECT_FALSE(open.ended());
  EXPECT_EQ(open.redeemed_value_cents(), 7000);
  EXPECT_EQ(open.refund_due_cents(), 0) << "nothing is refunded before closing";

  // The counters are durable: a restart finds them unchanged.
  ASSERT_EQ(StopServer(), 0);
  StartServer();
  v1::ProgrammeRef ref;
  ref.set_programme_id(scheme_.programme_id);
  v1::Programme closed;
  grpc::ClientContext close_context;
  ASSERT_TRUE(admin_->CloseProgramme(&close_context, ref, &closed).ok());
  v1::ProgrammeUsage after = Usage(scheme_.programme_id);
  EXPECT_TRUE(after.ended());
  EXPECT_EQ(after.redeemed(), 7);
  EXPECT_EQ(after.expired_unused(), 13);
  // 23 passes were never redeemed (13 unused, 10 voided): 230 EUR.
  EXPECT_EQ(after.refund_due_cents(), 1000 * (30 - 7));

  v1::ProgrammeRef unknown;
  unknown.set_programme_id(42);
  v1::ProgrammeUsage none;
  grpc::ClientContext unknown_context;
  grpc::Status status =
      admin_->GetProgrammeUsage(&unknown_context, unknown, &none);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "programme_id: no programme 42");
}

TEST_F(ProgrammeUsageTest, LargeIssuanceIsExportedAsAStreamOfCodes) {
  // 5,000 booklets: 50,000 passes, ingested as SST files, too many codes for
  // one answer.
  v1::IssueBookletsResponse issued = Issue(scheme_.programme_id, 5000);
  EXPECT_EQ(issued.booklets_size(), 0);
  EXPECT_EQ(issued.first_booklet_id(), 4u);
  EXPECT_EQ(issued.booklet_count(), 5000u);
  EXPECT_EQ(issued.first_serial(), 31u);
  EXPECT_EQ(issued.pass_count(), 50000u);

  v1::ExportCodesRequest request;
  request.set_first_booklet_id(issued.first_booklet_id());
  request.set_booklet_count(issued.booklet_count());
  grpc::ClientContext context;
  auto reader = admin_->ExportCodes(&context, request);
  v1::ExportCodesResponse chunk;
  std::vector<v1::PrintedPass> passes;
  int messages = 0;
  while (reader->Read(&chunk)) {
    ++messages;
    passes.insert(passes.end(), chunk.passes().begin(), chunk.passes().end());
  }
  grpc::Status status = reader->Finish();
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(passes.size(), 50000u);
  EXPECT_GT(messages, 1);
  for (size_t i = 0; i < passes.size(); ++i) {
    ASSERT_EQ(passes[i].serial(), 31 + i);
    ASSERT_EQ(passes[i].booklet_id(), 4 + i / 10);
    absl::StatusOr<PassCode> code = ParsePassCode(passes[i].code());
    ASSERT_TRUE(code.ok()) << code.status();
    ASSERT_EQ(code->serial, passes[i].serial());
  }
  // The exported codes are the real ones: the last one redeems.
  EXPECT_EQ(Redeem(MakeRedeemRequest(passes.back().code(), scheme_.venue_id,
                                     "T-1", "r-last"))
                .result(),
            v1::REDEEM_RESULT_REDEEMED);
  EXPECT_EQ(Usage(scheme_.programme_id).issued(), 50030);

  // An export past the last booklet stops there; one of a booklet never
  // issued is NOT_FOUND.
  request.set_first_booklet_id(5000);
  request.set_booklet_count(100);
  grpc::ClientContext tail_context;
  auto tail = admin_->ExportCodes(&tail_context, request);
  size_t tail_passes = 0;
  while (tail->Read(&chunk)) tail_passes += chunk.passes_size();
  EXPECT_TRUE(tail->Finish().ok());
  EXPECT_EQ(tail_passes, 40u);  // booklets 5000 to 5003
  request.set_first_booklet_id(6000);
  grpc::ClientContext missing_context;
  auto missing = admin_->ExportCodes(&missing_context, request);
  while (missing->Read(&chunk)) {
  }
  status = missing->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "first_booklet_id: no booklet 6000");
}

TEST_F(ProgrammeUsageTest, VenueAcceptsEveryProgrammeOfItsTerritories) {
  v1::Programme deux_sevres = CreateProgramme("79");
  v1::Programme charente = CreateProgramme("17");
  EXPECT_EQ(deux_sevres.territory(), "79");
  const std::string code_79 =
      Issue(deux_sevres.programme_id(), 1).booklets(0).codes(0);
  const std::string code_17 =
      Issue(charente.programme_id(), 1).booklets(0).codes(0);

  // A venue accepting territory 79 only, no programme listed.
  v1::RegisterVenueRequest request =
      MakeVenueRequest("Tiers-lieu du 79", scheme_.programme_id, true);
  request.clear_accepted_programme_ids();
  request.add_accepted_territories("79");
  v1::Venue venue;
  grpc::ClientContext context;
  grpc::Status status = admin_->RegisterVenue(&context, request, &venue);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(venue.accepted_territories_size(), 1);

  EXPECT_EQ(Redeem(MakeRedeemRequest(code_79, venue.venue_id(), "T-9", "r-1"))
                .result(),
            v1::REDEEM_RESULT_REDEEMED);
  v1::RedeemResponse refused =
      Redeem(MakeRedeemRequest(code_17, venue.venue_id(), "T-9", "r-2"));
  EXPECT_EQ(refused.result(), v1::REDEEM_RESULT_VENUE_NOT_ALLOWED);
  EXPECT_NE(refused.message().find("of territory 17"), std::string::npos)
      << refused.message();

  // Neither a programme nor a territory: refused, naming the field.
  request.clear_accepted_territories();
  grpc::ClientContext empty_context;
  status = admin_->RegisterVenue(&empty_context, request, &venue);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("accepted_programme_ids"),
            std::string::npos);
}

}  // namespace
}  // namespace passclear::testing
