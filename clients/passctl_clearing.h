// passctl's clearing commands: what the payment mandatary and operators
// run over ClearingService (close a cycle, page the log of closed batches,
// export SEPA transfers, acknowledge, reject, resubmit, statements,
// reconcile), and the offline check of a signed statement.
#ifndef PASSCLEAR_CLIENTS_PASSCTL_CLEARING_H_
#define PASSCLEAR_CLIENTS_PASSCTL_CLEARING_H_

#include <map>
#include <string>

#include "clients/passctl_call.h"

namespace passclear::passctl {

const std::map<std::string, Command>& ClearingCommands();
// Runs one of ClearingCommands(); returns its exit code.
int RunClearingCommand(const std::string& name);

}  // namespace passclear::passctl

#endif  // PASSCLEAR_CLIENTS_PASSCTL_CLEARING_H_
