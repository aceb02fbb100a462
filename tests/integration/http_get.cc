#include "tests/integration/http_get.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace passclear::testing {

absl::StatusOr<TcpConnection> TcpConnection::Open(
    const std::string& host_port) {
  const size_t colon = host_port.rfind(':');
  int port = 0;
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(host_port.substr(colon + 1), &port)) {
    return absl::InvalidArgumentError(absl::StrCat("bad address ", host_port));
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host_port.substr(0, colon).c_str(),
                &address.sin_addr) != 1) {
    return absl::InvalidArgumentError(absl::StrCat("bad host ", host_port));
  }
  TcpConnection connection(socket(AF_INET, SOCK_STREAM, 0));
  if (connection.fd_ < 0 ||
      connect(connection.fd_, reinterpret_cast<sockaddr*>(&address),
              sizeof(address)) != 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot connect to ", host_port));
  }
  return connection;
}

TcpConnection::TcpConnection(TcpConnection&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)) {}

TcpConnection& TcpConnection::operator=(TcpConnection&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

TcpConnection::~TcpConnection() {
  if (fd_ >= 0) close(fd_);
}

absl::Status TcpConnection::Send(absl::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return absl::UnavailableError("cannot send");
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> TcpConnection::ReadUntilClosed(
    absl::Time deadline) {
  std::string received;
  char buffer[8192];
  while (true) {
    const int64_t wait_ms =
        std::max<int64_t>(0, absl::ToInt64Milliseconds(deadline - absl::Now()));
    pollfd readable{.fd = fd_, .events = POLLIN, .revents = 0};
    const int ready = poll(&readable, 1, static_cast<int>(wait_ms));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      return absl::DeadlineExceededError(
          absl::StrCat("the peer had not closed the connection in time, ",
                       received.size(), " bytes received"));
    }
    const ssize_t n = read(fd_, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return absl::UnavailableError("cannot read");
    if (n == 0) return received;
    received.append(buffer, static_cast<size_t>(n));
  }
}

absl::StatusOr<std::string> HttpGet(const std::string& host_port,
                                    const std::string& path_and_query,
                                    absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  absl::StatusOr<TcpConnection> connection = TcpConnection::Open(host_port);
  if (!connection.ok()) return connection.status();
  if (absl::Status sent = connection->Send(
          absl::StrCat("GET ", path_and_query, " HTTP/1.0\r\nHost: ", host_port,
                       "\r\n\r\n"));
      !sent.ok()) {
    return sent;
  }
  absl::StatusOr<std::string> response = connection->ReadUntilClosed(deadline);
  if (!response.ok()) return response.status();
  const size_t body = response->find("\r\n\r\n");
  if (body == std::string::npos) {
    return absl::UnavailableError("truncated HTTP response");
  }
  const std::string status_line = response->substr(0, response->find("\r\n"));
  if (!absl::StrContains(status_line, " 200")) {
    return absl::UnavailableError(
        absl::StrCat(status_line, ": ", response->substr(body + 4)));
  }
  return response->substr(body + 4);
}

}  // namespace passclear::testing
