// The demo data a new store starts with, so that a newcomer can redeem a
// pass right away: one community's plan from the source deliberations,
// 123 booklets of 10 passes of 10 EUR (1,230 passes), and one labelled venue.
#ifndef PASSCLEAR_SERVER_DEMO_DATA_H_
#define PASSCLEAR_SERVER_DEMO_DATA_H_

#include <string>

#include "absl/status/status.h"
#include "storage/pass_store.h"

namespace passclear {

// Loads the demo data into `store` unless it already has a programme, and
// writes the printable codes, one per line, to `codes_path`.
[[nodiscard]] absl::Status LoadDemoDataIfEmpty(storage::PassStore& store,
                                               const std::string& codes_path);

}  // namespace passclear

#endif  // PASSCLEAR_SERVER_DEMO_DATA_H_
