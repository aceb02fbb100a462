// The crash campaign: terminals redeem and cancel, the mandatary closes
// cycles and acknowledges batches, and the real server is killed at random
// moments, by SIGKILL or by a power cut that also drops every byte written
// since the last sync (power_cut_shim.cc). After each restart:
// - every acknowledged redemption is there, with its venue, terminal and
//   time, and every acknowledged cancellation too;
// - a retry of any request of the round (same request id) replays the
//   acknowledged answer, or settles a request whose answer was lost;
// - no pass is redeemed twice, and Reconcile finds no breach;
// - acknowledged closes and payments of batches are there.
//
// PASSCLEAR_CRASH_KILLS and PASSCLEAR_POWER_CUTS set the rounds (CI: 4 and
// 3; deploy/scripts/crash_campaign.sh runs 50 of each).
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "passclear/v1/admin.grpc.pb.h"
#include "passclear/v1/clearing.grpc.pb.h"
#include "passclear/v1/redemption.grpc.pb.h"
#include "tests/crash/power_cut.h"
#include "tests/integration/scheme_setup.h"
#include "tests/integration/server_process.h"
#include "tests/integration/store_checks.h"
#include "tests/integration/unavailable_retry.h"

namespace passclear::testing {
namespace {

constexpr int kClients = 8;
// Passes issued per round. A client redeems and cancels its own passes
// over and over; a pass whose redemption was claimed in a closed batch can
// no longer be cancelled, and leaves the game.
constexpr int kBookletsPerRound = 100;
// IssueBooklets answers the codes of at most this many booklets per call.
constexpr int kBookletsPerCall = 1000;

int RoundsFromEnvironment(const char* name, int fallback) {
  const char* value = std::getenv(name);
  return value != nullptr ? std::atoi(value) : fallback;
}

std::chrono::system_clock::time_point Deadline() {
  return std::chrono::system_clock::now() + std::chrono::seconds(10);
}

// One request a terminal sent, and its answer if one came back.
struct Operation {
  bool cancel = false;
  size_t pass = 0;
  std::string terminal_id;
  std::string request_id;
  bool acknowledged = false;
  v1::RedeemResponse redeemed;
  v1::CancelRedemptionResponse cancelled;
};

// What the clients and the mandatary were told, and what must therefore
// survive any crash.
struct Ledger {
  absl::Mutex mu;
  std::vector<Operation> operations ABSL_GUARDED_BY(mu);
  // Per pass: the acknowledged redemption that stands.
  std::vector<std::optional<v1::Redemption>> standing ABSL_GUARDED_BY(mu);
  // Per pass: its redemption can no longer be cancelled (claimed).
  std::vector<bool> frozen ABSL_GUARDED_BY(mu);
  // Batches the mandatary saw closed, then paid.
  std::vector<v1::ClaimBatch> closed ABSL_GUARDED_BY(mu);
  std::vector<v1::ClaimBatch> paid ABSL_GUARDED_BY(mu);
};

class CrashCampaignTest : public ::testing::Test {
 protected:
  void SetUp() override {
    temp_dir_ = std::filesystem::canonical(MakeTempDir()).string();
    data_dir_ = temp_dir_ + "/data";
    power_cut_log_ = temp_dir_ + "/power-cut.log";
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(temp_dir_);
  }

  void StartServer(bool power_cut) {
    server_.reset();
    server_.emplace(ServerProcess::Start(
        data_dir_, {"--terminal_rate=0", "--cancel_window=1h"},
        power_cut ? PowerCutEnvironment(PASSCLEAR_POWER_CUT_SHIM, data_dir_,
                                        power_cut_log_)
                  : std::vector<std::string>{}));
    ASSERT_TRUE(server_->running());
    redemption_ = v1::RedemptionService::NewStub(server_->Channel());
    clearing_ = v1::ClearingService::NewStub(server_->Channel());
  }

