// passctl's venue commands over AdminService: register, label, suspend,
// reinstate, read with history, list, change.
#ifndef PASSCLEAR_CLIENTS_PASSCTL_VENUES_H_
#define PASSCLEAR_CLIENTS_PASSCTL_VENUES_H_

#include <map>
#include <string>

#include "clients/passctl_call.h"

namespace passclear::passctl {

const std::map<std::string, Command>& VenueCommands();
// Runs one of VenueCommands(); returns its exit code.
int RunVenueCommand(const std::string& name);

}  // namespace passclear::passctl

#endif  // PASSCLEAR_CLIENTS_PASSCTL_VENUES_H_
