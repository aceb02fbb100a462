// The demo data a new store starts with, so that a newcomer can redeem a
// pass right away: one community's plan from the source deliberations,
// 123 booklets of 10 passes of 10 EUR (1,230 passes) handed to 43 communes
// with 15 kept in reserve (see demo_plan.h), and one labelled venue.
#ifndef PASSCLEAR_SERVER_DEMO_DATA_H_
#define PASSCLEAR_SERVER_DEMO_DATA_H_

#include <string>

#include "absl/status/status.h"
#include "storage/pass_store.h"

namespace passclear {

// Completes whatever part of the demo data `store` lacks (programme 1, its
// 1,230 passes, their distribution, venue 1), so that a start interrupted
// half-way is mended by the next one, and writes the printable codes, one per
// line, to `codes_path`. A store whose first programme is not the demo's is
// left alone.
[[nodiscard]] absl::Status LoadDemoData(storage::PassStore& store,
                                        const std::string& codes_path);

}  // namespace passclear

#endif  // PASSCLEAR_SERVER_DEMO_DATA_H_
