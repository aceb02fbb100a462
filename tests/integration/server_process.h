// Starts the real passclear-server binary for integration tests: a fresh
// temporary data directory, a free loopback port, and generated stubs to
// talk to it.
//
//   ServerProcess server = ServerProcess::Start(data_dir);
//   auto stub = passclear::v1::RedemptionService::NewStub(server.Channel());
//   server.Kill(SIGKILL);  // or Stop() for SIGTERM and a clean exit
//
// The destructor kills a server still running, so a failing test leaks no
// process.
#ifndef PASSCLEAR_TESTS_INTEGRATION_SERVER_PROCESS_H_
#define PASSCLEAR_TESTS_INTEGRATION_SERVER_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "grpcpp/channel.h"
#include "tests/integration/test_credentials.h"

namespace passclear::testing {

// A new empty directory under $TEST_TMPDIR or /tmp, removed by the caller.
std::string MakeTempDir();

class ServerProcess {
 public:
  // Starts the server on `data_dir` with --demo_data=false plus `flags`, and
  // waits until it accepts connections (plaintext ones unless `flags` turn
  // TLS on; the credentials are then left to the test). Fails the test
  // (ADD_FAILURE) and returns a stopped process if it does not start within 30
  // s. `environment` ("NAME=value") is added to the server's environment.
  static ServerProcess Start(const std::string& data_dir,
                             const std::vector<std::string>& flags = {},
                             const std::vector<std::string>& environment = {});

  // Runs the server binary to completion with `flags` and returns its exit
  // status and what it wrote to stderr: for start-up failures.
  struct Exit {
    int exit_code;
    std::string stderr_text;
  };
  static Exit RunToExit(const std::vector<std::string>& flags);

  ServerProcess(ServerProcess&& other) noexcept;
  ServerProcess& operator=(ServerProcess&&) = delete;
  ServerProcess(const ServerProcess&) = delete;
  ~ServerProcess();

  bool running() const { return pid_ > 0; }
  // For signals a test sends itself (SIGSTOP, SIGCONT).
  pid_t pid() const { return pid_; }
  const std::string& address() const { return address_; }
  // Where /metrics is served (host:port).
  const std::string& metrics_address() const { return metrics_address_; }
  // Calls on it carry the credential their method needs (see
  // test_credentials.h): admin, mandatary, or the request's terminal.
  std::shared_ptr<grpc::Channel> Channel() const;
  // Calls on it carry no credential.
  std::shared_ptr<grpc::Channel> PlainChannel() const;
  TestCredentials& credentials() const { return *credentials_; }

  // Sends `signal` and waits for the process; returns its exit code, or
  // 128 + signal when a signal ended it.
  int Kill(int signal);
  // SIGTERM: the server drains and exits.
  int Stop() { return Kill(15); }

 private:
  ServerProcess() = default;

  pid_t pid_ = -1;
  std::string address_;
  std::string metrics_address_;
  std::shared_ptr<TestCredentials> credentials_;
};

}  // namespace passclear::testing

#endif  // PASSCLEAR_TESTS_INTEGRATION_SERVER_PROCESS_H_
