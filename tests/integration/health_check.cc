#include "tests/integration/health_check.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"

namespace passclear::testing {

absl::StatusOr<std::string> HealthStatus(
    const std::shared_ptr<grpc::Channel>& channel, absl::Time deadline) {
  grpc::GenericStub stub(channel);
  grpc::Slice empty_message("");
  grpc::ByteBuffer request(&empty_message, 1);
  grpc::ByteBuffer response;
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(deadline));
  grpc::Status status;
  absl::Notification done;
  stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(),
                 &request, &response, [&](grpc::Status result) {
                   status = result;
                   done.Notify();
                 });
  done.WaitForNotification();
  if (!status.ok()) {
    return absl::UnavailableError(
        absl::StrCat("Health/Check: ", status.error_message()));
  }
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (response.Dump(&slices).ok()) {
    for (const grpc::Slice& slice : slices) {
      bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
    }
  }
  // HealthCheckResponse{status = 1}: SERVING 1, NOT_SERVING 2.
  if (bytes == std::string("\x08\x01", 2)) return std::string("SERVING");
  if (bytes == std::string("\x08\x02", 2)) return std::string("NOT_SERVING");
  return absl::DataLossError("Health/Check: unexpected answer");
}

absl::Status WaitUntilServing(const std::shared_ptr<grpc::Channel>& channel,
                              absl::Time deadline) {
  absl::StatusOr<std::string> health = HealthStatus(channel, deadline);
  while (!(health.ok() && *health == "SERVING")) {
    if (absl::Now() + absl::Milliseconds(20) >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("not SERVING in time; the last health answer: ",
                       health.ok() ? *health : health.status().ToString()));
    }
    absl::SleepFor(absl::Milliseconds(20));
    health = HealthStatus(channel, deadline);
  }
  return absl::OkStatus();
}

}  // namespace passclear::testing
