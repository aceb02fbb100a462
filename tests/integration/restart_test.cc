// Crash and restart of the real server: what was acknowledged survives a
// SIGKILL, SIGTERM drains and exits cleanly, and a store is refused when
// opened with another shard count.
#include <signal.h>

#include <thread>

#include "absl/strings/str_cat.h"
#include "tests/integration/server_fixture.h"

namespace passclear::testing {
namespace {

using RestartTest = ServerFixture;

TEST_F(RestartTest, AcknowledgedRedemptionsSurviveSigkill) {
  // Eight clients redeem concurrently, so the kill lands on a busy server.
  struct Acknowledged {
    std::string code;
    std::string terminal_id;
    v1::RedeemResponse response;
  };
  std::vector<std::vector<Acknowledged>> acknowledged(8);
  std::vector<std::thread> clients;
  for (int client = 0; client < 8; ++client) {
    clients.emplace_back([&, client] {
      auto stub = v1::RedemptionService::NewStub(server_->Channel());
      for (size_t i = client; i < scheme_.codes.size(); i += 8) {
        const std::string terminal = absl::StrCat("T-", client);
        v1::RedeemResponse response;
        grpc::ClientContext context;
        if (stub->Redeem(&context,
                         MakeRedeemRequest(scheme_.codes[i], scheme_.venue_id,
                                           terminal, absl::StrCat("r-", i)),
                         &response)
                .ok()) {
          acknowledged[client].push_back(
              {scheme_.codes[i], terminal, response});
        }
      }
    });
  }
  for (std::thread& client : clients) client.join();
  ASSERT_EQ(server_->Kill(SIGKILL), 128 + SIGKILL);

  StartServer();
  size_t checked = 0;
  for (const auto& client_answers : acknowledged) {
    for (const Acknowledged& ack : client_answers) {
      ASSERT_EQ(ack.response.result(), v1::REDEEM_RESULT_REDEEMED);
      v1::CheckPassRequest check;
      check.set_code(ack.code);
      v1::CheckPassResponse state;
      grpc::ClientContext context;
      ASSERT_TRUE(redemption_->CheckPass(&context, check, &state).ok());
      EXPECT_EQ(state.state(), v1::PASS_STATE_REDEEMED) << ack.code;
      EXPECT_EQ(state.redemption().venue_id(), scheme_.venue_id);
      EXPECT_EQ(state.redemption().terminal_id(), ack.terminal_id);
      ++checked;
    }
  }
  EXPECT_EQ(checked, scheme_.codes.size());

  // A retry whose answer was lost in the crash gets the original answer.
  const Acknowledged& first = acknowledged[0][0];
  v1::RedeemResponse retry = Redeem(MakeRedeemRequest(
      first.code, scheme_.venue_id, first.terminal_id, "r-0"));
  EXPECT_TRUE(retry.replayed());
  EXPECT_EQ(retry.result(), v1::REDEEM_RESULT_REDEEMED);
  EXPECT_EQ(retry.redemption().recorded_at().nanos(),
            first.response.redemption().recorded_at().nanos());
}

TEST_F(RestartTest, SigtermDrainsAndExitsCleanly) {
  Redeem(MakeRedeemRequest(scheme_.codes[0], scheme_.venue_id, "T-1", "r-1"));
  admin_.reset();
  EXPECT_EQ(server_->Stop(), 0);
  StartServer();
  v1::RedeemResponse again = Redeem(
      MakeRedeemRequest(scheme_.codes[0], scheme_.venue_id, "T-2", "r-1"));
  EXPECT_EQ(again.result(), v1::REDEEM_RESULT_ALREADY_REDEEMED);
}

TEST_F(RestartTest, RefusesAnotherShardCount) {
  ASSERT_EQ(server_->Stop(), 0);
  ServerProcess::Exit exit =
      ServerProcess::RunToExit({absl::StrCat("--data_dir=", data_dir_),
                                "--listen=127.0.0.1:0", "--shards=8"});
  EXPECT_EQ(exit.exit_code, 1);
  EXPECT_NE(exit.stderr_text.find("was created with 16 pass shards but 8 "
                                  "were requested"),
            std::string::npos)
      << exit.stderr_text;
}

}  // namespace
}  // namespace passclear::testing
