// A redemption workload as passclear-dataset writes it and passclear-load
// replays it: the requests in order, each with the answer it should get,
// and the token of one enrolled terminal per venue that appears.
//
// Text, one record per line, tab-separated ('#' lines are comments):
//   T <venue id> <terminal id> <token>
//   R <code> <venue id> <expected result, e.g. REDEEM_RESULT_EXPIRED>
// The file holds terminal tokens: it is written with mode 0600.
#ifndef PASSCLEAR_BENCH_WORKLOAD_H_
#define PASSCLEAR_BENCH_WORKLOAD_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"

namespace passclear {

struct WorkloadRequest {
  std::string code;
  uint64_t venue_id = 0;
  std::string expected;  // a passclear.v1.RedeemResult name
};

struct WorkloadTerminal {
  std::string terminal_id;
  std::string token;
};

struct Workload {
  std::vector<WorkloadRequest> requests;
  absl::flat_hash_map<uint64_t, WorkloadTerminal> terminals;  // by venue
};

[[nodiscard]] absl::Status WriteWorkload(const std::string& path,
                                         const Workload& workload);
// Errors name the line that is wrong, and a request whose venue has no
// terminal.
[[nodiscard]] absl::StatusOr<Workload> ReadWorkload(const std::string& path);

}  // namespace passclear

#endif  // PASSCLEAR_BENCH_WORKLOAD_H_
