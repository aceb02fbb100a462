// The test side of power_cut_shim.cc: after the server is killed, cuts the
// power on its data directory by truncating every file to the size it had
// when a sync of it last returned (zero for a file never synced).
//
//   environment = PowerCutEnvironment(shim, data_dir, log);  // server env
//   server.Kill(SIGKILL);
//   PowerCutReport cut = CutPower(log, data_dir);
#ifndef PASSCLEAR_TESTS_CRASH_POWER_CUT_H_
#define PASSCLEAR_TESTS_CRASH_POWER_CUT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace passclear::testing {

// The server's environment that loads the shim and names what it watches.
std::vector<std::string> PowerCutEnvironment(const std::string& shim,
                                             const std::string& data_dir,
                                             const std::string& log);

struct PowerCutReport {
  uint64_t files_cut = 0;      // files that lost bytes
  uint64_t bytes_dropped = 0;  // written but never synced
};

// Truncates the files of `data_dir` (an absolute, canonical path) to their
// synced sizes according to the shim's `log`.
absl::StatusOr<PowerCutReport> CutPower(const std::string& log,
                                        const std::string& data_dir);

}  // namespace passclear::testing

#endif  // PASSCLEAR_TESTS_CRASH_POWER_CUT_H_
