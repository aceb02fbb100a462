// passctl's identity commands, over IdentityService: who may call what.
// An operator enrols terminals and creates accounts with the admin token
// passclear-server wrote at its first start; a terminal exchanges its
// one-time activation code for its own token, and presents it from then on.
//
//   export PASSCLEAR_TOKEN_FILE=passclear-data/admin-token
//   passctl enroll-terminal desk-1 1            # prints the activation code
//   passctl activate-terminal 7KQ2-M9XA-... --save_token=desk-1.token
//   passctl --token_file=desk-1.token redeem CODE --venue=1 --terminal=desk-1
#ifndef PASSCLEAR_CLIENTS_PASSCTL_IDENTITY_H_
#define PASSCLEAR_CLIENTS_PASSCTL_IDENTITY_H_

#include <map>
#include <string>
#include <vector>

#include "clients/passctl_call.h"

namespace passclear::passctl {

const std::map<std::string, Command>& IdentityCommands();
// Runs one of IdentityCommands() with its operands (the words after its
// name, as many as the command takes); returns its exit code.
int RunIdentityCommand(const std::string& name,
                       const std::vector<std::string>& operands);

}  // namespace passclear::passctl

#endif  // PASSCLEAR_CLIENTS_PASSCTL_IDENTITY_H_
