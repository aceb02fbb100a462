// A catalogue of hostile or malformed requests sent to the real server:
// each gets the expected status code and a message naming what is wrong,
// and afterwards the store is exactly as before (same usage counters, same
// programmes, same closed batches, same pass states, same identities).
// Callers without a credential, with a wrong one, in the wrong role or for
// another venue or terminal are part of it.
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "passclear/v1/clearing.grpc.pb.h"
#include "passclear/v1/identity.grpc.pb.h"
#include "tests/integration/server_fixture.h"

namespace passclear::testing {
namespace {

struct BadRequest {
  std::string name;
  grpc::StatusCode code;
  std::string message_part;  // what the message must name
  std::function<grpc::Status()> send;
};

class BadRequestsTest : public ServerFixture {
 protected:
  // What must not change: the usage report, the programme list, the log of
  // closed batches and the state of the first pass.
  std::string Snapshot() {
    v1::ProgrammeRef ref;
    ref.set_programme_id(scheme_.programme_id);
    v1::ProgrammeUsage usage;
    grpc::ClientContext usage_context;
    EXPECT_TRUE(admin_->GetProgrammeUsage(&usage_context, ref, &usage).ok());
    usage.clear_as_of();
    v1::ListProgrammesResponse programmes;
    grpc::ClientContext list_context;
    EXPECT_TRUE(admin_
                    ->ListProgrammes(&list_context, v1::ListProgrammesRequest(),
                                     &programmes)
                    .ok());
    v1::ListClosedBatchesRequest log_request;
    v1::ListClosedBatchesResponse log;
    grpc::ClientContext log_context;
    EXPECT_TRUE(
        clearing_->ListClosedBatches(&log_context, log_request, &log).ok());
    v1::CheckPassRequest check;
    check.set_code(scheme_.codes[0]);
    v1::CheckPassResponse pass;
    grpc::ClientContext check_context;
    EXPECT_TRUE(redemption_->CheckPass(&check_context, check, &pass).ok());
    v1::ListIdentitiesRequest identities_request;
    identities_request.set_page_size(1000);
    v1::ListIdentitiesResponse identities;
    grpc::ClientContext identities_context;
    EXPECT_TRUE(server_->credentials()
                    .admin_identities()
                    .ListIdentities(&identities_context, identities_request,
                                    &identities)
                    .ok());
    return absl::StrCat(usage.SerializeAsString(),
                        programmes.SerializeAsString(), log.SerializeAsString(),
                        pass.SerializeAsString(),
                        identities.SerializeAsString());
  }

  // A context whose call carries `authorization` as is (none when empty).
  static std::unique_ptr<grpc::ClientContext> ContextWith(
      const std::string& authorization) {
    auto context = std::make_unique<grpc::ClientContext>();
    if (!authorization.empty()) {
      context->AddMetadata("authorization", authorization);
    }
    return context;
  }

  // Sends as terminal T-1 of the scheme's venue, edited, with the
  // `authorization` metadata given.
  grpc::Status RedeemAs(
      const std::string& authorization,
      std::function<void(v1::RedeemRequest&)> edit = [](v1::RedeemRequest&) {
      }) {
    v1::RedeemRequest request =
        MakeRedeemRequest(scheme_.codes[0], scheme_.venue_id, "T-1", "r-1");
    edit(request);
    v1::RedeemResponse response;
    return plain_redemption_->Redeem(ContextWith(authorization).get(), request,
                                     &response);
  }

  grpc::Status EnrollTerminal(const std::string& terminal_id) {
    v1::EnrollTerminalRequest request;
    request.set_terminal_id(terminal_id);
    request.set_venue_id(scheme_.venue_id);
    v1::EnrollTerminalResponse response;
    grpc::ClientContext context;
    return server_->credentials().admin_identities().EnrollTerminal(
        &context, request, &response);
  }

  grpc::Status RedeemWith(std::function<void(v1::RedeemRequest&)> edit) {
    v1::RedeemRequest request =
        MakeRedeemRequest(scheme_.codes[0], scheme_.venue_id, "T-1", "r-1");
    edit(request);
    v1::RedeemResponse response;
    grpc::ClientContext context;
    return redemption_->Redeem(&context, request, &response);
  }

