// 32 concurrent clients hammer the same 1,000 passes through the real
// server: each pass is redeemed exactly once, every other scan is refused
// naming the winner, and the store holds exactly 1,000 claim lines.
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "storage/pass_store.h"
#include "tests/integration/server_fixture.h"

namespace passclear::testing {
namespace {

constexpr int kClients = 32;
constexpr int kChannels = 4;

class RaceTest : public ServerFixture {
 protected:
  void SetUp() override {
    temp_dir_ = MakeTempDir();
    data_dir_ = temp_dir_ + "/data";
    StartServer();
    scheme_ = SetUpScheme(*admin_, /*booklets=*/100);
    ASSERT_EQ(scheme_.codes.size(), 1000u);
  }
};

struct Answer {
  v1::RedeemResult result;
  std::string terminal_id;  // the redeeming terminal the answer names
};

TEST_F(RaceTest, EachPassIsRedeemedExactlyOnce) {
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < kChannels; ++i) channels.push_back(server_->Channel());

  std::mutex mu;
  std::map<std::string, std::vector<Answer>> answers;  // by code
  int transport_errors = 0;
  std::vector<std::thread> clients;
  for (int client = 0; client < kClients; ++client) {
    clients.emplace_back([&, client] {
      auto stub = v1::RedemptionService::NewStub(channels[client % kChannels]);
      std::vector<std::string> codes = scheme_.codes;
      std::shuffle(codes.begin(), codes.end(), std::mt19937(client));
      const std::string terminal = absl::StrCat("T-", client);
      for (size_t i = 0; i < codes.size(); ++i) {
        v1::RedeemResponse response;
        grpc::ClientContext context;
        grpc::Status status =
            stub->Redeem(&context,
                         MakeRedeemRequest(codes[i], scheme_.venue_id, terminal,
                                           absl::StrCat("r-", i)),
                         &response);
        std::lock_guard<std::mutex> lock(mu);
        if (!status.ok()) {
          ++transport_errors;
          continue;
        }
        answers[codes[i]].push_back(
            {response.result(), response.redemption().terminal_id()});
      }
    });
  }
  for (std::thread& client : clients) client.join();

  EXPECT_EQ(transport_errors, 0);
  ASSERT_EQ(answers.size(), 1000u);
  for (const auto& [code, pass_answers] : answers) {
    ASSERT_EQ(pass_answers.size(), static_cast<size_t>(kClients)) << code;
    std::string winner;
    for (const Answer& answer : pass_answers) {
      if (answer.result == v1::REDEEM_RESULT_REDEEMED) {
        EXPECT_TRUE(winner.empty()) << code << " redeemed twice";
        winner = answer.terminal_id;
      }
    }
    ASSERT_FALSE(winner.empty()) << code << " never redeemed";
    for (const Answer& answer : pass_answers) {
      if (answer.result == v1::REDEEM_RESULT_REDEEMED) continue;
      EXPECT_EQ(answer.result, v1::REDEEM_RESULT_ALREADY_REDEEMED) << code;
      EXPECT_EQ(answer.terminal_id, winner) << code;
    }
  }

  // The store, read after the server stopped: one claim line per pass.
  ASSERT_EQ(StopServer(), 0);
  absl::StatusOr<std::unique_ptr<storage::PassStore>> store =
      storage::PassStore::Open({.path = data_dir_});
  ASSERT_TRUE(store.ok()) << store.status();
  absl::StatusOr<std::vector<storage::ClaimLineEntry>> lines =
      (*store)->ListClaimLines(scheme_.venue_id);
  ASSERT_TRUE(lines.ok()) << lines.status();
  EXPECT_EQ(lines->size(), 1000u);
  std::set<uint64_t> serials;
  for (const storage::ClaimLineEntry& entry : *lines) {
    serials.insert(entry.line.serial);
    EXPECT_EQ(entry.line.face_value_cents, 1000);
  }
  EXPECT_EQ(serials.size(), 1000u);
}

}  // namespace
}  // namespace passclear::testing
