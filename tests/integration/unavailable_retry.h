// What a client does when the server is not there for a moment (killed and
// being restarted, its connection reset): call again, with backoff, until
// the server answers anything but UNAVAILABLE or a deadline passes. The
// harness makes its own setup and check calls this way, so that a server
// the test has just killed or restarted is not taken for a failing product.
// Only for calls that are safe to repeat: reads, requests carrying a request
// id, enrolments that replace a lost credential.
//
//   v1::CheckPassResponse state;
//   grpc::Status status = RetryWhileUnavailable(
//       "CheckPass", [&](grpc::ClientContext& context) {
//         return stub.CheckPass(&context, request, &state);
//       });
//
// Each attempt gets a fresh context whose deadline is the retry's deadline.
#ifndef PASSCLEAR_TESTS_INTEGRATION_UNAVAILABLE_RETRY_H_
#define PASSCLEAR_TESTS_INTEGRATION_UNAVAILABLE_RETRY_H_

#include "absl/functional/function_ref.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"

namespace passclear::testing {

// How long a restarted server may take to answer again, ASan build and busy
// machine included.
inline constexpr absl::Duration kServerComesBackWithin = absl::Seconds(30);

// The first answer other than UNAVAILABLE. When `deadline` passes first,
// DEADLINE_EXCEEDED naming `what`, the attempts and the last error. When
// `server_stopped` is notified (the test itself stopped the server), the
// last UNAVAILABLE at once: nobody will answer.
[[nodiscard]] grpc::Status RetryWhileUnavailable(
    absl::string_view what,
    absl::FunctionRef<grpc::Status(grpc::ClientContext&)> call,
    absl::Time deadline = absl::Now() + kServerComesBackWithin,
    const absl::Notification* server_stopped = nullptr);

}  // namespace passclear::testing

#endif  // PASSCLEAR_TESTS_INTEGRATION_UNAVAILABLE_RETRY_H_
