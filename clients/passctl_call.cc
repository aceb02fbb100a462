#include "clients/passctl_call.h"

#include <iostream>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/time/clock.h"

ABSL_FLAG(std::string, server, "127.0.0.1:50051", "passclear-server address");
ABSL_FLAG(bool, json, false, "print answers as JSON");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(10), "deadline of the call");

namespace passclear::passctl {

int UsageError(const std::string& message) {
  std::cerr << "passctl: " << message << "\n";
  return kUsage;
}

int CallFailed(const grpc::Status& status) {
  // gRPC and Abseil share their status code numbering.
  std::cerr << "passctl: call failed: "
            << absl::StatusCodeToString(
                   static_cast<absl::StatusCode>(status.error_code()))
            << ": " << status.error_message() << "\n";
  return kCallFailed;
}

std::shared_ptr<grpc::Channel> Connect() {
  grpc::ChannelArguments arguments;
  // Credit transfer files and code exports can be large.
  arguments.SetMaxReceiveMessageSize(64 << 20);
  return grpc::CreateCustomChannel(absl::GetFlag(FLAGS_server),
                                   grpc::InsecureChannelCredentials(),
                                   arguments);
}

std::unique_ptr<grpc::ClientContext> NewContext() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(
      absl::ToChronoTime(absl::Now() + absl::GetFlag(FLAGS_timeout)));
  return context;
}

}  // namespace passclear::passctl
