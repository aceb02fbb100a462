// RedeemStream through the real server: answers matched by request id, the
// same decisions as unary Redeem, and a malformed request ending the stream
// with INVALID_ARGUMENT after the answers before it.
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "tests/integration/server_fixture.h"

namespace passclear::testing {
namespace {

using RedeemStreamTest = ServerFixture;

TEST_F(RedeemStreamTest, AnswersEveryRequestByItsId) {
  Redeem(MakeRedeemRequest(scheme_.codes[0], scheme_.venue_id, "T-1", "u-0"));
  grpc::ClientContext context;
  auto stream = redemption_->RedeemStream(&context);
  for (size_t i = 0; i < scheme_.codes.size(); ++i) {
    ASSERT_TRUE(stream->Write(MakeRedeemRequest(
        scheme_.codes[i], scheme_.venue_id, "T-1", absl::StrCat("s-", i))));
  }
  ASSERT_TRUE(stream->WritesDone());
  std::map<std::string, v1::RedeemResponse> answers;
  v1::RedeemResponse response;
  while (stream->Read(&response)) answers[response.request_id()] = response;
  grpc::Status status = stream->Finish();
  ASSERT_TRUE(status.ok()) << status.error_message();

  ASSERT_EQ(answers.size(), scheme_.codes.size());
  EXPECT_EQ(answers["s-0"].result(), v1::REDEEM_RESULT_ALREADY_REDEEMED);
  for (size_t i = 1; i < scheme_.codes.size(); ++i) {
    const v1::RedeemResponse& answer = answers[absl::StrCat("s-", i)];
    EXPECT_EQ(answer.result(), v1::REDEEM_RESULT_REDEEMED) << i;
    EXPECT_EQ(answer.redemption().terminal_id(), "T-1");
  }
  // The stream's answers are stored like any other: a unary retry replays.
  v1::RedeemResponse retry = Redeem(
      MakeRedeemRequest(scheme_.codes[5], scheme_.venue_id, "T-1", "s-5"));
  EXPECT_TRUE(retry.replayed());
  EXPECT_EQ(retry.result(), v1::REDEEM_RESULT_REDEEMED);
}

TEST_F(RedeemStreamTest, MalformedRequestEndsTheStreamNamingTheField) {
  grpc::ClientContext context;
  auto stream = redemption_->RedeemStream(&context);
  ASSERT_TRUE(stream->Write(
      MakeRedeemRequest(scheme_.codes[0], scheme_.venue_id, "T-1", "s-0")));
  v1::RedeemResponse first;
  ASSERT_TRUE(stream->Read(&first));
  EXPECT_EQ(first.request_id(), "s-0");
  EXPECT_EQ(first.result(), v1::REDEEM_RESULT_REDEEMED);

  stream->Write(MakeRedeemRequest(scheme_.codes[1], 0, "T-1", "s-1"));
  v1::RedeemResponse ignored;
  while (stream->Read(&ignored)) {
  }
  grpc::Status status = stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "venue_id: required");

  // The malformed request decided nothing.
  v1::RedeemResponse later = Redeem(
      MakeRedeemRequest(scheme_.codes[1], scheme_.venue_id, "T-1", "u-1"));
  EXPECT_EQ(later.result(), v1::REDEEM_RESULT_REDEEMED);
}

}  // namespace
}  // namespace passclear::testing
