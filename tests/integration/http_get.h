// A minimal HTTP/1.0 GET over loopback, for the tests that read /metrics
// and Prometheus's HTTP API (no HTTP client library is needed for that).
#ifndef PASSCLEAR_TESTS_INTEGRATION_HTTP_GET_H_
#define PASSCLEAR_TESTS_INTEGRATION_HTTP_GET_H_

#include <string>

#include "absl/status/statusor.h"

namespace passclear::testing {

// The body of GET http://`host_port``path_and_query`; an error unless the
// status is 200.
[[nodiscard]] absl::StatusOr<std::string> HttpGet(
    const std::string& host_port, const std::string& path_and_query);

}  // namespace passclear::testing

#endif  // PASSCLEAR_TESTS_INTEGRATION_HTTP_GET_H_
