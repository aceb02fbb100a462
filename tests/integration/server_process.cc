#include "tests/integration/server_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "tests/integration/child_process.h"
#include "tests/integration/health_check.h"

namespace passclear::testing {
namespace {

pid_t Spawn(const std::vector<std::string>& flags, int stderr_fd,
            const std::vector<std::string>& environment = {}) {
  std::vector<std::string> args;
  if (!environment.empty()) {
    args.push_back("env");
    args.insert(args.end(), environment.begin(), environment.end());
  }
  args.push_back(PASSCLEAR_SERVER_BINARY);
  args.insert(args.end(), flags.begin(), flags.end());
  return SpawnChild(std::move(args), stderr_fd);
}

int ExitCodeOf(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

std::string MakeTempDir() {
  const char* base = std::getenv("TEST_TMPDIR");
  std::string pattern =
      absl::StrCat(base != nullptr ? base : "/tmp", "/passclear-test-XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp failed for " << pattern;
  }
  return pattern;
}

ServerProcess ServerProcess::Start(
    const std::string& data_dir, const std::vector<std::string>& flags,
    const std::vector<std::string>& environment) {
  const std::string port_file = data_dir + ".port";
  const std::string metrics_port_file = data_dir + ".metrics-port";
  std::filesystem::remove(port_file);
  std::filesystem::remove(metrics_port_file);
  // Free ports for both listeners, so that tests run side by side.
  std::vector<std::string> all_flags = {
      absl::StrCat("--data_dir=", data_dir),
      "--listen=127.0.0.1:0",
      absl::StrCat("--port_file=", port_file),
      "--metrics_listen=127.0.0.1:0",
      absl::StrCat("--metrics_port_file=", metrics_port_file),
      "--demo_data=false"};
  all_flags.insert(all_flags.end(), flags.begin(), flags.end());
  const bool serves_tls =
      std::any_of(flags.begin(), flags.end(), [](const std::string& flag) {
        return absl::StartsWith(flag, "--tls_cert_file=");
      });
  ServerProcess server;
  server.pid_ = Spawn(all_flags, -1, environment);
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < deadline) {
    std::ifstream in(port_file);
    int port = 0;
    if (in >> port && port > 0) {
      server.address_ = absl::StrCat("127.0.0.1:", port);
      std::ifstream metrics_in(metrics_port_file);
      int metrics_port = 0;
      if (metrics_in >> metrics_port) {
        server.metrics_address_ = absl::StrCat("127.0.0.1:", metrics_port);
      }
      // The port file is written once the server listens; a plaintext
      // server is also asked for its health, as a load balancer would
      // before sending it traffic.
      if (serves_tls) return server;
      const absl::Status serving =
          WaitUntilServing(server.PlainChannel(), deadline);
      if (!serving.ok()) {
        ADD_FAILURE() << "passclear-server listens on " << server.address_
                      << " but is not serving: " << serving;
        server.Kill(SIGKILL);
        return server;
      }
      server.credentials_ =
          std::make_shared<TestCredentials>(server.address_, data_dir);
      return server;
    }
    int status = 0;
    if (waitpid(server.pid_, &status, WNOHANG) == server.pid_) {
      ADD_FAILURE() << "passclear-server exited during start-up with code "
                    << ExitCodeOf(status);
      server.pid_ = -1;
      return server;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ADD_FAILURE() << "passclear-server did not start within 30 s";
  server.Kill(SIGKILL);
  return server;
}

ServerProcess::Exit ServerProcess::RunToExit(
    const std::vector<std::string>& flags) {
  const std::string log_path = MakeTempDir() + "/stderr.log";
  int fd = open(log_path.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600);
  pid_t pid = Spawn(flags, fd);
  close(fd);
  int status = 0;
  waitpid(pid, &status, 0);
  std::ifstream in(log_path);
  std::stringstream text;
  text << in.rdbuf();
  std::filesystem::remove_all(std::filesystem::path(log_path).parent_path());
  return {ExitCodeOf(status), text.str()};
}

ServerProcess::ServerProcess(ServerProcess&& other) noexcept
    : pid_(other.pid_),
      address_(std::move(other.address_)),
      metrics_address_(std::move(other.metrics_address_)),
      credentials_(std::move(other.credentials_)) {
  other.pid_ = -1;
}

ServerProcess::~ServerProcess() {
  if (running()) Kill(SIGKILL);
}

std::shared_ptr<grpc::Channel> ServerProcess::Channel() const {
  return CreateAutoCredentialChannel(address_, credentials_);
}

std::shared_ptr<grpc::Channel> ServerProcess::PlainChannel() const {
  return CreatePlainChannel(address_);
}

int ServerProcess::Kill(int signal) {
  if (!running()) return -1;
  // Credential calls still retried would wait for a server that is not
  // coming back. Its admin connection would hold a graceful shutdown for
  // seconds (see ServerFixture::StopServer).
  if (credentials_ != nullptr) credentials_->ServerStopped();
  credentials_.reset();
  const int exit_code = StopChild(pid_, signal);
  pid_ = -1;
  return exit_code;
}

}  // namespace passclear::testing
