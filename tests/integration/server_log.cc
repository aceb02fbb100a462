#include "tests/integration/server_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "gtest/gtest.h"

namespace passclear::testing {

ServerProcess StartWithLog(const std::string& data_dir,
                           const std::string& log_path,
                           const std::vector<std::string>& flags,
                           mode_t umask_bits) {
  const int log =
      open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  EXPECT_GE(log, 0) << "cannot open " << log_path;
  const int saved_stderr = dup(STDERR_FILENO);
  if (log >= 0) dup2(log, STDERR_FILENO);
  const mode_t saved_umask =
      umask_bits == static_cast<mode_t>(-1) ? 0 : umask(umask_bits);
  ServerProcess server = ServerProcess::Start(data_dir, flags);
  if (umask_bits != static_cast<mode_t>(-1)) umask(saved_umask);
  dup2(saved_stderr, STDERR_FILENO);
  close(saved_stderr);
  if (log >= 0) close(log);
  return server;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace passclear::testing
