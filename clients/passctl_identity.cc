#include "clients/passctl_identity.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "clients/passctl_output.h"
#include "passclear/v1/identity.grpc.pb.h"

ABSL_DECLARE_FLAG(std::string, after);
ABSL_DECLARE_FLAG(uint32_t, page_size);
ABSL_FLAG(std::string, save_token, "",
          "activate-terminal, create-account, rotate-credential: write the "
          "new token to this file (mode 0600) instead of printing it");

namespace passclear::passctl {
namespace {

std::unique_ptr<v1::IdentityService::Stub> Stub() {
  return v1::IdentityService::NewStub(Connect());
}

absl::Status ErrnoError(const std::string& what) {
  const int error = errno;
  return absl::Status(absl::ErrnoToStatusCode(error),
                      absl::StrCat(what, ": ", std::strerror(error)));
}

// Where --save_token puts a new token. The file is created (mode 0600,
// under a temporary name beside the path) before the call that issues the
// token, so that a path that cannot be written fails before a credential
// is issued, shown once and lost; it is renamed over the path once written,
// so that the token file a rotation replaces is never left half-written.
class SavedTokenFile {
 public:
  SavedTokenFile() = default;
  SavedTokenFile(const SavedTokenFile&) = delete;
  SavedTokenFile& operator=(const SavedTokenFile&) = delete;
  // Removes the temporary file unless Commit() renamed it.
  ~SavedTokenFile() {
    if (fd_ >= 0) close(fd_);
    if (!temporary_path_.empty()) unlink(temporary_path_.c_str());
  }

  [[nodiscard]] absl::Status Open(const std::string& path) {
    if (std::filesystem::is_directory(path)) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, " is a directory, not a file"));
    }
    std::string temporary_path = path + ".XXXXXX";
    fd_ = mkstemp(temporary_path.data());  // mode 0600
    if (fd_ < 0) return ErrnoError(absl::StrCat("cannot create ", path));
    path_ = path;
    temporary_path_ = temporary_path;
    return absl::OkStatus();
  }

  [[nodiscard]] absl::Status Commit(const std::string& token) {
    const std::string text = token + "\n";
    for (size_t written = 0; written < text.size();) {
      const ssize_t n =
          write(fd_, text.data() + written, text.size() - written);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return ErrnoError(absl::StrCat("cannot write ", path_));
      written += static_cast<size_t>(n);
    }
    if (fsync(fd_) != 0) return ErrnoError(absl::StrCat("cannot sync ", path_));
    close(fd_);
    fd_ = -1;
    if (std::rename(temporary_path_.c_str(), path_.c_str()) != 0) {
      return ErrnoError(absl::StrCat("cannot write ", path_));
    }
    temporary_path_.clear();
    return absl::OkStatus();
  }

 private:
  int fd_ = -1;
  std::string path_;
  std::string temporary_path_;
};

std::vector<std::string> IdentityRow(const v1::Identity& identity) {
  return {
      identity.name(),
      std::string(absl::StripPrefix(v1::Role_Name(identity.role()), "ROLE_")),
      identity.venue_id() == 0 ? "-" : absl::StrCat(identity.venue_id()),
      std::string(absl::StripPrefix(v1::IdentityState_Name(identity.state()),
                                    "IDENTITY_STATE_")),
      absl::StrCat(identity.credential_generation()),
      FormatTimestamp(identity.created_at()),
      FormatTimestamp(identity.changed_at())};
}

std::string IdentityTable(const std::vector<const v1::Identity*>& identities) {
  std::vector<std::vector<std::string>> rows = {
      {"NAME", "ROLE", "VENUE", "STATE", "CREDENTIAL", "CREATED", "CHANGED"}};
  for (const v1::Identity* identity : identities) {
    rows.push_back(IdentityRow(*identity));
  }
  return FormatTable(rows);
}

// Shows an identity a call answered.
int PrintIdentity(const grpc::Status& status, const v1::Identity& identity) {
  if (!status.ok()) return CallFailed(status);
  Print(absl::GetFlag(FLAGS_json), identity, IdentityTable({&identity}));
  return kDone;
}

