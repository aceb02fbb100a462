#include "tests/crash/power_cut.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"

namespace passclear::testing {

std::vector<std::string> PowerCutEnvironment(const std::string& shim,
                                             const std::string& data_dir,
                                             const std::string& log) {
  // An AddressSanitizer build wants its runtime first among the libraries.
  const char* asan_options = std::getenv("ASAN_OPTIONS");
  return {absl::StrCat("LD_PRELOAD=", shim),
          absl::StrCat("PASSCLEAR_POWER_CUT_DIR=", data_dir, "/"),
          absl::StrCat("PASSCLEAR_POWER_CUT_LOG=", log),
          absl::StrCat(
              "ASAN_OPTIONS=", asan_options != nullptr ? asan_options : "",
              asan_options != nullptr ? ":" : "", "verify_asan_link_order=0")};
}

absl::StatusOr<PowerCutReport> CutPower(const std::string& log,
                                        const std::string& data_dir) {
  // Replays the log: a file's synced size, following its renames.
  absl::flat_hash_map<std::string, uint64_t> synced;
  std::ifstream in(log);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string kind;
    fields >> kind;
    if (kind == "sync") {
      uint64_t size = 0;
      std::string path;
      fields >> size >> path;
      uint64_t& known = synced[path];
      known = std::max(known, size);
    } else if (kind == "rename") {
      std::string from, to;
      fields >> from >> to;
      uint64_t size = 0;  // never synced under its old name
      if (const auto found = synced.find(from); found != synced.end()) {
        size = found->second;
        synced.erase(found);
      }
      synced[to] = size;
    } else if (!kind.empty()) {
      return absl::DataLossError(absl::StrCat(
          "power-cut log ", log, ": unexpected line '", line, "'"));
    }
  }
  PowerCutReport report;
  for (const auto& entry : std::filesystem::directory_iterator(data_dir)) {
    if (!entry.is_regular_file()) continue;
    const std::string path = entry.path().string();
    const auto found = synced.find(path);
    const uint64_t keep = found == synced.end() ? 0 : found->second;
    const uint64_t size = entry.file_size();
    if (size <= keep) continue;
    std::error_code error;
    std::filesystem::resize_file(entry.path(), keep, error);
    if (error) {
      return absl::InternalError(
          absl::StrCat("truncating ", path, ": ", error.message()));
    }
    ++report.files_cut;
    report.bytes_dropped += size - keep;
  }
  return report;
}

}  // namespace passclear::testing
