// What every passctl command shares: the exit codes scripts rely on, the
// connection, credential and deadline of a call, and how errors are
// reported.
#ifndef PASSCLEAR_CLIENTS_PASSCTL_CALL_H_
#define PASSCLEAR_CLIENTS_PASSCTL_CALL_H_

#include <memory>
#include <string>

#include "absl/flags/declare.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"

ABSL_DECLARE_FLAG(std::string, server);
ABSL_DECLARE_FLAG(bool, json);
ABSL_DECLARE_FLAG(absl::Duration, timeout);
ABSL_DECLARE_FLAG(std::string, token_file);

namespace passclear::passctl {

// 0 done, 1 refused (a pass not redeemed, a cancellation not made, breaches
// found), 2 usage error, 3 the call failed.
inline constexpr int kDone = 0;
inline constexpr int kRefused = 1;
inline constexpr int kUsage = 2;
inline constexpr int kCallFailed = 3;

struct Command {
  std::string usage;
  std::string help;
  // How many words follow the command's name (CODE, NAME, ...).
  int min_operands = 0;
  int max_operands = 0;
  // False for the commands that call no server (verify-statement) or prove
  // who they are otherwise (activate-terminal: its activation code).
  bool sends_token = true;
};

// Prints the message to stderr; returns kUsage.
int UsageError(const std::string& message);
// Prints the status to stderr; returns kCallFailed.
int CallFailed(const grpc::Status& status);

// Reads --token_file, when set, for the channels Connect() opens from now
// on. Returns kDone, or kUsage after saying why the file cannot be used.
int LoadToken();

// A channel to --server whose calls carry the token LoadToken() read, if
// any.
std::shared_ptr<grpc::Channel> Connect();
// A context with the --timeout deadline.
std::unique_ptr<grpc::ClientContext> NewContext();

}  // namespace passclear::passctl

#endif  // PASSCLEAR_CLIENTS_PASSCTL_CALL_H_