  void SetUpScheme(int rounds) {
    auto admin = v1::AdminService::NewStub(server_->Channel());
    int booklets = rounds * kBookletsPerRound;
    scheme_ = passclear::testing::SetUpScheme(
        *admin, std::min(booklets, kBookletsPerCall));
    for (booklets -= kBookletsPerCall; booklets > 0;
         booklets -= kBookletsPerCall) {
      v1::IssueBookletsRequest issue;
      issue.set_programme_id(scheme_.programme_id);
      issue.set_booklet_count(std::min(booklets, kBookletsPerCall));
      issue.set_booklet_size(10);
      v1::IssueBookletsResponse issued;
      grpc::ClientContext context;
      const grpc::Status status =
          admin->IssueBooklets(&context, issue, &issued);
      ASSERT_TRUE(status.ok()) << status.error_message();
      for (const v1::Booklet& booklet : issued.booklets()) {
        scheme_.codes.insert(scheme_.codes.end(), booklet.codes().begin(),
                             booklet.codes().end());
      }
    }
    ASSERT_GE(scheme_.codes.size(), size_t{kClients});
    absl::MutexLock lock(&ledger_.mu);
    ledger_.standing.resize(scheme_.codes.size());
    ledger_.frozen.resize(scheme_.codes.size());
  }

  // Runs clients and the mandatary until the server dies by `power_cut` or
  // SIGKILL, somewhere between 50 and 500 ms in.
  void RunRoundAndCrash(int round, bool power_cut);
  // Checks the store against the ledger after a restart; settles the
  // round's unanswered requests by retrying them.
  void VerifyAfterRestart(size_t first_operation);

  void Client(int client, int round, std::atomic<bool>& stop);
  void Mandatary(v1::ClearingService::Stub& mandatary, std::atomic<bool>& stop);
  void Acknowledge(Operation operation);

