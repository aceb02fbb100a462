// Transport security of the real server: plaintext beyond loopback is
// refused at start; with TLS a client trusting the CA is served; with
// mutual TLS a client without a certificate is refused, and a client
// certificate naming an enrolled terminal identifies that terminal.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "clients/bearer_token.h"
#include "clients/terminal_client.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "passclear/v1/identity.grpc.pb.h"
#include "passclear/v1/redemption.grpc.pb.h"
#include "tests/integration/scheme_setup.h"
#include "tests/integration/server_process.h"

namespace passclear::testing {
namespace {

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// A CA, a server certificate for 127.0.0.1 and a client certificate, made
// with the openssl command as the README shows.
class TransportSecurityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir();
    const std::string script = absl::StrCat(
        "cd ", dir_, " && ",
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
        "-keyout ca.key -out ca.pem -days 1 -subj /CN=passclear-test-ca && ",
        "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
        "-keyout server.key -out server.csr -subj /CN=127.0.0.1 && ",
        "printf 'subjectAltName=IP:127.0.0.1' > san.ext && ",
        "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key "
        "-CAcreateserial -out server.pem -days 1 -extfile san.ext && ",
        "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
        "-keyout client.key -out client.csr -subj /CN=terminal-T-1 && ",
        "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key "
        "-CAcreateserial -out client.pem -days 1",
        " >/dev/null 2>&1");
    ASSERT_EQ(std::system(script.c_str()), 0) << script;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // What a CheckPass call over `credentials` (with no bearer token) is
  // answered. The code is malformed on purpose: INVALID_ARGUMENT means the
  // caller was identified and admitted; UNAUTHENTICATED that the server was
  // reached but could not tell who calls; UNAVAILABLE that no connection
  // was made.
  grpc::Status CheckPass(
      const ServerProcess& server,
      std::shared_ptr<grpc::ChannelCredentials> credentials) {
    auto stub = v1::RedemptionService::NewStub(
        grpc::CreateChannel(server.address(), credentials));
    v1::CheckPassRequest request;
    request.set_code("1");
    v1::CheckPassResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(5));
    return stub->CheckPass(&context, request, &response);
  }

  std::string dir_;
};

TEST_F(TransportSecurityTest, PlaintextBeyondLoopbackIsRefusedAtStart) {
  ServerProcess::Exit exit = ServerProcess::RunToExit(
      {absl::StrCat("--data_dir=", dir_, "/data"), "--listen=0.0.0.0:0",
       "--metrics_listen=127.0.0.1:0", "--demo_data=false"});
  EXPECT_EQ(exit.exit_code, 2);
  EXPECT_TRUE(absl::StrContains(exit.stderr_text, "--tls_cert_file"))
      << exit.stderr_text;
}

TEST_F(TransportSecurityTest, TlsServesClientsThatTrustItsCa) {
  ServerProcess server = ServerProcess::Start(
      dir_ + "/data", {absl::StrCat("--tls_cert_file=", dir_, "/server.pem"),
                       absl::StrCat("--tls_key_file=", dir_, "/server.key")});
  ASSERT_TRUE(server.running());
  grpc::SslCredentialsOptions trusting;
  trusting.pem_root_certs = ReadText(dir_ + "/ca.pem");
  EXPECT_EQ(CheckPass(server, grpc::SslCredentials(trusting)).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(CheckPass(server, grpc::InsecureChannelCredentials()).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TransportSecurityTest, MutualTlsRefusesClientsWithoutACertificate) {
  ServerProcess server = ServerProcess::Start(
      dir_ + "/data", {absl::StrCat("--tls_cert_file=", dir_, "/server.pem"),
                       absl::StrCat("--tls_key_file=", dir_, "/server.key"),
                       absl::StrCat("--tls_client_ca_file=", dir_, "/ca.pem")});
  ASSERT_TRUE(server.running());
  grpc::SslCredentialsOptions anonymous;
  anonymous.pem_root_certs = ReadText(dir_ + "/ca.pem");
  EXPECT_EQ(CheckPass(server, grpc::SslCredentials(anonymous)).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  grpc::SslCredentialsOptions terminal = anonymous;
  terminal.pem_cert_chain = ReadText(dir_ + "/client.pem");
  terminal.pem_private_key = ReadText(dir_ + "/client.key");
  grpc::Status not_enrolled = CheckPass(server, grpc::SslCredentials(terminal));
  EXPECT_EQ(not_enrolled.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(not_enrolled.error_message(),
            "the client certificate names 'terminal-T-1', which is not an "
            "enrolled terminal");

  // Once an admin enrols the terminal the certificate names, the
  // certificate alone identifies it: no token, no activation.
  absl::StatusOr<std::string> admin_token =
      ReadTokenFile(dir_ + "/data/admin-token");
  ASSERT_TRUE(admin_token.ok()) << admin_token.status();
  auto admin_channel =
      CreateChannelWithToken(server.address(), grpc::SslCredentials(terminal),
                             grpc::ChannelArguments(), *admin_token);
  auto admin = v1::AdminService::NewStub(admin_channel);
  const Scheme scheme = SetUpScheme(*admin, /*booklets=*/1);
  auto identities = v1::IdentityService::NewStub(admin_channel);
  v1::EnrollTerminalRequest enrol;
  enrol.set_terminal_id("terminal-T-1");
  enrol.set_venue_id(scheme.venue_id);
  v1::EnrollTerminalResponse enrolled;
  grpc::ClientContext context;
  ASSERT_TRUE(identities->EnrollTerminal(&context, enrol, &enrolled).ok());
  EXPECT_EQ(CheckPass(server, grpc::SslCredentials(terminal)).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  // The terminal library over mutual TLS, with no token at all.
  absl::StatusOr<std::unique_ptr<TerminalClient>> client =
      TerminalClient::Create(
          {.partitions =
               storage::PartitionMap::SingleInstance(server.address(), 16),
           .credentials = grpc::SslCredentials(terminal),
           .venue_id = scheme.venue_id,
           .terminal_id = "terminal-T-1"});
  ASSERT_TRUE(client.ok()) << client.status();
  absl::StatusOr<ScanOutcome> outcome = (*client)->Redeem(scheme.codes[0]);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->answer.result(), v1::REDEEM_RESULT_REDEEMED)
      << outcome->answer.message();
}

}  // namespace
}  // namespace passclear::testing
