#include "tests/integration/test_credentials.h"

#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "clients/bearer_token.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/support/client_interceptor.h"
#include "gtest/gtest.h"
#include "tests/integration/unavailable_retry.h"

namespace passclear::testing {
namespace {

grpc::ChannelArguments SeparateConnection() {
  grpc::ChannelArguments arguments;
  // A fresh connection per channel, so that tests using several channels
  // really spread over several connections.
  arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return arguments;
}

// The methods a terminal calls, with its terminal id and venue in the
// request.
bool IsTerminalMethod(absl::string_view method) {
  return absl::StartsWith(method, "/passclear.v1.RedemptionService/") &&
         method != "/passclear.v1.RedemptionService/CheckPass";
}

bool IsMandataryMethod(absl::string_view method) {
  return method == "/passclear.v1.ClearingService/AcknowledgeBatch" ||
         method == "/passclear.v1.ClearingService/RejectBatch" ||
         method == "/passclear.v1.ClearingService/ExportCreditTransfers";
}

class AutoCredentialInterceptor final : public grpc::experimental::Interceptor {
 public:
  AutoCredentialInterceptor(TestCredentials& credentials,
                            absl::string_view method)
      : credentials_(credentials), method_(method) {}

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    using grpc::experimental::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      auto* metadata = methods->GetSendInitialMetadata();
      if (metadata->find("authorization") == metadata->end()) {
        // A unary or server-streaming call sends its request in the same
        // batch; a client stream's messages come later (null here).
        const void* message = methods->QueryInterceptionHookPoint(
                                  InterceptionHookPoints::PRE_SEND_MESSAGE)
                                  ? methods->GetSendMessage()
                                  : nullptr;
        const std::string token = credentials_.TokenFor(
            method_, static_cast<const google::protobuf::Message*>(message));
        if (!token.empty()) {
          metadata->emplace("authorization", absl::StrCat("Bearer ", token));
        }
      }
    }
    methods->Proceed();
  }

 private:
  TestCredentials& credentials_;
  const std::string method_;
};

class AutoCredentialFactory final
    : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit AutoCredentialFactory(std::shared_ptr<TestCredentials> credentials)
      : credentials_(std::move(credentials)) {}

  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo* info) override {
    return new AutoCredentialInterceptor(*credentials_, info->method());
  }

 private:
  const std::shared_ptr<TestCredentials> credentials_;
};

// The value of a request's field `name`, if it has one of that type.
uint64_t VenueOf(const google::protobuf::Message& request) {
  const auto* field = request.GetDescriptor()->FindFieldByName("venue_id");
  if (field == nullptr ||
      field->type() != google::protobuf::FieldDescriptor::TYPE_UINT64) {
    return 0;
  }
  return request.GetReflection()->GetUInt64(request, field);
}

std::string TerminalOf(const google::protobuf::Message& request) {
  const auto* field = request.GetDescriptor()->FindFieldByName("terminal_id");
  if (field == nullptr ||
      field->type() != google::protobuf::FieldDescriptor::TYPE_STRING) {
    return "";
  }
  return request.GetReflection()->GetString(request, field);
}

}  // namespace

TestCredentials::TestCredentials(const std::string& address,
                                 const std::string& data_dir) {
  absl::StatusOr<std::string> token = ReadTokenFile(data_dir + "/admin-token");
  EXPECT_TRUE(token.ok()) << token.status();
  admin_token_ = token.value_or("");
  identities_ = v1::IdentityService::NewStub(
      CreateChannelWithToken(address, grpc::InsecureChannelCredentials(),
                             SeparateConnection(), admin_token_));
}

