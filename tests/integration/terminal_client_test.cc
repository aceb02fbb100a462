// The terminal client library against the real server: a redemption, its
// replay, retries that outlast a frozen server without redeeming twice, and
// the offline queue: scans kept on disk while the server is down, uploaded
// with their scan times once it is back, refusals reported.
#include "clients/terminal_client.h"

#include <signal.h>

#include <memory>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "passclear/v1/admin.grpc.pb.h"
#include "tests/integration/server_fixture.h"

namespace passclear {
namespace {

// The fixture's server, and its scheme of 3 booklets and one venue.
class TerminalClientTest : public testing::ServerFixture {
 protected:
  TerminalClientOptions Options(const std::string& terminal_id) {
    return {.partitions =
                storage::PartitionMap::SingleInstance(server_->address(), 16),
            .token = server_->credentials().TerminalToken(terminal_id,
                                                          scheme_.venue_id),
            .venue_id = scheme_.venue_id,
            .terminal_id = terminal_id,
            .deadline = absl::Seconds(2),
            .initial_backoff = absl::Milliseconds(20)};
  }

  std::unique_ptr<TerminalClient> Client(TerminalClientOptions options) {
    absl::StatusOr<std::unique_ptr<TerminalClient>> client =
        TerminalClient::Create(std::move(options));
    EXPECT_TRUE(client.ok()) << client.status();
    return client.ok() ? *std::move(client) : nullptr;
  }

  int64_t Redeemed() {
    grpc::ClientContext context;
    v1::ProgrammeRef ref;
    ref.set_programme_id(scheme_.programme_id);
    v1::ProgrammeUsage usage;
    EXPECT_TRUE(admin_->GetProgrammeUsage(&context, ref, &usage).ok());
    return usage.redeemed();
  }
};

TEST_F(TerminalClientTest, RedeemsChecksCancelsAndReplays) {
  std::unique_ptr<TerminalClient> client = Client(Options("desk-1"));
  ASSERT_NE(client, nullptr);
  // After the terminal's enrolment, to the second.
  const absl::Time scanned_at =
      absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()) + 1);
  const std::string request_id = TerminalClient::NewRequestId();
  absl::StatusOr<ScanOutcome> first =
      client->Redeem(scheme_.codes[0], scanned_at, request_id);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_FALSE(first->queued);
  EXPECT_EQ(first->answer.result(), v1::REDEEM_RESULT_REDEEMED)
      << first->answer.message();
  // The same request again (a retry after a lost answer): replayed.
  absl::StatusOr<ScanOutcome> retry =
      client->Redeem(scheme_.codes[0], scanned_at, request_id);
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_TRUE(retry->answer.replayed());
  EXPECT_EQ(retry->answer.result(), v1::REDEEM_RESULT_REDEEMED);
  // The pass scanned again: a new request, refused.
  absl::StatusOr<ScanOutcome> again = client->Redeem(scheme_.codes[0]);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->answer.result(), v1::REDEEM_RESULT_ALREADY_REDEEMED);
  EXPECT_EQ(again->answer.redemption().terminal_id(), "desk-1");

  absl::StatusOr<v1::CheckPassResponse> check = client->Check(scheme_.codes[0]);
  ASSERT_TRUE(check.ok()) << check.status();
  EXPECT_EQ(check->state(), v1::PASS_STATE_REDEEMED);
  EXPECT_EQ(check->redemption().scanned_at().seconds(),
            absl::ToUnixSeconds(scanned_at));

  absl::StatusOr<v1::CancelRedemptionResponse> cancel =
      client->Cancel(scheme_.codes[0]);
  ASSERT_TRUE(cancel.ok()) << cancel.status();
  EXPECT_EQ(cancel->result(), v1::CANCEL_RESULT_CANCELLED) << cancel->message();
  EXPECT_EQ(Redeemed(), 0);

  // A misread code never leaves the terminal: the message says what is
  // wrong, as the server's would.
  absl::StatusOr<ScanOutcome> misread = client->Redeem("12345");
  ASSERT_FALSE(misread.ok());
  EXPECT_EQ(misread.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(misread.status().message().substr(0, 6), "code: ");
}

