// Starting and stopping the programs the integration tests run (the real
// passclear-server, a real Prometheus): children that die with the test.
#ifndef PASSCLEAR_TESTS_INTEGRATION_CHILD_PROCESS_H_
#define PASSCLEAR_TESTS_INTEGRATION_CHILD_PROCESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

namespace passclear::testing {

// Runs args[0] (searched in PATH when it has no slash) with the rest as its
// arguments; its stderr goes to `stderr_fd` unless that is -1. The child is
// killed if the test process dies.
pid_t SpawnChild(std::vector<std::string> args, int stderr_fd = -1);

// Sends `signal` and waits; the exit code, or 128 + signal.
int StopChild(pid_t pid, int signal);

// A TCP port free on 127.0.0.1 at the time of the call.
int FreeLoopbackPort();

}  // namespace passclear::testing

#endif  // PASSCLEAR_TESTS_INTEGRATION_CHILD_PROCESS_H_
