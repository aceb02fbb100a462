// Crash and restart of the real server: what was acknowledged survives a
// SIGKILL, SIGTERM drains in-flight calls and exits cleanly, and a store is
// refused when opened with another shard count or written by another
// format version.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <map>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "rocksdb/db.h"
#include "storage/key_codec.h"
#include "storage/record_codec.h"
#include "tests/integration/server_fixture.h"
#include "tests/integration/store_checks.h"

namespace passclear::testing {
namespace {

class RestartTest : public ServerFixture {
 protected:
  // Eight clients keep redeeming the scheme's 30 passes; the server gets
  // `signal` while they are still sending and must exit with `exit_code`.
  // Then every request is retried on a new server: what was acknowledged
  // replays, and no pass is redeemed by two terminals.
  void StopUnderLoadAndRetryEverything(int signal, int exit_code);
};

TEST_F(RestartTest, AcknowledgedRedemptionsSurviveSigkillUnderLoad) {
  StopUnderLoadAndRetryEverything(SIGKILL, 128 + SIGKILL);
}

// The drain: calls in flight on the writer lane's completion queue are
// answered (or refused UNAVAILABLE) before the server exits cleanly.
TEST_F(RestartTest, SigtermUnderLoadAnswersInFlightCallsAndExitsCleanly) {
  StopUnderLoadAndRetryEverything(SIGTERM, 0);
}

void RestartTest::StopUnderLoadAndRetryEverything(int signal, int exit_code) {
  constexpr int kClients = 8;
  struct Sent {
    std::string code;
    std::string terminal_id;
    std::string request_id;
    bool acknowledged = false;
    v1::RedeemResponse response;
  };
  std::vector<std::vector<Sent>> sent(kClients);
  // Answers per client: the kill waits until every client has had each of
  // its passes answered at least once, so every pass has a request to retry.
  std::vector<std::atomic<int>> answered(kClients);
  std::vector<std::thread> clients;
  for (int client = 0; client < kClients; ++client) {
    clients.emplace_back([&, client] {
      auto stub = v1::RedemptionService::NewStub(server_->Channel());
      const std::string terminal = absl::StrCat("T-", client);
      // Many rounds over this client's passes with new request ids: the
      // first redeems, the others are refusals, all durable writes.
      for (int round = 0; round < 200; ++round) {
        for (size_t i = client; i < scheme_.codes.size(); i += kClients) {
          Sent request{scheme_.codes[i], terminal,
                       absl::StrCat("r-", round, "-", i)};
          grpc::ClientContext context;
          context.set_deadline(std::chrono::system_clock::now() +
                               std::chrono::seconds(5));
          grpc::Status status =
              stub->Redeem(&context,
                           MakeRedeemRequest(request.code, scheme_.venue_id,
                                             terminal, request.request_id),
                           &request.response);
          request.acknowledged = status.ok();
          sent[client].push_back(std::move(request));
          if (!status.ok()) return;  // the server is gone
          answered[client].fetch_add(1);
        }
      }
    });
  }
  const int passes_per_client =
      static_cast<int>((scheme_.codes.size() + kClients - 1) / kClients);
  auto everyone_answered = [&] {
    int total = 0;
    for (const std::atomic<int>& count : answered) {
      if (count.load() < passes_per_client) return false;
      total += count.load();
    }
    return total >= 100;
  };
  while (!everyone_answered()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_EQ(server_->Kill(signal), exit_code);
  for (std::thread& client : clients) client.join();

  StartServer();
  std::map<std::string, std::string> redeemed_by;  // code -> terminal
  size_t acknowledged = 0;
  for (const auto& client_requests : sent) {
    for (const Sent& request : client_requests) {
      // Every request, answered or not, is retried with its request id: an
      // acknowledged one must replay its answer; a lost one gets whatever
      // was decided (or is decided now), never a second redemption.
      v1::RedeemResponse retry =
          Redeem(MakeRedeemRequest(request.code, scheme_.venue_id,
                                   request.terminal_id, request.request_id));
      if (request.acknowledged) {
        ++acknowledged;
        EXPECT_TRUE(retry.replayed()) << request.request_id;
        EXPECT_EQ(retry.result(), request.response.result());
        EXPECT_EQ(retry.redemption().terminal_id(),
                  request.response.redemption().terminal_id());
        EXPECT_EQ(retry.redemption().recorded_at().nanos(),
                  request.response.redemption().recorded_at().nanos());
      }
      if (retry.result() == v1::REDEEM_RESULT_REDEEMED) {
        auto [it, first] =
            redeemed_by.emplace(request.code, request.terminal_id);
        EXPECT_TRUE(first || it->second == request.terminal_id)
            << request.code << " redeemed by two terminals";
      }
    }
  }
  EXPECT_GE(acknowledged, 100u);
  // Every pass ends redeemed exactly once, by the terminal that owns it,
  // and the store agrees.
  EXPECT_EQ(redeemed_by.size(), scheme_.codes.size());
  ExpectRedeemedBy(*redemption_, redeemed_by);
}

TEST_F(RestartTest, SigtermDrainsAndExitsCleanly) {
  Redeem(MakeRedeemRequest(scheme_.codes[0], scheme_.venue_id, "T-1", "r-1"));
  EXPECT_EQ(StopServer(), 0);
  StartServer();
  v1::RedeemResponse again = Redeem(
      MakeRedeemRequest(scheme_.codes[0], scheme_.venue_id, "T-2", "r-1"));
  EXPECT_EQ(again.result(), v1::REDEEM_RESULT_ALREADY_REDEEMED);
}

TEST_F(RestartTest, RefusesAnotherShardCount) {
  ASSERT_EQ(StopServer(), 0);
  ServerProcess::Exit exit =
      ServerProcess::RunToExit({absl::StrCat("--data_dir=", data_dir_),
                                "--listen=127.0.0.1:0", "--shards=8"});
  EXPECT_EQ(exit.exit_code, 1);
  EXPECT_NE(exit.stderr_text.find("was created with 16 pass shards but 8 "
                                  "were requested"),
            std::string::npos)
      << exit.stderr_text;
}

TEST_F(RestartTest,
       SigtermUnderLoadAnswersOrRefusesEveryCallAndKeepsTheAnswered) {
  const Scheme busy = SetUpScheme(*admin_, /*booklets=*/50);
  constexpr int kClients = 8;
  absl::Mutex mu;
  std::map<std::string, std::string> redeemed;  // code -> terminal
  // code -> (terminal, request id) of the call the drain refused.
  std::map<std::string, std::pair<std::string, std::string>> refused;
  std::atomic<int> answered{0};
  std::vector<std::thread> clients;
  for (int client = 0; client < kClients; ++client) {
    clients.emplace_back([&, client] {
      auto stub = v1::RedemptionService::NewStub(server_->Channel());
      const std::string terminal = absl::StrCat("D-", client);
      for (size_t i = client; i < busy.codes.size(); i += kClients) {
        v1::RedeemResponse response;
        grpc::ClientContext context;
        const grpc::Status status =
            stub->Redeem(&context,
                         MakeRedeemRequest(busy.codes[i], busy.venue_id,
                                           terminal, absl::StrCat("d-", i)),
                         &response);
        if (!status.ok()) {
          // Refused once the server drains: UNAVAILABLE, or CANCELLED for
          // a call gRPC had received but not started. Retried below.
          EXPECT_TRUE(status.error_code() == grpc::StatusCode::UNAVAILABLE ||
                      status.error_code() == grpc::StatusCode::CANCELLED)
              << status.error_code() << " " << status.error_message();
          absl::MutexLock lock(&mu);
          refused[busy.codes[i]] = {terminal, absl::StrCat("d-", i)};
          return;
        }
        EXPECT_EQ(response.result(), v1::REDEEM_RESULT_REDEEMED);
        answered.fetch_add(1);
        absl::MutexLock lock(&mu);
        redeemed[busy.codes[i]] = terminal;
      }
    });
  }
  while (answered.load() < 50) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  // The clients' own connections stay open: the drain must not wait for
  // them beyond --shutdown_timeout.
  const auto began = std::chrono::steady_clock::now();
  EXPECT_EQ(server_->Stop(), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - began, std::chrono::seconds(12));
  for (std::thread& client : clients) client.join();
  StartServer();
  ExpectRedeemedBy(*redemption_, redeemed);
  // A refused call was never half done: its retry redeems the pass once.
  for (const auto& [code, request] : refused) {
    v1::RedeemResponse retry = Redeem(
        MakeRedeemRequest(code, busy.venue_id, request.first, request.second));
    EXPECT_EQ(retry.result(), v1::REDEEM_RESULT_REDEEMED) << retry.message();
  }
}

TEST_F(RestartTest, RefusesAStoreOfAnotherFormatVersion) {
  ASSERT_EQ(StopServer(), 0);
  {
    std::vector<std::string> families;
    ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), data_dir_,
                                                &families)
                    .ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    for (const std::string& name : families)
      descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), data_dir_, descriptors,
                                  &handles, &raw)
                    .ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), storage::kMetaFormatVersion,
                        storage::EncodeMetaNumber(99))
                    .ok());
    for (rocksdb::ColumnFamilyHandle* handle : handles) {
      ASSERT_TRUE(db->DestroyColumnFamilyHandle(handle).ok());
    }
  }
  ServerProcess::Exit exit = ServerProcess::RunToExit(
      {absl::StrCat("--data_dir=", data_dir_), "--listen=127.0.0.1:0"});
  EXPECT_EQ(exit.exit_code, 1);
  EXPECT_NE(exit.stderr_text.find("has format version 99; this passclear "
                                  "reads format version"),
            std::string::npos)
      << exit.stderr_text;
}

}  // namespace
}  // namespace passclear::testing
