// The plan of the day passclear-scanner replays: which terminal scans which
// code at what time, which terminals lose the network and when. The plan
// follows from the options and the seed alone, so that a run can be
// repeated, and a test can pick a seed for the situation it wants.
//
//   ASSIGN_OR_RETURN(DayPlan plan, PlanDay(options, codes));
//   for (const TerminalPlan& terminal : plan.terminals) ...
//
// The opening hours (08:00 to 20:00) are cut into kDayMinutes minutes;
// scans come more often around lunch time. A scan presenting a code
// already scanned (the real-world double presentation: a pass shown twice,
// a photocopy) presents the code of an earlier scan at another terminal, in
// an earlier minute: a replay that finishes each minute before the next
// (see step_barrier.h) then decides every scan the same way each time.
#ifndef PASSCLEAR_CLIENTS_SCANNER_DAY_H_
#define PASSCLEAR_CLIENTS_SCANNER_DAY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace passclear {

// 08:00 to 20:00.
inline constexpr int kDayMinutes = 12 * 60;

struct DayOptions {
  std::vector<uint64_t> venue_ids;
  int terminals = 8;
  int scans = 1000;
  // Share of scans presenting a code already scanned at another terminal.
  double duplicate_share = 0.05;
  int offline_terminals = 2;
  uint64_t seed = 1;
  // Minute 0 starts at `opening`, minute kDayMinutes ends at `closing`:
  // 08:00 and 20:00 of the day, or 08:00 and now for a day under way.
  absl::Time opening;
  absl::Time closing;
};

struct PlannedScan {
  int minute = 0;  // 0 to kDayMinutes - 1
  absl::Time scanned_at;
  std::string code;
  // The code was scanned before, at another terminal.
  bool duplicate = false;
};

// The terminal has no network from the start of `first_minute` to the start
// of `end_minute` (at most kDayMinutes: back at closing time).
struct OfflineWindow {
  int first_minute = 0;
  int end_minute = 0;
  bool Contains(int minute) const {
    return minute >= first_minute && minute < end_minute;
  }
};

struct TerminalPlan {
  // "sim-<venue>-<k>", k counting from 1 at each venue.
  std::string terminal_id;
  uint64_t venue_id = 0;
  std::optional<OfflineWindow> offline;
  // In time order.
  std::vector<PlannedScan> scans;
};

struct DayPlan {
  std::vector<TerminalPlan> terminals;
  int duplicates = 0;
};

// INVALID_ARGUMENT naming the option that cannot be planned (no venue, more
// offline terminals than terminals, too few codes for the scans, ...).
absl::StatusOr<DayPlan> PlanDay(const DayOptions& options,
                                std::vector<std::string> codes);

// Sets options.opening and options.closing for `day` ("YYYY-MM-DD", UTC):
// 08:00 and 20:00, or 08:00 and `now` for a day under way. An empty `day`
// is the last day that has opened: today from 08:00 UTC on, else
// yesterday. INVALID_ARGUMENT for a malformed day or one not opened yet.
absl::Status SetOpeningHours(absl::string_view day, absl::Time now,
                             DayOptions& options);

// When `minute` (a fraction of one allowed) starts on the day `options`
// describe.
absl::Time MinuteStart(const DayOptions& options, double minute);

}  // namespace passclear

#endif  // PASSCLEAR_CLIENTS_SCANNER_DAY_H_
