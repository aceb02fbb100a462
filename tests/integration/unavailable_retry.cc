#include "tests/integration/unavailable_retry.h"

#include <algorithm>
#include <iostream>
#include <string>

#include "absl/random/distributions.h"
#include "absl/random/random.h"
#include "absl/strings/str_cat.h"

namespace passclear::testing {
namespace {

grpc::Status StillUnavailable(absl::string_view what, int attempts,
                              absl::string_view last_unavailable) {
  return grpc::Status(
      grpc::StatusCode::DEADLINE_EXCEEDED,
      absl::StrCat(what, ": the server was still unavailable at the deadline (",
                   attempts,
                   " attempts; the last UNAVAILABLE: ", last_unavailable, ")"));
}

}  // namespace

grpc::Status RetryWhileUnavailable(
    absl::string_view what,
    absl::FunctionRef<grpc::Status(grpc::ClientContext&)> call,
    absl::Time deadline, const absl::Notification* server_stopped) {
  absl::BitGen random;
  absl::Duration backoff = absl::Milliseconds(20);
  std::string last_unavailable;
  for (int attempt = 1;; ++attempt) {
    grpc::Status status;
    {
      grpc::ClientContext context;
      context.set_deadline(absl::ToChronoTime(deadline));
      status = call(context);
    }
    if (attempt > 1 &&
        status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
      return StillUnavailable(what, attempt, last_unavailable);
    }
    if (status.error_code() != grpc::StatusCode::UNAVAILABLE) return status;
    last_unavailable = status.error_message();
    if (server_stopped != nullptr && server_stopped->HasBeenNotified()) {
      return status;
    }
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      return StillUnavailable(what, attempt, last_unavailable);
    }
    std::cerr << "retrying " << what << " (attempt " << attempt
              << " answered UNAVAILABLE: " << last_unavailable << ")\n";
    // Full jitter, as the terminal client does: callers cut off together
    // must not come back together.
    const absl::Duration pause =
        std::min(backoff * absl::Uniform(random, 0.5, 1.0), left);
    if (server_stopped != nullptr) {
      if (server_stopped->WaitForNotificationWithTimeout(pause)) return status;
    } else {
      absl::SleepFor(pause);
    }
    backoff = std::min(backoff * 2, absl::Seconds(1));
  }
}

}  // namespace passclear::testing