TEST_F(TerminalClientTest, RetriesOutlastAFrozenServerWithoutRedeemingTwice) {
  TerminalClientOptions options = Options("desk-1");
  options.deadline = absl::Milliseconds(300);
  options.max_attempts = 20;
  options.max_backoff = absl::Milliseconds(200);
  std::unique_ptr<TerminalClient> client = Client(std::move(options));
  ASSERT_NE(client, nullptr);
  // Frozen: connections stay open, no answer comes; the first attempts
  // reach their deadline while the requests wait in the kernel's buffers.
  ASSERT_EQ(kill(server_->pid(), SIGSTOP), 0);
  std::thread thaw([pid = server_->pid()] {
    absl::SleepFor(absl::Seconds(1.5));
    kill(pid, SIGCONT);
  });
  absl::StatusOr<ScanOutcome> outcome = client->Redeem(scheme_.codes[1]);
  thaw.join();
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_FALSE(outcome->queued);
  // Whether an earlier attempt was decided first (the answer is then a
  // replay) or not, the pass is redeemed once, and this request's answer
  // says so.
  EXPECT_EQ(outcome->answer.result(), v1::REDEEM_RESULT_REDEEMED)
      << outcome->answer.message();
  EXPECT_EQ(Redeemed(), 1);
}

TEST_F(TerminalClientTest, QueuesScansOfflineAndUploadsThemWithTheirTimes) {
  const std::string queue_dir = temp_dir_ + "/desk-1-queue";
  TerminalClientOptions options = Options("desk-1");
  options.offline_queue_dir = queue_dir;
  options.max_attempts = 2;
  options.deadline = absl::Milliseconds(500);
  const std::string address = server_->address();
  ASSERT_EQ(StopServer(), 0);

  // The network is down: three scans, each queued on disk.
  std::vector<absl::Time> scanned_at;
  {
    std::unique_ptr<TerminalClient> offline = Client(options);
    ASSERT_NE(offline, nullptr);
    for (int i = 2; i < 5; ++i) {
      // Seconds apart, after desk-1's enrolment.
      scanned_at.push_back(
          absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()) + i - 1));
      absl::StatusOr<ScanOutcome> outcome = offline->Redeem(
          scheme_.codes[i], scanned_at.back(), absl::StrCat("offline-", i));
      ASSERT_TRUE(outcome.ok()) << outcome.status();
      EXPECT_TRUE(outcome->queued);
      EXPECT_EQ(outcome->answer.request_id(), absl::StrCat("offline-", i));
    }
    EXPECT_EQ(offline->QueuedCount(), 3u);
  }

  // The server is back on the same address; meanwhile another terminal
  // redeemed one of the passes.
  ASSERT_NO_FATAL_FAILURE(StartServer({"--listen=" + address}));
  std::unique_ptr<TerminalClient> other = Client(Options("desk-2"));
  ASSERT_NE(other, nullptr);
  absl::StatusOr<ScanOutcome> elsewhere = other->Redeem(scheme_.codes[3]);
  ASSERT_TRUE(elsewhere.ok()) << elsewhere.status();
  ASSERT_EQ(elsewhere->answer.result(), v1::REDEEM_RESULT_REDEEMED);

  // The terminal restarts (a new client reads the queue from disk) and
  // uploads.
  std::unique_ptr<TerminalClient> online = Client(options);
  ASSERT_NE(online, nullptr);
  ASSERT_EQ(online->QueuedCount(), 3u);
  absl::StatusOr<UploadReport> report = online->UploadQueued();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->errors.empty());
  EXPECT_EQ(report->still_queued, 0u);
  ASSERT_EQ(report->answered.size(), 3u);
  const std::vector<UploadedScan> refused = report->Refused();
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].scan.code, scheme_.codes[3]);
  EXPECT_EQ(refused[0].answer.result(), v1::REDEEM_RESULT_ALREADY_REDEEMED);
  EXPECT_EQ(refused[0].answer.redemption().terminal_id(), "desk-2");
  EXPECT_EQ(online->QueuedCount(), 0u);

  // The redeemed ones carry the scan time of the offline scan.
  for (int i : {2, 4}) {
    absl::StatusOr<v1::CheckPassResponse> check =
        online->Check(scheme_.codes[i]);
    ASSERT_TRUE(check.ok()) << check.status();
    EXPECT_EQ(check->redemption().terminal_id(), "desk-1");
    EXPECT_EQ(check->redemption().scanned_at().seconds(),
              absl::ToUnixSeconds(scanned_at[i - 2]));
  }
  EXPECT_EQ(Redeemed(), 3);
  // The queue is empty on disk too (one client per queue folder: the
  // first must be gone before the next opens it).
  online.reset();
  std::unique_ptr<TerminalClient> reopened = Client(options);
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->QueuedCount(), 0u);
}

TEST(TerminalClientOptionsTest, RefusesAClientWithoutVenueOrTerminal) {
  absl::StatusOr<std::unique_ptr<TerminalClient>> client =
      TerminalClient::Create({.terminal_id = "desk-1"});
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.status().message(), "venue_id: required");
  client = TerminalClient::Create({.venue_id = 1});
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.status().message(), "terminal_id: required");
}

}  // namespace
}  // namespace passclear