  grpc::Status BatchWith(std::function<void(v1::RedeemBatchRequest&)> edit) {
    v1::RedeemBatchRequest request;
    request.set_venue_id(scheme_.venue_id);
    request.set_terminal_id("T-1");
    for (int i = 0; i < 2; ++i) {
      v1::RedeemBatchItem* item = request.add_items();
      item->set_code(scheme_.codes[i]);
      item->set_request_id(absl::StrCat("b-", i));
    }
    edit(request);
    v1::RedeemBatchResponse response;
    grpc::ClientContext context;
    return redemption_->RedeemBatch(&context, request, &response);
  }

  grpc::Status CreateProgrammeWith(
      std::function<void(v1::CreateProgrammeRequest&)> edit) {
    v1::CreateProgrammeRequest request;
    request.set_sponsor("Sponsor");
    request.set_name("Programme");
    request.set_face_value_cents(1000);
    request.mutable_valid_from()->set_seconds(1'800'000'000);
    request.mutable_valid_until()->set_seconds(1'900'000'000);
    edit(request);
    v1::Programme response;
    grpc::ClientContext context;
    return admin_->CreateProgramme(&context, request, &response);
  }

  grpc::Status CreateAccountWith(v1::Role role) {
    v1::CreateAccountRequest request;
    request.set_name("new-account");
    request.set_role(role);
    v1::CredentialIssued response;
    grpc::ClientContext context;
    return server_->credentials().admin_identities().CreateAccount(
        &context, request, &response);
  }

  void SetUp() override {
    ServerFixture::SetUp();
    if (HasFatalFailure()) return;
    clearing_ = v1::ClearingService::NewStub(server_->Channel());
    auto plain = server_->PlainChannel();
    plain_redemption_ = v1::RedemptionService::NewStub(plain);
    plain_admin_ = v1::AdminService::NewStub(plain);
    plain_clearing_ = v1::ClearingService::NewStub(plain);
  }

  std::unique_ptr<v1::ClearingService::Stub> clearing_;
  // Calls through these carry only the metadata the test sets.
  std::unique_ptr<v1::RedemptionService::Stub> plain_redemption_;
  std::unique_ptr<v1::AdminService::Stub> plain_admin_;
  std::unique_ptr<v1::ClearingService::Stub> plain_clearing_;
};

TEST_F(BadRequestsTest, EachIsRefusedByNameAndChangesNothing) {
  // A closed batch to acknowledge wrongly.
  ASSERT_EQ(Redeem(MakeRedeemRequest(scheme_.codes[20], scheme_.venue_id, "T-0",
                                     "setup"))
                .result(),
            v1::REDEEM_RESULT_REDEEMED);
  v1::CloseCycleResponse closed;
  grpc::ClientContext close_context;
  ASSERT_TRUE(
      clearing_->CloseCycle(&close_context, v1::CloseCycleRequest(), &closed)
          .ok());
  // Identities to misuse: a second venue, a revoked terminal, a terminal
  // enrolled but not activated.
  TestCredentials& credentials = server_->credentials();
  v1::Venue other_venue;
  grpc::ClientContext venue_context;
  ASSERT_TRUE(admin_
                  ->RegisterVenue(&venue_context,
                                  MakeVenueRequest("Other venue",
                                                   scheme_.programme_id, true),
                                  &other_venue)
                  .ok());
  const std::string terminal =
      "Bearer " + credentials.TerminalToken("T-1", scheme_.venue_id);
  const std::string admin = "Bearer " + credentials.admin_token();
  const std::string mandatary = "Bearer " + credentials.MandataryToken();
  const std::string revoked =
      "Bearer " + credentials.TerminalToken("T-revoked", scheme_.venue_id);
  v1::RevokeIdentityRequest revoke;
  revoke.set_name("T-revoked");
  v1::Identity revoked_identity;
  grpc::ClientContext revoke_context;
  ASSERT_TRUE(credentials.admin_identities()
                  .RevokeIdentity(&revoke_context, revoke, &revoked_identity)
                  .ok());
  v1::EnrollTerminalRequest pending_request;
  pending_request.set_terminal_id("T-pending");
  pending_request.set_venue_id(scheme_.venue_id);
  v1::EnrollTerminalResponse pending;
  grpc::ClientContext pending_context;
  ASSERT_TRUE(credentials.admin_identities()
                  .EnrollTerminal(&pending_context, pending_request, &pending)
                  .ok());

  const std::string before = Snapshot();
  const std::string too_long(65, 'x');
  const std::vector<BadRequest> catalogue = {
      {"empty code", grpc::StatusCode::INVALID_ARGUMENT, "code",
       [&] { return RedeemWith([](auto& r) { r.set_code(""); }); }},
      {"code with a letter", grpc::StatusCode::INVALID_ARGUMENT, "code",
       [&] {
         return RedeemWith(
             [](auto& r) { r.set_code("00000000000A000000000000"); });
       }},
      {"huge code", grpc::StatusCode::INVALID_ARGUMENT, "code",
       [&] {
         return RedeemWith(
             [](auto& r) { r.set_code(std::string(100'000, '7')); });
       }},
      {"code with a bad check", grpc::StatusCode::INVALID_ARGUMENT, "code",
       [&] {
         return RedeemWith([&](auto& r) {
           std::string code = scheme_.codes[0];
           code[23] = code[23] == '0' ? '1' : '0';
           r.set_code(code);
         });
       }},
      {"no venue", grpc::StatusCode::INVALID_ARGUMENT, "venue_id",
       [&] { return RedeemWith([](auto& r) { r.set_venue_id(0); }); }},
      {"enrolling a terminal id too long", grpc::StatusCode::INVALID_ARGUMENT,
       "terminal_id", [&] { return EnrollTerminal(too_long); }},
      {"enrolling a terminal id with a space",
       grpc::StatusCode::INVALID_ARGUMENT, "terminal_id",
       [&] { return EnrollTerminal("T 1"); }},
      // Protobuf refuses a string field that is not UTF-8 before any
      // handler runs; gRPC 1.51 then answers Redeem (served through
      // completion queues) INTERNAL "Unable to parse request". Not
      // INVALID_ARGUMENT, but it names the fault and nothing reaches the
      // store.
      {"terminal id not UTF-8", grpc::StatusCode::INTERNAL,
       "Unable to parse request",
       [&] {
         return RedeemWith([](auto& r) { r.set_terminal_id("T-\xff\xfe"); });
       }},
      {"no request id", grpc::StatusCode::INVALID_ARGUMENT, "request_id",
       [&] { return RedeemWith([](auto& r) { r.set_request_id(""); }); }},
      {"scan a year ahead", grpc::StatusCode::INVALID_ARGUMENT, "scanned_at",
       [&] {
         return RedeemWith([](auto& r) {
           r.mutable_scanned_at()->set_seconds(
               absl::ToUnixSeconds(absl::Now() + absl::Hours(24 * 365)));
         });
       }},
      {"scan time out of range", grpc::StatusCode::INVALID_ARGUMENT,
       "scanned_at",
       [&] {
         return RedeemWith([](auto& r) {
           r.mutable_scanned_at()->set_seconds(-62'135'596'801);
         });
       }},
      {"batch with a duplicate request id", grpc::StatusCode::INVALID_ARGUMENT,
       "request_id",
       [&] {
         return BatchWith([](auto& r) {
           r.mutable_items(1)->set_request_id(r.items(0).request_id());
         });
       }},
      {"batch over 1,000 items", grpc::StatusCode::INVALID_ARGUMENT, "items",
       [&] {
         return BatchWith([](auto& r) {
           for (int i = 0; i < 1000; ++i) {
             v1::RedeemBatchItem* item = r.add_items();
             item->set_code(r.items(0).code());
             item->set_request_id(absl::StrCat("x-", i));
           }
         });
       }},
      {"empty batch", grpc::StatusCode::INVALID_ARGUMENT, "items",
       [&] { return BatchWith([](auto& r) { r.clear_items(); }); }},
      {"zero face value", grpc::StatusCode::INVALID_ARGUMENT,
       "face_value_cents",
       [&] {
         return CreateProgrammeWith([](auto& r) { r.set_face_value_cents(0); });
       }},
      {"negative face value", grpc::StatusCode::INVALID_ARGUMENT,
       "face_value_cents",
       [&] {
         return CreateProgrammeWith(
             [](auto& r) { r.set_face_value_cents(-1000); });
       }},
      {"programme ending before it starts", grpc::StatusCode::INVALID_ARGUMENT,
       "valid_until",
       [&] {
         return CreateProgrammeWith([](auto& r) {
           r.mutable_valid_until()->set_seconds(1'700'000'000);
         });
       }},
      {"sponsor name over 200 bytes", grpc::StatusCode::INVALID_ARGUMENT,
       "sponsor",
       [&] {
         return CreateProgrammeWith(
             [](auto& r) { r.set_sponsor(std::string(201, 's')); });
       }},
      {"booklets of 7", grpc::StatusCode::INVALID_ARGUMENT, "booklet_size",
       [&] {
         v1::IssueBookletsRequest request;
         request.set_programme_id(scheme_.programme_id);
         request.set_booklet_count(1);
         request.set_booklet_size(7);
         v1::IssueBookletsResponse response;
         grpc::ClientContext context;
         return admin_->IssueBooklets(&context, request, &response);
       }},
      {"venue with a bad IBAN", grpc::StatusCode::INVALID_ARGUMENT, "iban",
       [&] {
         v1::RegisterVenueRequest request =
             MakeVenueRequest("Venue", scheme_.programme_id, true);
         request.set_iban("FR00 0000 0000 0000 0000 0000 000");
         v1::Venue response;
         grpc::ClientContext context;
         return admin_->RegisterVenue(&context, request, &response);
       }},
      {"acknowledging a negative amount", grpc::StatusCode::INVALID_ARGUMENT,
       "amount_paid_cents",
       [&] {
         v1::AcknowledgeBatchRequest request;
         request.set_batch_id(1);
         request.set_payment_reference("VIR-1");
         request.set_amount_paid_cents(-1000);
         v1::ClaimBatch response;
         grpc::ClientContext context;
         return clearing_->AcknowledgeBatch(&context, request, &response);
       }},
      {"acknowledging an unknown batch", grpc::StatusCode::NOT_FOUND,
       "batch_id",
       [&] {
         v1::AcknowledgeBatchRequest request;
         request.set_batch_id(999);
         request.set_payment_reference("VIR-1");
         request.set_amount_paid_cents(1000);
         v1::ClaimBatch response;
         grpc::ClientContext context;
         return clearing_->AcknowledgeBatch(&context, request, &response);
       }},
      {"a cursor from the future", grpc::StatusCode::OUT_OF_RANGE,
       "after_cursor",
       [&] {
         v1::ListClosedBatchesRequest request;
         request.set_after_cursor(1'000'000);
         v1::ListClosedBatchesResponse response;
         grpc::ClientContext context;
         return clearing_->ListClosedBatches(&context, request, &response);
       }},
      {"a transfer file of nothing", grpc::StatusCode::INVALID_ARGUMENT,
       "batch_ids",
       [&] {
         v1::ExportCreditTransfersRequest request;
         v1::ExportCreditTransfersResponse response;
         grpc::ClientContext context;
         return clearing_->ExportCreditTransfers(&context, request, &response);
       }},
      // Named like every other INVALID_ARGUMENT: the field, then the
      // problem.
      {"an account of an unknown role", grpc::StatusCode::INVALID_ARGUMENT,
       "role: must be VENUE, MANDATARY or ADMIN, got 99",
       [&] { return CreateAccountWith(static_cast<v1::Role>(99)); }},
      {"a terminal created as an account", grpc::StatusCode::INVALID_ARGUMENT,
       "role: TERMINAL is enrolled with EnrollTerminal",
       [&] { return CreateAccountWith(v1::ROLE_TERMINAL); }},
      {"voiding with no target", grpc::StatusCode::INVALID_ARGUMENT, "target",
       [&] {
         v1::VoidPassesRequest request;
         request.set_reason("lost");
         v1::VoidPassesResponse response;
         grpc::ClientContext context;
         return admin_->VoidPasses(&context, request, &response);
       }},
  };
  const std::vector<BadRequest> access_catalogue = {
      {"no credential", grpc::StatusCode::UNAUTHENTICATED, "no credential",
       [&] { return RedeemAs(""); }},
      {"a token never issued", grpc::StatusCode::UNAUTHENTICATED,
       "unknown credential", [&] { return RedeemAs("Bearer pc_forged"); }},
      {"not a bearer token", grpc::StatusCode::UNAUTHENTICATED, "Bearer",
       [&] { return RedeemAs("Basic dDE6c2VjcmV0"); }},
      {"a revoked terminal", grpc::StatusCode::UNAUTHENTICATED,
       "terminal 'T-revoked' was revoked on",
       [&] {
         return RedeemAs(revoked,
                         [](auto& r) { r.set_terminal_id("T-revoked"); });
       }},
      {"an activation code as a token", grpc::StatusCode::UNAUTHENTICATED,
       "activation code of terminal 'T-pending'",
       [&] {
         return RedeemAs("Bearer " + pending.activation_code(),
                         [](auto& r) { r.set_terminal_id("T-pending"); });
       }},
      {"a terminal for another venue", grpc::StatusCode::PERMISSION_DENIED,
       absl::StrCat("may not act for venue ", other_venue.venue_id()),
       [&] {
         return RedeemAs(terminal, [&](auto& r) {
           r.set_venue_id(other_venue.venue_id());
         });
       }},
      {"a terminal posing as another", grpc::StatusCode::PERMISSION_DENIED,
       "may not send requests as terminal 'T-2'",
       [&] {
         return RedeemAs(terminal, [](auto& r) { r.set_terminal_id("T-2"); });
       }},
      {"an admin redeeming", grpc::StatusCode::PERMISSION_DENIED,
       "admin 'admin' may not call /passclear.v1.RedemptionService/Redeem",
       [&] { return RedeemAs(admin); }},
      {"a terminal creating a programme", grpc::StatusCode::PERMISSION_DENIED,
       "terminal 'T-1' may not call "
       "/passclear.v1.AdminService/CreateProgramme",
       [&] {
         v1::CreateProgrammeRequest request;
         v1::Programme response;
         return plain_admin_->CreateProgramme(ContextWith(terminal).get(),
                                              request, &response);
       }},
      {"an admin acknowledging a payment", grpc::StatusCode::PERMISSION_DENIED,
       "may not call /passclear.v1.ClearingService/AcknowledgeBatch",
       [&] {
         v1::AcknowledgeBatchRequest request;
         request.set_batch_id(1);
         request.set_payment_reference("VIR-1");
         request.set_amount_paid_cents(1000);
         v1::ClaimBatch response;
         return plain_clearing_->AcknowledgeBatch(ContextWith(admin).get(),
                                                  request, &response);
       }},
      {"the mandatary closing a cycle", grpc::StatusCode::PERMISSION_DENIED,
       "may not call /passclear.v1.ClearingService/CloseCycle",
       [&] {
         v1::CloseCycleResponse response;
         return plain_clearing_->CloseCycle(ContextWith(mandatary).get(),
                                            v1::CloseCycleRequest(), &response);
       }},
  };
  std::vector<BadRequest> all = catalogue;
  all.insert(all.end(), access_catalogue.begin(), access_catalogue.end());
  for (const BadRequest& bad : all) {
    grpc::Status status = bad.send();
    EXPECT_EQ(status.error_code(), bad.code)
        << bad.name << ": " << status.error_message();
    EXPECT_TRUE(absl::StrContains(status.error_message(), bad.message_part))
        << bad.name << ": '" << status.error_message() << "' does not name "
        << bad.message_part;
  }
  EXPECT_EQ(Snapshot(), before) << "a refused request changed the store";
  RecordProperty("catalogue_size", static_cast<int>(all.size()));
  EXPECT_EQ(all.size(), 38u);
}

}  // namespace
}  // namespace passclear::testing
