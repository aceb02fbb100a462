#include "clients/passctl_call.h"

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "clients/bearer_token.h"

namespace {

std::string TokenFileFromEnvironment() {
  const char* path = std::getenv("PASSCLEAR_TOKEN_FILE");
  return path == nullptr ? "" : path;
}

}  // namespace

ABSL_FLAG(std::string, server, "127.0.0.1:50051", "passclear-server address");
ABSL_FLAG(bool, json, false, "print answers as JSON");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(10), "deadline of the call");
ABSL_FLAG(std::string, tls_ca_file, "",
          "PEM CA to trust: connect over TLS (plaintext when empty)");
ABSL_FLAG(std::string, tls_cert_file, "",
          "PEM client certificate, for a server requiring mutual TLS");
ABSL_FLAG(std::string, tls_key_file, "", "PEM key of --tls_cert_file");
ABSL_FLAG(std::string, token_file, TokenFileFromEnvironment(),
          "file holding the token every call presents (default: "
          "$PASSCLEAR_TOKEN_FILE; none when empty)");

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

namespace {

// What LoadToken() read; empty until then.
std::string& Token() {
  static auto* token = new std::string;
  return *token;
}

std::string ReadFileOrEmpty(const std::string& path) {
  if (path.empty()) return "";
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::shared_ptr<grpc::ChannelCredentials> Credentials() {
  const std::string ca = absl::GetFlag(FLAGS_tls_ca_file);
  if (ca.empty()) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = ReadFileOrEmpty(ca);
  options.pem_cert_chain = ReadFileOrEmpty(absl::GetFlag(FLAGS_tls_cert_file));
  options.pem_private_key = ReadFileOrEmpty(absl::GetFlag(FLAGS_tls_key_file));
  return grpc::SslCredentials(options);
}

}  // namespace

int LoadToken() {
  const std::string path = absl::GetFlag(FLAGS_token_file);
  if (path.empty()) return kDone;
  absl::StatusOr<std::string> token = ReadTokenFile(path);
  if (!token.ok()) {
    return UsageError(absl::StrCat("--token_file (or PASSCLEAR_TOKEN_FILE): ",
                                   token.status().message()));
  }
  Token() = *std::move(token);
  return kDone;
}

std::shared_ptr<grpc::Channel> Connect() {
  grpc::ChannelArguments arguments;
  // Credit transfer files and code exports can be large.
  arguments.SetMaxReceiveMessageSize(64 << 20);
  return CreateChannelWithToken(absl::GetFlag(FLAGS_server), Credentials(),
                                arguments, Token());
}

std::unique_ptr<grpc::ClientContext> NewContext() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(
      absl::ToChronoTime(absl::Now() + absl::GetFlag(FLAGS_timeout)));
  return context;
}

}  // namespace passclear::passctl
