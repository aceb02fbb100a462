// The credentials integration tests call the real server with, handed out
// through its real IdentityService the way an operator would: the server's
// bootstrap admin token, a mandatary account, and one enrolled and
// activated terminal per terminal id a test uses.
//
//   auto credentials = std::make_shared<TestCredentials>(address, data_dir);
//   auto channel = CreateAutoCredentialChannel(address, credentials);
//   // Redeem as terminal "T-1" of venue 1: enrolled for venue 1 on first
//   // use. AdminService calls: the admin token. Acknowledge: the mandatary.
//
// A call that sets its own "authorization" metadata keeps it: the access
// control tests choose their credentials themselves.
//
// The credential calls are retried while the server answers UNAVAILABLE
// (see unavailable_retry.h), for up to kServerComesBackWithin, so that a
// server just restarted or resetting a connection is not taken for one
// refusing a credential. Once the test stops the server (ServerStopped),
// no credential is asked for any more: a call still needing its own goes
// without it, and fails on the stopped server like any other.
#ifndef PASSCLEAR_TESTS_INTEGRATION_TEST_CREDENTIALS_H_
#define PASSCLEAR_TESTS_INTEGRATION_TEST_CREDENTIALS_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "google/protobuf/message.h"
#include "grpcpp/channel.h"
#include "passclear/v1/identity.grpc.pb.h"

namespace passclear::testing {

class TestCredentials {
 public:
  // Reads the admin token the server wrote into `data_dir`.
  TestCredentials(const std::string& address, const std::string& data_dir);

  const std::string& admin_token() const { return admin_token_; }
  // Terminal `terminal_id`'s token; enrolled for `venue_id` and activated on
  // first use. A terminal keeps its first venue. Empty when it cannot be
  // enrolled (a venue that does not exist, an invalid id) or the server is
  // stopped.
  std::string TerminalToken(const std::string& terminal_id, uint64_t venue_id);
  // A MANDATARY account's token, created on first use.
  std::string MandataryToken();
  // A new account's token (VENUE, MANDATARY or ADMIN); empty on failure.
  std::string CreateAccount(const std::string& name, v1::Role role,
                            uint64_t venue_id);

  // The token a call of `method` ("/package.Service/Method") sending
  // `request` (null when not known) is made with.
  std::string TokenFor(absl::string_view method,
                       const google::protobuf::Message* request);

  // The test stopped (or killed) the server: credential calls still being
  // retried give up, and none is made any more. Called by the test's own
  // thread (ServerProcess::Kill).
  void ServerStopped() {
    if (!server_stopped_.HasBeenNotified()) server_stopped_.Notify();
  }

  v1::IdentityService::Stub& admin_identities() { return *identities_; }

 private:
  struct Terminal {
    uint64_t venue_id;
    std::string token;
  };

  // Creates an account named `name()`, asked again for each attempt: an
  // attempt whose answer was lost may have created the account.
  [[nodiscard]] grpc::Status IssueAccount(absl::FunctionRef<std::string()> name,
                                          v1::Role role, uint64_t venue_id,
                                          v1::CredentialIssued& issued);

  std::string admin_token_;
  absl::Notification server_stopped_;
  std::unique_ptr<v1::IdentityService::Stub> identities_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Terminal> terminals_ ABSL_GUARDED_BY(mu_);
  std::string mandatary_token_ ABSL_GUARDED_BY(mu_);
  // Used for a request naming no valid terminal (the bad-request tests).
  std::string any_terminal_token_ ABSL_GUARDED_BY(mu_);
};

// A channel whose calls carry the token TestCredentials::TokenFor picks.
std::shared_ptr<grpc::Channel> CreateAutoCredentialChannel(
    const std::string& address, std::shared_ptr<TestCredentials> credentials);

// A channel sending no credential at all.
std::shared_ptr<grpc::Channel> CreatePlainChannel(const std::string& address);

}  // namespace passclear::testing

#endif  // PASSCLEAR_TESTS_INTEGRATION_TEST_CREDENTIALS_H_
