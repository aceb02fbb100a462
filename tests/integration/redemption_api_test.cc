// The redemption API through the real server binary over loopback gRPC.
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"
#include "server/pass_code.h"
#include "tests/integration/health_check.h"
#include "tests/integration/server_fixture.h"

namespace passclear::testing {
namespace {

std::string BytesOf(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (!buffer.Dump(&slices).ok()) return bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return bytes;
}

// One request and one answer on a bidirectional stream, as raw bytes.
class OneMessageExchange
    : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  OneMessageExchange(grpc::GenericStub& stub, const std::string& method,
                     const std::string& request_bytes)
      : request_slice_(request_bytes), request_(&request_slice_, 1) {
    stub.PrepareBidiStreamingCall(&context_, method, grpc::StubOptions(), this);
    StartWriteLast(&request_, grpc::WriteOptions());
    StartRead(&response_);
    StartCall();
  }
  void OnReadDone(bool ok) override { read_ok_ = ok; }
  void OnDone(const grpc::Status& status) override {
    status_ = status;
    done_.Notify();
  }
  // The answer's bytes once the call is over; empty if none came.
  std::string Await() {
    done_.WaitForNotification();
    return read_ok_ && status_.ok() ? BytesOf(response_) : "";
  }

 private:
  grpc::ClientContext context_;
  grpc::Slice request_slice_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
  bool read_ok_ = false;
  grpc::Status status_;
  absl::Notification done_;
};

using RedemptionApiTest = ServerFixture;

TEST_F(RedemptionApiTest, RedeemsOnceThenRefusesNamingTheFirstRedemption) {
  v1::RedeemResponse first = Redeem(
      MakeRedeemRequest(scheme_.codes[0], scheme_.venue_id, "T-1", "r-1"));
  EXPECT_EQ(first.result(), v1::REDEEM_RESULT_REDEEMED) << first.message();
  EXPECT_EQ(first.face_value_cents(), 1000);
  EXPECT_EQ(first.programme_id(), scheme_.programme_id);
  EXPECT_EQ(first.redemption().terminal_id(), "T-1");
  EXPECT_FALSE(first.replayed());

  v1::RedeemResponse second = Redeem(
      MakeRedeemRequest(scheme_.codes[0], scheme_.venue_id, "T-2", "r-9"));
  EXPECT_EQ(second.result(), v1::REDEEM_RESULT_ALREADY_REDEEMED);
  EXPECT_EQ(second.redemption().venue_id(), scheme_.venue_id);
  EXPECT_EQ(second.redemption().terminal_id(), "T-1");
  EXPECT_EQ(second.redemption().recorded_at().seconds(),
            first.redemption().recorded_at().seconds());
  EXPECT_NE(second.message().find("already redeemed"), std::string::npos);
}

TEST_F(RedemptionApiTest, RetryGetsTheOriginalAnswer) {
  const v1::RedeemRequest request =
      MakeRedeemRequest(scheme_.codes[1], scheme_.venue_id, "T-1", "r-1");
  v1::RedeemResponse first = Redeem(request);
  v1::RedeemResponse retry = Redeem(request);
  EXPECT_EQ(retry.result(), v1::REDEEM_RESULT_REDEEMED);
  EXPECT_TRUE(retry.replayed());
  EXPECT_EQ(retry.redemption().recorded_at().seconds(),
            first.redemption().recorded_at().seconds());
  EXPECT_EQ(retry.redemption().recorded_at().nanos(),
            first.redemption().recorded_at().nanos());
}

TEST_F(RedemptionApiTest, ReusedRequestIdForAnotherPassIsAConflict) {
  Redeem(MakeRedeemRequest(scheme_.codes[2], scheme_.venue_id, "T-1", "r-1"));
  grpc::Status status;
  Redeem(MakeRedeemRequest(scheme_.codes[3], scheme_.venue_id, "T-1", "r-1"),
         &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_NE(status.error_message().find("request_id 'r-1' was already used"),
            std::string::npos)
      << status.error_message();
  // The pass of the refused request was not touched.
  v1::RedeemResponse later = Redeem(
      MakeRedeemRequest(scheme_.codes[3], scheme_.venue_id, "T-1", "r-2"));
  EXPECT_EQ(later.result(), v1::REDEEM_RESULT_REDEEMED);
}

TEST_F(RedemptionApiTest, MalformedRequestsNameTheField) {
  struct Case {
    v1::RedeemRequest request;
    std::string message_prefix;
  };
  std::vector<Case> cases;
  const v1::RedeemRequest valid =
      MakeRedeemRequest(scheme_.codes[4], scheme_.venue_id, "T-1", "r-1");
  cases.push_back({valid, "venue_id: required"});
  cases.back().request.set_venue_id(0);
  cases.push_back({valid, "terminal_id: required"});
  cases.back().request.clear_terminal_id();
  cases.push_back({valid, "request_id: at most 64"});
  cases.back().request.set_request_id(std::string(65, 'x'));
  cases.push_back({valid, "code: required"});
  cases.back().request.clear_code();
  cases.push_back({valid, "code: at most 64"});
  cases.back().request.set_code(std::string(100, '1'));
  cases.push_back({valid, "code: check digits do not match"});
  std::string misread = scheme_.codes[4];
  misread[5] = misread[5] == '7' ? '8' : '7';
  cases.back().request.set_code(misread);
  cases.push_back({valid, "scanned_at: is more than 5m ahead"});
  cases.back().request.mutable_scanned_at()->set_seconds(
      absl::ToUnixSeconds(absl::Now()) + 3600);
  for (const Case& c : cases) {
    grpc::Status status;
    Redeem(c.request, &status);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << c.message_prefix;
    EXPECT_EQ(status.error_message().rfind(c.message_prefix, 0), 0u)
        << status.error_message();
  }
  // None of them redeemed the pass.
  v1::RedeemResponse response = Redeem(valid);
  EXPECT_EQ(response.result(), v1::REDEEM_RESULT_REDEEMED);
  EXPECT_FALSE(response.replayed());
}

TEST_F(RedemptionApiTest, RefusesUnknownSerialsAndVenues) {
  v1::RedeemResponse unknown_serial =
      Redeem(MakeRedeemRequest("999999999999000000000073", scheme_.venue_id,
                               "T-1", "r-1"));  // never issued
  EXPECT_EQ(unknown_serial.result(), v1::REDEEM_RESULT_UNKNOWN_SERIAL)
      << unknown_serial.message();
  // A terminal is enrolled for one registered venue: naming another, even
  // one that does not exist, is refused before anything is looked up.
  grpc::Status status;
  Redeem(MakeRedeemRequest(scheme_.codes[5], 424242, "T-1", "r-2"), &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(status.error_message(),
            absl::StrCat("terminal 'T-1' belongs to venue ", scheme_.venue_id,
                         " and may not act for venue 424242"));
}

// The code with the right check digits but another authenticity tag: what a
// forger who knows the format, but not the key, would print.
std::string Forged(const std::string& code) {
  absl::StatusOr<PassCode> parsed = ParsePassCode(code);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return FormatPassCode(
      {.serial = parsed->serial, .tag = (parsed->tag + 1) % 10'000'000'000});
}

TEST_F(RedemptionApiTest, ForgedCodesAreRefusedAsCounterfeitAndNotStored) {
  const std::string forged = Forged(scheme_.codes[8]);
  v1::RedeemResponse refused =
      Redeem(MakeRedeemRequest(forged, scheme_.venue_id, "T-1", "r-1"));
  EXPECT_EQ(refused.result(), v1::REDEEM_RESULT_COUNTERFEIT);
  EXPECT_NE(refused.message().find("counterfeit"), std::string::npos);

  v1::CheckPassRequest check;
  check.set_code(forged);
  v1::CheckPassResponse state;
  grpc::ClientContext check_context;
  ASSERT_TRUE(redemption_->CheckPass(&check_context, check, &state).ok());
  EXPECT_EQ(state.redeemable_result(), v1::REDEEM_RESULT_COUNTERFEIT);
  EXPECT_FALSE(state.known());  // nothing told about the real pass

  v1::RedeemBatchRequest batch;
  batch.set_venue_id(scheme_.venue_id);
  batch.set_terminal_id("T-1");
  batch.add_items()->set_code(forged);
  batch.mutable_items(0)->set_request_id("b-1");
  v1::RedeemBatchResponse batch_response;
  grpc::ClientContext batch_context;
  ASSERT_TRUE(
      redemption_->RedeemBatch(&batch_context, batch, &batch_response).ok());
  EXPECT_EQ(batch_response.results(0).result(), v1::REDEEM_RESULT_COUNTERFEIT);

  // The genuine code still redeems, even under the forged request's id:
  // the refusal was not stored.
  v1::RedeemResponse genuine = Redeem(
      MakeRedeemRequest(scheme_.codes[8], scheme_.venue_id, "T-1", "r-1"));
  EXPECT_EQ(genuine.result(), v1::REDEEM_RESULT_REDEEMED);
}

TEST_F(RedemptionApiTest, BatchDecidesEveryItemInOrder) {
  Redeem(MakeRedeemRequest(scheme_.codes[0], scheme_.venue_id, "T-1", "r-0"));
  v1::RedeemBatchRequest request;
  request.set_venue_id(scheme_.venue_id);
  request.set_terminal_id("T-1");
  for (int i = 0; i < 10; ++i) {
    v1::RedeemBatchItem* item = request.add_items();
    item->set_code(scheme_.codes[i]);
    item->set_request_id(absl::StrCat("b-", i));
    // Offline scans, dated after the terminal's enrolment (a second
    // later at least: the enrolment is stored to the nanosecond).
    item->mutable_scanned_at()->set_seconds(absl::ToUnixSeconds(absl::Now()) +
                                            1 + i);
  }
  request.mutable_items(4)->set_code("12345");
  v1::RedeemBatchResponse response;
  grpc::ClientContext context;
  ASSERT_TRUE(redemption_->RedeemBatch(&context, request, &response).ok());
  ASSERT_EQ(response.results_size(), 10);
  EXPECT_EQ(response.results(0).result(), v1::REDEEM_RESULT_ALREADY_REDEEMED);
  EXPECT_EQ(response.results(4).result(), v1::REDEEM_RESULT_MALFORMED_CODE);
  EXPECT_EQ(response.results(4).message(),
            "code: must have 24 digits (12 serial, 10 tag, 2 check), got 5");
  for (int i : {1, 2, 3, 5, 6, 7, 8, 9}) {
    EXPECT_EQ(response.results(i).result(), v1::REDEEM_RESULT_REDEEMED) << i;
    EXPECT_EQ(response.results(i).redemption().scanned_at().seconds(),
              request.items(i).scanned_at().seconds());
  }
}

// Items are submitted together (one hand-off per writer lane): a pass twice
// in one upload is still decided in item order, and an upload whose every
// item is refused before reaching the store is answered in full.
TEST_F(RedemptionApiTest, BatchDecidesTheSamePassTwiceInItemOrder) {
  v1::RedeemBatchRequest request;
  request.set_venue_id(scheme_.venue_id);
  request.set_terminal_id("T-1");
  for (const char* id : {"twice-0", "twice-1"}) {
    v1::RedeemBatchItem* item = request.add_items();
    item->set_code(scheme_.codes[3]);
    item->set_request_id(id);
  }
  v1::RedeemBatchResponse response;
  grpc::ClientContext context;
  ASSERT_TRUE(redemption_->RedeemBatch(&context, request, &response).ok());
  ASSERT_EQ(response.results_size(), 2);
  EXPECT_EQ(response.results(0).result(), v1::REDEEM_RESULT_REDEEMED);
  EXPECT_EQ(response.results(1).result(), v1::REDEEM_RESULT_ALREADY_REDEEMED);
  EXPECT_EQ(response.results(1).redemption().recorded_at().seconds(),
            response.results(0).redemption().recorded_at().seconds());
}

TEST_F(RedemptionApiTest, BatchOfOnlyMalformedCodesAnswersEveryItem) {
  v1::RedeemBatchRequest request;
  request.set_venue_id(scheme_.venue_id);
  request.set_terminal_id("T-1");
  for (int i = 0; i < 3; ++i) {
    v1::RedeemBatchItem* item = request.add_items();
    item->set_code("12345");
    item->set_request_id(absl::StrCat("bad-", i));
  }
  v1::RedeemBatchResponse response;
  grpc::ClientContext context;
  ASSERT_TRUE(redemption_->RedeemBatch(&context, request, &response).ok());
  ASSERT_EQ(response.results_size(), 3);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(response.results(i).result(), v1::REDEEM_RESULT_MALFORMED_CODE);
    EXPECT_EQ(response.results(i).request_id(), absl::StrCat("bad-", i));
  }
}

TEST_F(RedemptionApiTest, BatchOverTheLimitOrWithDuplicateIdsIsRefusedWhole) {
  v1::RedeemBatchRequest request;
  request.set_venue_id(scheme_.venue_id);
  request.set_terminal_id("T-1");
  for (int i = 0; i < 1001; ++i) {
    v1::RedeemBatchItem* item = request.add_items();
    item->set_code(scheme_.codes[i % scheme_.codes.size()]);
    item->set_request_id(absl::StrCat("b-", i));
  }
  v1::RedeemBatchResponse response;
  grpc::ClientContext context;
  grpc::Status status = redemption_->RedeemBatch(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "items: at most 1000 per batch, got 1001; split the upload");

  request.mutable_items()->DeleteSubrange(2, 999);
  request.mutable_items(1)->set_request_id("b-0");
  grpc::ClientContext duplicate_context;
  status = redemption_->RedeemBatch(&duplicate_context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message().rfind("items[1].request_id: duplicates", 0),
            0u)
      << status.error_message();
  // Nothing was redeemed by the refused batches.
  v1::RedeemResponse single = Redeem(
      MakeRedeemRequest(scheme_.codes[0], scheme_.venue_id, "T-1", "r-x"));
  EXPECT_EQ(single.result(), v1::REDEEM_RESULT_REDEEMED);
}

TEST_F(RedemptionApiTest, CheckPassTellsStateWithoutRedeeming) {
  v1::CheckPassRequest check;
  check.set_code(scheme_.codes[6]);
  check.set_venue_id(scheme_.venue_id);
  v1::CheckPassResponse before;
  grpc::ClientContext context;
  ASSERT_TRUE(redemption_->CheckPass(&context, check, &before).ok());
  EXPECT_TRUE(before.known());
  EXPECT_EQ(before.state(), v1::PASS_STATE_ISSUED);
  EXPECT_EQ(before.redeemable_result(), v1::REDEEM_RESULT_REDEEMED);
  EXPECT_EQ(before.accepted_until().seconds() - before.valid_until().seconds(),
            31 * 86400);

  Redeem(MakeRedeemRequest(scheme_.codes[6], scheme_.venue_id, "T-1", "r-1"));
  v1::CheckPassResponse after;
  grpc::ClientContext after_context;
  ASSERT_TRUE(redemption_->CheckPass(&after_context, check, &after).ok());
  EXPECT_EQ(after.state(), v1::PASS_STATE_REDEEMED);
  EXPECT_EQ(after.redeemable_result(), v1::REDEEM_RESULT_ALREADY_REDEEMED);
  EXPECT_EQ(after.redemption().terminal_id(), "T-1");
}

TEST_F(RedemptionApiTest, CancelMakesThePassRedeemableAgain) {
  Redeem(MakeRedeemRequest(scheme_.codes[7], scheme_.venue_id, "T-1", "r-1"));
  v1::CancelRedemptionRequest cancel;
  cancel.set_code(scheme_.codes[7]);
  cancel.set_venue_id(scheme_.venue_id);
  cancel.set_terminal_id("T-2");
  cancel.set_request_id("c-1");
  v1::CancelRedemptionResponse refused;
  grpc::ClientContext refused_context;
  ASSERT_TRUE(
      redemption_->CancelRedemption(&refused_context, cancel, &refused).ok());
  EXPECT_EQ(refused.result(), v1::CANCEL_RESULT_NOT_SAME_TERMINAL);

  cancel.set_terminal_id("T-1");
  v1::CancelRedemptionResponse cancelled;
  grpc::ClientContext context;
  ASSERT_TRUE(redemption_->CancelRedemption(&context, cancel, &cancelled).ok());
  EXPECT_EQ(cancelled.result(), v1::CANCEL_RESULT_CANCELLED)
      << cancelled.message();

  v1::RedeemResponse again = Redeem(
      MakeRedeemRequest(scheme_.codes[7], scheme_.venue_id, "T-3", "r-1"));
  EXPECT_EQ(again.result(), v1::REDEEM_RESULT_REDEEMED);
  EXPECT_EQ(again.redemption().terminal_id(), "T-3");
}

TEST_F(RedemptionApiTest, HealthServiceReportsServing) {
  absl::StatusOr<std::string> health = HealthStatus(server_->Channel());
  ASSERT_TRUE(health.ok()) << health.status();
  EXPECT_EQ(*health, "SERVING");
}

TEST_F(RedemptionApiTest, ReflectionListsBothServices) {
  grpc::GenericStub stub(server_->Channel());
  // ServerReflectionRequest{list_services: ""}: field 7, empty string.
  OneMessageExchange exchange(
      stub, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
      std::string("\x3a\x00", 2));
  const std::string answer = exchange.Await();
  EXPECT_NE(answer.find("passclear.v1.RedemptionService"), std::string::npos);
  EXPECT_NE(answer.find("passclear.v1.AdminService"), std::string::npos);
}

}  // namespace
}  // namespace passclear::testing
