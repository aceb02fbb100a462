// passctl's operations commands over OperationsService: online backups.
#ifndef PASSCLEAR_CLIENTS_PASSCTL_OPERATIONS_H_
#define PASSCLEAR_CLIENTS_PASSCTL_OPERATIONS_H_

#include <map>
#include <string>

#include "clients/passctl_call.h"

namespace passclear::passctl {

const std::map<std::string, Command>& OperationsCommands();
// Runs one of OperationsCommands(); returns its exit code.
int RunOperationsCommand(const std::string& name);

}  // namespace passclear::passctl

#endif  // PASSCLEAR_CLIENTS_PASSCTL_OPERATIONS_H_