// Runs a call that issues a credential and shows it: the identity and its
// token, or with --save_token the identity only, the token in that file.
int IssueCredential(const std::function<grpc::Status(
                        v1::IdentityService::Stub&, grpc::ClientContext*,
                        v1::CredentialIssued*)>& call) {
  const std::string path = absl::GetFlag(FLAGS_save_token);
  SavedTokenFile saved;
  if (!path.empty()) {
    if (absl::Status opened = saved.Open(path); !opened.ok()) {
      return UsageError(absl::StrCat("--save_token: ", opened.message()));
    }
  }
  v1::CredentialIssued issued;
  grpc::Status status = call(*Stub(), NewContext().get(), &issued);
  if (!status.ok()) return CallFailed(status);
  const bool json = absl::GetFlag(FLAGS_json);
  if (path.empty()) {
    Print(json, issued,
          absl::StrCat(IdentityTable({&issued.identity()}),
                       "\ntoken (shown once): ", issued.token()));
    return kDone;
  }
  if (absl::Status written = saved.Commit(issued.token()); !written.ok()) {
    // The server keeps only the token's hash: this is its last copy.
    std::cerr << "passctl: --save_token: " << written.message()
              << "; the token, shown once, is:\n"
              << issued.token() << "\n";
    return kUsage;
  }
  Print(json, issued.identity(), IdentityTable({&issued.identity()}));
  std::cerr << "token saved to " << path << "\n";
  return kDone;
}

bool ParseVenueId(const std::string& text, uint64_t* venue_id) {
  return absl::SimpleAtoi(text, venue_id) && *venue_id != 0;
}

int EnrollTerminal(const std::vector<std::string>& operands) {
  v1::EnrollTerminalRequest request;
  request.set_terminal_id(operands[0]);
  uint64_t venue_id = 0;
  if (!ParseVenueId(operands[1], &venue_id)) {
    return UsageError(
        absl::StrCat("VENUE_ID: '", operands[1], "' is not a venue id"));
  }
  request.set_venue_id(venue_id);
  v1::EnrollTerminalResponse response;
  grpc::Status status =
      Stub()->EnrollTerminal(NewContext().get(), request, &response);
  if (!status.ok()) return CallFailed(status);
  Print(absl::GetFlag(FLAGS_json), response,
        absl::StrCat(IdentityTable({&response.terminal()}),
                     "\nactivation code: ", response.activation_code(),
                     "\nexpires:         ",
                     FormatTimestamp(response.activation_expires_at()),
                     "\non the terminal: passctl activate-terminal ",
                     response.activation_code(), " --save_token=FILE"));
  return kDone;
}

int ActivateTerminal(const std::vector<std::string>& operands) {
  v1::ActivateTerminalRequest request;
  request.set_activation_code(operands[0]);
  return IssueCredential([&](v1::IdentityService::Stub& stub,
                             grpc::ClientContext* context,
                             v1::CredentialIssued* issued) {
    return stub.ActivateTerminal(context, request, issued);
  });
}

int CreateAccount(const std::vector<std::string>& operands) {
  static const auto* roles =
      new std::map<std::string, v1::Role>{{"venue", v1::ROLE_VENUE},
                                          {"mandatary", v1::ROLE_MANDATARY},
                                          {"admin", v1::ROLE_ADMIN}};
  v1::CreateAccountRequest request;
  request.set_name(operands[0]);
  const auto role = roles->find(operands[1]);
  if (role == roles->end()) {
    return UsageError(absl::StrCat("ROLE: '", operands[1],
                                   "' is not venue, mandatary or admin"));
  }
  request.set_role(role->second);
  const bool venue = role->second == v1::ROLE_VENUE;
  if (operands.size() != (venue ? 3u : 2u)) {
    return UsageError(venue ? "VENUE_ID: a venue account needs its venue id"
                            : "VENUE_ID: only a venue account has one");
  }
  if (venue) {
    uint64_t venue_id = 0;
    if (!ParseVenueId(operands[2], &venue_id)) {
      return UsageError(
          absl::StrCat("VENUE_ID: '", operands[2], "' is not a venue id"));
    }
    request.set_venue_id(venue_id);
  }
  return IssueCredential([&](v1::IdentityService::Stub& stub,
                             grpc::ClientContext* context,
                             v1::CredentialIssued* issued) {
    return stub.CreateAccount(context, request, issued);
  });
}