  std::string temp_dir_;
  std::string data_dir_;
  std::string power_cut_log_;
  std::optional<ServerProcess> server_;
  std::unique_ptr<v1::RedemptionService::Stub> redemption_;
  std::unique_ptr<v1::ClearingService::Stub> clearing_;
  Scheme scheme_;
  Ledger ledger_;
  std::atomic<size_t> next_pass_{0};
  uint64_t closed_cursor_ = 0;
  std::mt19937 random_{20261124};
  uint64_t bytes_dropped_ = 0;
};

// Applies an acknowledged answer to the ledger, in the pass's order (one
// client owns a pass, and it waits for each answer).
void CrashCampaignTest::Acknowledge(Operation operation) {
  absl::MutexLock lock(&ledger_.mu);
  std::optional<v1::Redemption>& standing = ledger_.standing[operation.pass];
  if (operation.acknowledged && !operation.cancel &&
      operation.redeemed.result() == v1::REDEEM_RESULT_REDEEMED) {
    EXPECT_FALSE(standing.has_value() && !operation.redeemed.replayed())
        << scheme_.codes[operation.pass] << " redeemed twice";
    standing = operation.redeemed.redemption();
  }
  if (operation.acknowledged && operation.cancel) {
    if (operation.cancelled.result() == v1::CANCEL_RESULT_CANCELLED) {
      standing.reset();
    } else {
      ledger_.frozen[operation.pass] = true;
    }
  }
  ledger_.operations.push_back(std::move(operation));
}

void CrashCampaignTest::Client(int client, int round, std::atomic<bool>& stop) {
  const std::string terminal = absl::StrCat("T-", client);
  std::mt19937 random(round * kClients + client);
  const size_t owned = scheme_.codes.size() / kClients;
  for (int n = 0; !stop.load(); ++n) {
    Operation operation{.terminal_id = terminal,
                        .request_id = absl::StrCat("r", round, "-", n)};
    // One of this client's passes still in the game: cancelled when it
    // stands redeemed, else redeemed.
    bool found = false;
    for (int attempt = 0; attempt < 100 && !found; ++attempt) {
      operation.pass = client + kClients * (random() % owned);
      absl::MutexLock lock(&ledger_.mu);
      found = !ledger_.frozen[operation.pass];
      operation.cancel = ledger_.standing[operation.pass].has_value();
    }
    if (!found) return;
    const std::string& code = scheme_.codes[operation.pass];
    grpc::ClientContext context;
    context.set_deadline(Deadline());
    grpc::Status status;
    if (operation.cancel) {
      v1::CancelRedemptionRequest request;
      request.set_code(code);
      request.set_venue_id(scheme_.venue_id);
      request.set_terminal_id(terminal);
      request.set_request_id(operation.request_id);
      status = redemption_->CancelRedemption(&context, request,
                                             &operation.cancelled);
    } else {
      status =
          redemption_->Redeem(&context,
                              MakeRedeemRequest(code, scheme_.venue_id,
                                                terminal, operation.request_id),
                              &operation.redeemed);
    }
    operation.acknowledged = status.ok();
    Acknowledge(std::move(operation));
    if (!status.ok()) return;  // the server is gone
  }
}

void CrashCampaignTest::Mandatary(v1::ClearingService::Stub& mandatary,
                                  std::atomic<bool>& stop) {
  while (!stop.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    grpc::ClientContext close_context;
    close_context.set_deadline(Deadline());
    v1::CloseCycleResponse closed_cycle;
    if (!mandatary.CloseCycle(&close_context, {}, &closed_cycle).ok()) return;
    v1::ListClosedBatchesRequest list;
    list.set_after_cursor(closed_cursor_);
    list.set_page_size(1000);
    v1::ListClosedBatchesResponse listed;
    grpc::ClientContext list_context;
    list_context.set_deadline(Deadline());
    if (!mandatary.ListClosedBatches(&list_context, list, &listed).ok()) {
      return;
    }
    for (const v1::ClaimBatch& batch : listed.batches()) {
      closed_cursor_ = batch.close_seq();
      if (batch.status() != v1::BATCH_STATUS_CLOSED) continue;
      {
        absl::MutexLock lock(&ledger_.mu);
        ledger_.closed.push_back(batch);
      }
      v1::AcknowledgeBatchRequest pay;
      pay.set_batch_id(batch.batch_id());
      pay.set_payment_reference(absl::StrCat("SEPA-", batch.batch_id()));
      pay.set_amount_paid_cents(batch.total_cents());
      v1::ClaimBatch paid;
      grpc::ClientContext pay_context;
      pay_context.set_deadline(Deadline());
      if (!mandatary.AcknowledgeBatch(&pay_context, pay, &paid).ok()) return;
      absl::MutexLock lock(&ledger_.mu);
      ledger_.paid.push_back(paid);
    }
  }
}

void CrashCampaignTest::RunRoundAndCrash(int round, bool power_cut) {
  std::atomic<bool> stop{false};
  // Made here, not in its thread: on a busy machine the thread may start
  // after the kill below has dropped the server's credentials.
  auto mandatary = v1::ClearingService::NewStub(server_->Channel());
  std::vector<std::thread> threads;
  for (int client = 0; client < kClients; ++client) {
    threads.emplace_back([&, client] { Client(client, round, stop); });
  }
  threads.emplace_back([&] { Mandatary(*mandatary, stop); });
  std::this_thread::sleep_for(std::chrono::milliseconds(
      std::uniform_int_distribution<int>(50, 500)(random_)));
  EXPECT_EQ(server_->Kill(SIGKILL), 128 + SIGKILL);
  stop.store(true);
  for (std::thread& thread : threads) thread.join();
  if (power_cut) {
    absl::StatusOr<PowerCutReport> cut = CutPower(power_cut_log_, data_dir_);
    ASSERT_TRUE(cut.ok()) << cut.status();
    bytes_dropped_ += cut->bytes_dropped;
  }
}

void CrashCampaignTest::VerifyAfterRestart(size_t first_operation) {
  std::vector<Operation> round;
  {
    absl::MutexLock lock(&ledger_.mu);
    round.assign(ledger_.operations.begin() + first_operation,
                 ledger_.operations.end());
    ledger_.operations.resize(first_operation);
  }
  // Every request of the round again, in the order sent: an acknowledged
  // one replays its answer; one whose answer was lost gets settled now. The
  // checks call again while the restarted server answers UNAVAILABLE, as a
  // terminal does with the same request id.
  for (Operation& operation : round) {
    const std::string& code = scheme_.codes[operation.pass];
    Operation retry = operation;
    const grpc::Status status = RetryWhileUnavailable(
        operation.request_id, [&](grpc::ClientContext& context) {
          if (operation.cancel) {
            v1::CancelRedemptionRequest request;
            request.set_code(code);
            request.set_venue_id(scheme_.venue_id);
            request.set_terminal_id(operation.terminal_id);
            request.set_request_id(operation.request_id);
            return redemption_->CancelRedemption(&context, request,
                                                 &retry.cancelled);
          }
          return redemption_->Redeem(
              &context,
              MakeRedeemRequest(code, scheme_.venue_id, operation.terminal_id,
                                operation.request_id),
              &retry.redeemed);
        });
    ASSERT_TRUE(status.ok())
        << operation.request_id << ": " << status.error_message();
    if (operation.acknowledged) {
      if (operation.cancel) {
        EXPECT_TRUE(retry.cancelled.replayed()) << operation.request_id;
        EXPECT_EQ(retry.cancelled.result(), operation.cancelled.result())
            << operation.request_id;
      } else {
        EXPECT_TRUE(retry.redeemed.replayed()) << operation.request_id;
        EXPECT_EQ(retry.redeemed.result(), operation.redeemed.result())
            << operation.request_id;
        EXPECT_EQ(retry.redeemed.redemption().SerializeAsString(),
                  operation.redeemed.redemption().SerializeAsString())
            << operation.request_id;
      }
      // Already applied to the ledger when it was answered.
      absl::MutexLock lock(&ledger_.mu);
      ledger_.operations.push_back(std::move(operation));
      continue;
    }
    // A lost redemption of a fresh pass: it was done before the crash
    // (replayed) or is done now, never refused as already redeemed.
    EXPECT_TRUE(operation.cancel ||
                retry.redeemed.result() == v1::REDEEM_RESULT_REDEEMED)
        << operation.request_id << ": " << retry.redeemed.message();
    retry.acknowledged = true;
    Acknowledge(std::move(retry));
  }

  // The passes of the round stand as the ledger says.
  std::vector<std::pair<size_t, std::optional<v1::Redemption>>> expected;
  {
    absl::MutexLock lock(&ledger_.mu);
    for (size_t i = first_operation; i < ledger_.operations.size(); ++i) {
      const size_t pass = ledger_.operations[i].pass;
      expected.emplace_back(pass, ledger_.standing[pass]);
    }
  }
  for (const auto& [pass, standing] : expected) {
    v1::CheckPassRequest check;
    check.set_code(scheme_.codes[pass]);
    v1::CheckPassResponse state;
    const grpc::Status status =
        RetryWhileUnavailable("CheckPass", [&](grpc::ClientContext& context) {
          return redemption_->CheckPass(&context, check, &state);
        });
    ASSERT_TRUE(status.ok())
        << scheme_.codes[pass] << ": " << status.error_message();
    // Redeemed, then claimed in a closed batch, then paid.
    const bool redeemed = state.state() == v1::PASS_STATE_REDEEMED ||
                          state.state() == v1::PASS_STATE_CLAIMED ||
                          state.state() == v1::PASS_STATE_PAID;
    if (standing) {
      EXPECT_TRUE(redeemed)
          << scheme_.codes[pass] << " is " << v1::PassState_Name(state.state());
      EXPECT_EQ(state.redemption().SerializeAsString(),
                standing->SerializeAsString())
          << scheme_.codes[pass];
    } else {
      EXPECT_FALSE(redeemed)
          << scheme_.codes[pass] << " is " << v1::PassState_Name(state.state());
    }
  }

  // Batches the mandatary saw closed or paid are still so.
  std::vector<v1::ClaimBatch> closed, paid;
  {
    absl::MutexLock lock(&ledger_.mu);
    closed = ledger_.closed;
    paid = ledger_.paid;
  }
  auto get_batch = [&](uint64_t id) {
    v1::BatchRef ref;
    ref.set_batch_id(id);
    v1::ClaimBatch batch;
    const grpc::Status status =
        RetryWhileUnavailable("GetBatch", [&](grpc::ClientContext& context) {
          return clearing_->GetBatch(&context, ref, &batch);
        });
    EXPECT_TRUE(status.ok()) << id << ": " << status.error_message();
    return batch;
  };
  for (const v1::ClaimBatch& seen : closed) {
    const v1::ClaimBatch now = get_batch(seen.batch_id());
    EXPECT_TRUE(now.status() == v1::BATCH_STATUS_CLOSED ||
                now.status() == v1::BATCH_STATUS_PAID)
        << seen.batch_id();
    EXPECT_EQ(now.line_count(), seen.line_count()) << seen.batch_id();
    EXPECT_EQ(now.total_cents(), seen.total_cents()) << seen.batch_id();
  }
  for (const v1::ClaimBatch& seen : paid) {
    const v1::ClaimBatch now = get_batch(seen.batch_id());
    EXPECT_EQ(now.status(), v1::BATCH_STATUS_PAID) << seen.batch_id();
    EXPECT_EQ(now.payment_reference(), seen.payment_reference());
    EXPECT_EQ(now.amount_paid_cents(), seen.amount_paid_cents());
  }

  // The whole store agrees with itself: one claim line per redeemed pass.
  ExpectReconciled(*clearing_);
}

TEST_F(CrashCampaignTest, AcknowledgedWorkSurvivesKillsAndPowerCuts) {
  const int kills = RoundsFromEnvironment("PASSCLEAR_CRASH_KILLS", 4);
  const int power_cuts = RoundsFromEnvironment("PASSCLEAR_POWER_CUTS", 3);
  // Every start runs under the shim: a power cut needs the syncs of the
  // files written before it.
  ASSERT_NO_FATAL_FAILURE(StartServer(/*power_cut=*/true));
  ASSERT_NO_FATAL_FAILURE(SetUpScheme(kills + power_cuts));
  // Kills and power cuts in a random order.
  std::vector<bool> rounds(kills, false);
  rounds.insert(rounds.end(), power_cuts, true);
  std::shuffle(rounds.begin(), rounds.end(), random_);
  size_t acknowledged = 0;
  size_t settled = 0;
  for (size_t round = 0; round < rounds.size(); ++round) {
    const bool power_cut = rounds[round];
    size_t first_operation;
    {
      absl::MutexLock lock(&ledger_.mu);
      first_operation = ledger_.operations.size();
    }
    ASSERT_NO_FATAL_FAILURE(RunRoundAndCrash(round, power_cut));
    {
      absl::MutexLock lock(&ledger_.mu);
      for (size_t i = first_operation; i < ledger_.operations.size(); ++i) {
        (ledger_.operations[i].acknowledged ? acknowledged : settled)++;
      }
    }
    ASSERT_NO_FATAL_FAILURE(StartServer(/*power_cut=*/true));
    ASSERT_NO_FATAL_FAILURE(VerifyAfterRestart(first_operation));
    if (HasFailure()) {
      FAIL() << "round " << round << (power_cut ? " (power cut)" : " (kill)");
    }
  }
  std::cout << "crash campaign: " << kills << " kills and " << power_cuts
            << " power cuts survived; " << acknowledged
            << " acknowledged answers kept, " << settled
            << " unanswered requests settled on retry, " << bytes_dropped_
            << " unsynced bytes dropped\n";
  EXPECT_GT(acknowledged, 0u);
}

}  // namespace
}  // namespace passclear::testing
