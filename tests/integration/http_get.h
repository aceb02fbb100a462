// A minimal HTTP/1.0 GET over loopback, for the tests that read /metrics
// and Prometheus's HTTP API (no HTTP client library is needed for that),
// and the raw TCP connection beneath it, for tests that hold a server's
// connection open the way a stalled or hostile client would.
//
//   absl::StatusOr<TcpConnection> idle = TcpConnection::Open(address);
//   absl::StatusOr<std::string> page =
//       HttpGet(address, "/metrics", absl::Seconds(5));
#ifndef PASSCLEAR_TESTS_INTEGRATION_HTTP_GET_H_
#define PASSCLEAR_TESTS_INTEGRATION_HTTP_GET_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace passclear::testing {

// A TCP connection to an IPv4 "host:port", closed when destroyed. It does
// nothing by itself: held silent, it is a client that connected and says
// nothing; after Send() of part of a request, one that never finishes it.
class TcpConnection {
 public:
  [[nodiscard]] static absl::StatusOr<TcpConnection> Open(
      const std::string& host_port);

  TcpConnection(TcpConnection&& other) noexcept;
  TcpConnection& operator=(TcpConnection&& other) noexcept;
  TcpConnection(const TcpConnection&) = delete;
  TcpConnection& operator=(const TcpConnection&) = delete;
  ~TcpConnection();

  [[nodiscard]] absl::Status Send(absl::string_view bytes);
  // Everything the peer sends until it closes the connection; an error if
  // it has not closed it by `deadline`.
  [[nodiscard]] absl::StatusOr<std::string> ReadUntilClosed(
      absl::Time deadline);

 private:
  explicit TcpConnection(int fd) : fd_(fd) {}

  int fd_;
};

// The body of GET http://`host_port``path_and_query`; an error unless the
// status is 200, or if the whole answer has not arrived within `timeout`
// (so that a server that stalls fails a test instead of hanging it).
[[nodiscard]] absl::StatusOr<std::string> HttpGet(
    const std::string& host_port, const std::string& path_and_query,
    absl::Duration timeout = absl::Seconds(60));

}  // namespace passclear::testing

#endif  // PASSCLEAR_TESTS_INTEGRATION_HTTP_GET_H_
