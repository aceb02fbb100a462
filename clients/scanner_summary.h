// What passclear-scanner reports at the end of its day: every terminal's
// report added up, as text for people or as JSON for tests and scripts
// (with the codes it believes redeemed, and by which terminal, to check
// against the service).
//
//   DaySummary summary = Summarize(options, plan, reports, elapsed);
//   std::cout << (json ? SummaryJson(summary) : SummaryText(summary));
#ifndef PASSCLEAR_CLIENTS_SCANNER_SUMMARY_H_
#define PASSCLEAR_CLIENTS_SCANNER_SUMMARY_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "clients/scanner_day.h"
#include "clients/simulated_terminal.h"

namespace passclear {

struct DaySummary {
  absl::Time opening;
  absl::Time closing;
  std::vector<uint64_t> venue_ids;
  int terminals = 0;
  uint64_t seed = 0;
  int scans = 0;
  // Scans the plan made present a code already scanned elsewhere.
  int duplicates = 0;
  int redeemed_online = 0;
  int redeemed_after_upload = 0;
  std::map<std::string, int> refused_online;
  std::map<std::string, int> refused_after_upload;
  int queued = 0;
  int uploaded = 0;
  int still_queued = 0;
  int failed = 0;
  absl::Duration elapsed;

  struct Offline {
    std::string terminal_id;
    absl::Time from;
    absl::Time until;
  };
  std::vector<Offline> offline;

  struct Redeemed {
    std::string code;
    std::string terminal_id;
    uint64_t venue_id = 0;
  };
  std::vector<Redeemed> redeemed;

  std::vector<std::string> errors;

  // Every scan got the service's answer: none failed, none is still queued.
  bool AllAnswered() const { return failed == 0 && still_queued == 0; }
};

DaySummary Summarize(const DayOptions& options, const DayPlan& plan,
                     const std::vector<TerminalReport>& reports,
                     absl::Duration elapsed);

// Lines of "name: value", then the errors; ends with a newline.
std::string SummaryText(const DaySummary& summary);
// One JSON object, then a newline. Counts are numbers, times RFC 3339.
std::string SummaryJson(const DaySummary& summary);

}  // namespace passclear

#endif  // PASSCLEAR_CLIENTS_SCANNER_SUMMARY_H_