std::string TestCredentials::TerminalToken(const std::string& terminal_id,
                                           uint64_t venue_id) {
  absl::MutexLock lock(&mu_);
  if (const auto found = terminals_.find(terminal_id);
      found != terminals_.end()) {
    return found->second.token;
  }
  if (server_stopped_.HasBeenNotified()) return "";
  // Enrolled again after a lost answer: a new enrolment replaces the
  // activation code or credential the first one may have issued.
  bool enrolled = false;
  v1::CredentialIssued issued;
  const grpc::Status status = RetryWhileUnavailable(
      absl::StrCat("enrolling terminal ", terminal_id),
      [&](grpc::ClientContext& enrol_context) {
        v1::EnrollTerminalRequest enrol;
        enrol.set_terminal_id(terminal_id);
        enrol.set_venue_id(venue_id);
        v1::EnrollTerminalResponse enrolment;
        grpc::Status answer =
            identities_->EnrollTerminal(&enrol_context, enrol, &enrolment);
        enrolled = answer.ok();
        if (!enrolled) return answer;
        v1::ActivateTerminalRequest activate;
        activate.set_activation_code(enrolment.activation_code());
        grpc::ClientContext activate_context;
        activate_context.set_deadline(enrol_context.deadline());
        return identities_->ActivateTerminal(&activate_context, activate,
                                             &issued);
      },
      absl::Now() + kServerComesBackWithin, &server_stopped_);
  if (!status.ok()) {
    // A refused enrolment is an answer the bad-request tests want to see
    // from the call itself; a refused activation is not.
    EXPECT_TRUE(server_stopped_.HasBeenNotified() ||
                (!enrolled &&
                 status.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED))
        << status.error_message();
    return "";
  }
  terminals_[terminal_id] = {venue_id, issued.token()};
  if (any_terminal_token_.empty()) any_terminal_token_ = issued.token();
  return issued.token();
}

grpc::Status TestCredentials::IssueAccount(
    absl::FunctionRef<std::string()> name, v1::Role role, uint64_t venue_id,
    v1::CredentialIssued& issued) {
  return RetryWhileUnavailable(
      "CreateAccount",
      [&](grpc::ClientContext& context) {
        v1::CreateAccountRequest request;
        request.set_name(name());
        request.set_role(role);
        request.set_venue_id(venue_id);
        return identities_->CreateAccount(&context, request, &issued);
      },
      absl::Now() + kServerComesBackWithin, &server_stopped_);
}

std::string TestCredentials::CreateAccount(const std::string& name,
                                           v1::Role role, uint64_t venue_id) {
  v1::CredentialIssued issued;
  const grpc::Status status =
      IssueAccount([&name] { return name; }, role, venue_id, issued);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return issued.token();
}

std::string TestCredentials::MandataryToken() {
  {
    absl::MutexLock lock(&mu_);
    if (!mandatary_token_.empty()) return mandatary_token_;
  }
  if (server_stopped_.HasBeenNotified()) return "";
  // A restarted server keeps the accounts of its store: each set of
  // credentials, and each attempt (its answer may have been lost after the
  // account was made), creates its own.
  v1::CredentialIssued issued;
  const grpc::Status status = IssueAccount(
      [] {
        return absl::StrCat("test-mandatary-", absl::ToUnixMicros(absl::Now()));
      },
      v1::ROLE_MANDATARY, /*venue_id=*/0, issued);
  if (!status.ok()) {
    EXPECT_TRUE(server_stopped_.HasBeenNotified()) << status.error_message();
    return "";
  }
  absl::MutexLock lock(&mu_);
  mandatary_token_ = issued.token();
  return issued.token();
}

std::string TestCredentials::TokenFor(
    absl::string_view method, const google::protobuf::Message* request) {
  if (IsMandataryMethod(method)) return MandataryToken();
  if (!IsTerminalMethod(method)) return admin_token_;
  if (request != nullptr) {
    std::string token = TerminalToken(TerminalOf(*request), VenueOf(*request));
    if (!token.empty()) return token;
  }
  absl::MutexLock lock(&mu_);
  return any_terminal_token_;
}

std::shared_ptr<grpc::Channel> CreateAutoCredentialChannel(
    const std::string& address, std::shared_ptr<TestCredentials> credentials) {
  std::vector<
      std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(
      std::make_unique<AutoCredentialFactory>(std::move(credentials)));
  return grpc::experimental::CreateCustomChannelWithInterceptors(
      address, grpc::InsecureChannelCredentials(), SeparateConnection(),
      std::move(interceptors));
}

std::shared_ptr<grpc::Channel> CreatePlainChannel(const std::string& address) {
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(),
                                   SeparateConnection());
}

}  // namespace passclear::testing
