#include "clients/terminal_enrolment.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "clients/bearer_token.h"
#include "grpcpp/client_context.h"
#include "grpcpp/security/credentials.h"

namespace passclear {
namespace {

constexpr absl::Duration kDeadline = absl::Seconds(10);

std::unique_ptr<grpc::ClientContext> NewContext() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + kDeadline));
  return context;
}

absl::Status CallFailed(const std::string& instance, const char* call,
                        const grpc::Status& status) {
  // gRPC and Abseil share their status code numbering.
  return absl::Status(
      static_cast<absl::StatusCode>(status.error_code()),
      absl::StrCat(instance, ": ", call, ": ", status.error_message()));
}

}  // namespace

TerminalEnrolment::TerminalEnrolment(const storage::PartitionMap& partitions,
                                     std::string admin_token)
    : admin_token_(std::move(admin_token)) {
  for (const storage::PartitionInstance& instance : partitions.instances()) {
    // No token on the channel: ActivateTerminal proves who calls with its
    // activation code, EnrollTerminal gets the admin's token per call.
    instances_.push_back(
        {instance.name,
         v1::IdentityService::NewStub(CreateChannelWithToken(
             instance.address, grpc::InsecureChannelCredentials(),
             grpc::ChannelArguments(), /*token=*/""))});
  }
}

absl::StatusOr<std::string> TerminalEnrolment::Enrol(
    const std::string& terminal_id, uint64_t venue_id) {
  std::string token;
  for (const Instance& instance : instances_) {
    v1::EnrollTerminalRequest enrol;
    enrol.set_terminal_id(terminal_id);
    enrol.set_venue_id(venue_id);
    v1::EnrollTerminalResponse enrolled;
    std::unique_ptr<grpc::ClientContext> enrol_context = NewContext();
    AddBearerToken(*enrol_context, admin_token_);
    grpc::Status status =
        instance.stub->EnrollTerminal(enrol_context.get(), enrol, &enrolled);
    if (!status.ok()) {
      return CallFailed(instance.name, "EnrollTerminal", status);
    }
    v1::ActivateTerminalRequest activate;
    activate.set_activation_code(enrolled.activation_code());
    v1::CredentialIssued issued;
    status =
        instance.stub->ActivateTerminal(NewContext().get(), activate, &issued);
    if (!status.ok()) {
      return CallFailed(instance.name, "ActivateTerminal", status);
    }
    if (!token.empty() && issued.token() != token) {
      return absl::FailedPreconditionError(absl::StrCat(
          instance.name, " issued terminal ", terminal_id,
          " another token than the instances before it: their identities "
          "diverged (a command given to some instances only?)"));
    }
    token = issued.token();
  }
  return token;
}

}  // namespace passclear
