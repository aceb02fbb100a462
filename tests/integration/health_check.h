// Asks the gRPC health service of a server for its overall status, without
// generated stubs (Debian ships no grpc/health/v1/health.proto): the
// request is the empty message, the answer one varint field.
#ifndef PASSCLEAR_TESTS_INTEGRATION_HEALTH_CHECK_H_
#define PASSCLEAR_TESTS_INTEGRATION_HEALTH_CHECK_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/channel.h"

namespace passclear::testing {

// "SERVING", "NOT_SERVING", or the call's error.
absl::StatusOr<std::string> HealthStatus(
    const std::shared_ptr<grpc::Channel>& channel);

}  // namespace passclear::testing

#endif  // PASSCLEAR_TESTS_INTEGRATION_HEALTH_CHECK_H_
