// One terminal of passclear-scanner's simulated day, run on a thread of its
// own with a TerminalClient of its own (clients/terminal_client.h).
//
//   StepBarrier barrier(plan.terminals.size());
//   ... one thread per terminal:
//   TerminalReport report =
//       RunSimulatedTerminal(plan.terminals[i], tokens[i], setup, barrier);
//
// It scans minute by minute, in step with the other terminals. During its
// offline window its client points at an address nothing answers on (with
// few, quick retries), so each scan falls back to the offline queue on disk
// the way the library does on a real terminal; when the window ends, a
// client to the real service takes the same queue (never two clients on one
// queue at once) and uploads it: a scan whose pass was redeemed elsewhere
// meanwhile is refused then.
#ifndef PASSCLEAR_CLIENTS_SIMULATED_TERMINAL_H_
#define PASSCLEAR_CLIENTS_SIMULATED_TERMINAL_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "clients/scanner_day.h"
#include "clients/step_barrier.h"
#include "storage/partition_map.h"

namespace passclear {

// What every simulated terminal shares.
struct TerminalSetup {
  storage::PartitionMap partitions;
  // Where an offline terminal's calls go (see unreachable_address.h).
  std::string unreachable_address;
  // Each terminal's offline queue is in work_dir/<terminal id>, which must
  // hold no queued scan at the start.
  std::string work_dir;
};

struct TerminalReport {
  std::string terminal_id;
  uint64_t venue_id = 0;
  int scans = 0;
  // The service's answers: at once, or to the upload of queued scans.
  int redeemed_online = 0;
  int redeemed_after_upload = 0;
  // Per refusal reason ("ALREADY_REDEEMED", ...).
  std::map<std::string, int> refused_online;
  std::map<std::string, int> refused_after_upload;
  // Codes this terminal redeemed.
  std::vector<std::string> redeemed_codes;
  // Scans that went to the offline queue, those the upload had answered,
  // those still in the queue at closing time.
  int queued = 0;
  int uploaded = 0;
  int still_queued = 0;
  // Scans that got no answer and were not queued (a call the service
  // refused as malformed or unauthorized).
  int failed = 0;
  // Why: failed scans, uploads that left scans queued, a queue that would
  // not open.
  std::vector<std::string> errors;
};

// Passes `barrier` twice a minute of the day (kDayMinutes times 2): once
// the terminals that come back online have uploaded, once every scan of
// the minute is answered or queued.
TerminalReport RunSimulatedTerminal(const TerminalPlan& plan,
                                    const std::string& token,
                                    const TerminalSetup& setup,
                                    StepBarrier& barrier);

}  // namespace passclear

#endif  // PASSCLEAR_CLIENTS_SIMULATED_TERMINAL_H_
