// Asks the gRPC health service of a server for its overall status, without
// generated stubs (Debian ships no grpc/health/v1/health.proto): the
// request is the empty message, the answer one varint field.
//
//   absl::StatusOr<std::string> health = HealthStatus(server.Channel());
//   absl::Status ready = WaitUntilServing(channel, absl::Now() + timeout);
#ifndef PASSCLEAR_TESTS_INTEGRATION_HEALTH_CHECK_H_
#define PASSCLEAR_TESTS_INTEGRATION_HEALTH_CHECK_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"

namespace passclear::testing {

// "SERVING", "NOT_SERVING", or the call's error (also when no answer comes
// by `deadline`).
absl::StatusOr<std::string> HealthStatus(
    const std::shared_ptr<grpc::Channel>& channel,
    absl::Time deadline = absl::Now() + absl::Seconds(10));

// Asks again, with a short pause, until the answer is SERVING. A server
// that is not there yet, or NOT_SERVING, is waited for; at `deadline`,
// DEADLINE_EXCEEDED with the last answer.
[[nodiscard]] absl::Status WaitUntilServing(
    const std::shared_ptr<grpc::Channel>& channel, absl::Time deadline);

}  // namespace passclear::testing

#endif  // PASSCLEAR_TESTS_INTEGRATION_HEALTH_CHECK_H_