int RotateCredential() {
  return IssueCredential([](v1::IdentityService::Stub& stub,
                            grpc::ClientContext* context,
                            v1::CredentialIssued* issued) {
    return stub.RotateCredential(context, v1::RotateCredentialRequest(),
                                 issued);
  });
}

int Revoke(const std::vector<std::string>& operands) {
  v1::RevokeIdentityRequest request;
  request.set_name(operands[0]);
  v1::Identity response;
  return PrintIdentity(
      Stub()->RevokeIdentity(NewContext().get(), request, &response), response);
}

int WhoAmI() {
  v1::Identity response;
  return PrintIdentity(
      Stub()->WhoAmI(NewContext().get(), v1::WhoAmIRequest(), &response),
      response);
}

int ListIdentities() {
  v1::ListIdentitiesRequest request;
  request.set_after_name(absl::GetFlag(FLAGS_after));
  request.set_page_size(absl::GetFlag(FLAGS_page_size));
  v1::ListIdentitiesResponse response;
  grpc::Status status =
      Stub()->ListIdentities(NewContext().get(), request, &response);
  if (!status.ok()) return CallFailed(status);
  std::vector<const v1::Identity*> identities;
  for (const v1::Identity& identity : response.identities()) {
    identities.push_back(&identity);
  }
  std::string text = IdentityTable(identities);
  if (response.more() && !identities.empty()) {
    absl::StrAppend(&text, "\nmore: passctl identities --after=",
                    identities.back()->name());
  }
  Print(absl::GetFlag(FLAGS_json), response, text);
  return kDone;
}

}  // namespace

const std::map<std::string, Command>& IdentityCommands() {
  static const auto* commands = new std::map<std::string, Command>{
      {"enroll-terminal",
       {"enroll-terminal TERMINAL_ID VENUE_ID",
        "Enrols a terminal for a venue (admin) and prints its one-time "
        "activation code and when it expires. Enrolling a terminal again "
        "replaces its credential.",
        2, 2}},
      {"activate-terminal",
       {"activate-terminal CODE [--save_token=FILE]",
        "Exchanges an activation code for the terminal's token (no "
        "--token_file needed) and prints it, or with --save_token writes it "
        "to FILE (mode 0600) and prints the identity only.",
        1, 1, /*sends_token=*/false}},
      {"create-account",
       {"create-account NAME venue|mandatary|admin [VENUE_ID] "
        "[--save_token=FILE]",
        "Creates an account (admin; a venue account needs its VENUE_ID) and "
        "prints its token, or with --save_token writes it to FILE.",
        2, 3}},
      {"rotate-credential",
       {"rotate-credential [--save_token=FILE]",
        "Replaces the caller's own token by a new one and prints it, or "
        "with --save_token writes it to FILE (it may be --token_file "
        "itself); the old token stops working at once."}},
      {"revoke",
       {"revoke NAME",
        "Revokes an identity (admin): its calls are refused from now on.", 1,
        1}},
      {"identities",
       {"identities [--after=NAME] [--page_size=100]",
        "Lists identities in name order after NAME (admin), and how to ask "
        "for the next page."}},
      {"whoami",
       {"whoami", "Shows the identity the token belongs to, and its role."}},
  };
  return *commands;
}

int RunIdentityCommand(const std::string& name,
                       const std::vector<std::string>& operands) {
  if (name == "enroll-terminal") return EnrollTerminal(operands);
  if (name == "activate-terminal") return ActivateTerminal(operands);
  if (name == "create-account") return CreateAccount(operands);
  if (name == "rotate-credential") return RotateCredential();
  if (name == "revoke") return Revoke(operands);
  if (name == "identities") return ListIdentities();
  return WhoAmI();
}

}  // namespace passclear::passctl
