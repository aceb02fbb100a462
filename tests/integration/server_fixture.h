// A test fixture running the real passclear-server on a fresh data
// directory, with stubs for both services and a small scheme set up.
#ifndef PASSCLEAR_TESTS_INTEGRATION_SERVER_FIXTURE_H_
#define PASSCLEAR_TESTS_INTEGRATION_SERVER_FIXTURE_H_

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "gtest/gtest.h"
#include "passclear/v1/admin.grpc.pb.h"
#include "passclear/v1/redemption.grpc.pb.h"
#include "tests/integration/scheme_setup.h"
#include "tests/integration/server_process.h"

namespace passclear::testing {

class ServerFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    temp_dir_ = MakeTempDir();
    data_dir_ = temp_dir_ + "/data";
    StartServer();
    scheme_ = SetUpScheme(*admin_, /*booklets=*/3);
    // Terminal T-1 of the scheme's venue: the credential of requests that
    // name no valid terminal (see TestCredentials::TokenFor).
    ASSERT_FALSE(
        server_->credentials().TerminalToken("T-1", scheme_.venue_id).empty());
  }

  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(temp_dir_);
  }

  void StartServer(const std::vector<std::string>& flags = {}) {
    server_.emplace(ServerProcess::Start(data_dir_, flags));
    ASSERT_TRUE(server_->running());
    redemption_ = v1::RedemptionService::NewStub(server_->Channel());
    admin_ = v1::AdminService::NewStub(server_->Channel());
  }

  // SIGTERM, once the test's own connections are closed: an idle connection
  // holds gRPC's graceful shutdown for about 5 s (its GOAWAY ping goes
  // unanswered by a client that is not polling). Returns the exit code.
  int StopServer() {
    redemption_.reset();
    admin_.reset();
    return server_->Stop();
  }

  v1::RedeemResponse Redeem(const v1::RedeemRequest& request,
                            grpc::Status* status_out = nullptr) {
    v1::RedeemResponse response;
    grpc::ClientContext context;
    grpc::Status status = redemption_->Redeem(&context, request, &response);
    if (status_out != nullptr) {
      *status_out = status;
    } else {
      EXPECT_TRUE(status.ok()) << status.error_message();
    }
    return response;
  }

  std::string temp_dir_;
  std::string data_dir_;
  std::optional<ServerProcess> server_;
  std::unique_ptr<v1::RedemptionService::Stub> redemption_;
  std::unique_ptr<v1::AdminService::Stub> admin_;
  Scheme scheme_;
};

}  // namespace passclear::testing

#endif  // PASSCLEAR_TESTS_INTEGRATION_SERVER_FIXTURE_H_
