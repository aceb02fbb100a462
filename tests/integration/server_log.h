// The real passclear-server started with its log (stderr) in a file the
// test reads, and under a umask the test chooses: the server inherits both
// from the test process, which points its own stderr at the file and sets
// its umask for the time of the start only.
//
//   ServerProcess server = StartWithLog(data_dir, log_path);
//   ... server.Kill(SIGKILL); ...
//   EXPECT_TRUE(absl::StrContains(ReadFile(log_path), "was not clean"));
#ifndef PASSCLEAR_TESTS_INTEGRATION_SERVER_LOG_H_
#define PASSCLEAR_TESTS_INTEGRATION_SERVER_LOG_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "tests/integration/server_process.h"

namespace passclear::testing {

// ServerProcess::Start(data_dir, flags) with stderr appended to `log_path`
// and, unless it is -1, the file mode creation mask `umask_bits`.
ServerProcess StartWithLog(const std::string& data_dir,
                           const std::string& log_path,
                           const std::vector<std::string>& flags = {},
                           mode_t umask_bits = static_cast<mode_t>(-1));

// The whole file; empty when it does not exist.
std::string ReadFile(const std::string& path);

}  // namespace passclear::testing

#endif  // PASSCLEAR_TESTS_INTEGRATION_SERVER_LOG_H_
