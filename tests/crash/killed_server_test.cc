// The harness's own calls against a server the test kills under them. The
// crash campaign kills the server at random moments, sometimes while a
// call is still fetching its credential (creating the mandatary's account
// before its first AcknowledgeBatch, enrolling a terminal before its first
// Redeem). That credential call failing is the kill working, not the
// product failing: the call that needed it fails UNAVAILABLE like any call
// cut off by the kill, and the test goes on.
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "gtest/gtest.h"
#include "passclear/v1/clearing.grpc.pb.h"
#include "tests/integration/server_process.h"

namespace passclear::testing {
namespace {

TEST(KilledServerTest, CredentialCallCutShortByAKillFailsOnlyItsCall) {
  const std::string temp_dir = MakeTempDir();
  ServerProcess server = ServerProcess::Start(temp_dir + "/data");
  ASSERT_TRUE(server.running());
  auto clearing = v1::ClearingService::NewStub(server.Channel());
  // Frozen, the server holds the mandatary account's creation (the first
  // mandatary call's credential) until the kill, whenever the caller's
  // thread gets to it.
  ASSERT_EQ(kill(server.pid(), SIGSTOP), 0);
  grpc::Status acknowledged;
  std::thread mandatary([&] {
    v1::AcknowledgeBatchRequest pay;
    pay.set_batch_id(1);
    v1::ClaimBatch paid;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(30));
    acknowledged = clearing->AcknowledgeBatch(&context, pay, &paid);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(server.Kill(SIGKILL), 128 + SIGKILL);
  mandatary.join();
  EXPECT_EQ(acknowledged.error_code(), grpc::StatusCode::UNAVAILABLE)
      << acknowledged.error_message();
  std::filesystem::remove_all(temp_dir);
}

}  // namespace
}  // namespace passclear::testing
