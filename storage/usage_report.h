// A programme's usage report for its sponsor: the counters, and what follows
// from them at a given time (passes left, expired unused, refund due).
//
//   ASSIGN_OR_RETURN(ProgrammeCounters counters,
//                    ReadProgrammeCounters(database, programme.id));
//   UsageReport report = SummariseUsage(programme, counters, now);
#ifndef PASSCLEAR_STORAGE_USAGE_REPORT_H_
#define PASSCLEAR_STORAGE_USAGE_REPORT_H_

#include <cstdint>

#include "absl/time/time.h"
#include "storage/records.h"
#include "storage/usage_counters.h"

namespace passclear::storage {

struct UsageReport {
  absl::Time as_of;
  ProgrammeCounters counters;
  // Passes neither redeemed nor voided.
  int64_t unused = 0;
  // True once no pass of the programme can be redeemed any more: it is
  // closed, or its grace period after valid_until is over.
  bool ended = false;
  // `unused` once the programme has ended, else 0.
  int64_t expired_unused = 0;
  // What venues are owed for the passes now redeemed.
  int64_t redeemed_value_cents = 0;
  // Owed back to the sponsor once the programme is closed: the face value of
  // every pass never redeemed (voided ones included: no venue was paid for
  // them). 0 while the programme is open.
  int64_t refund_due_cents = 0;
};

UsageReport SummariseUsage(const Programme& programme,
                           ProgrammeCounters counters, absl::Time now);

}  // namespace passclear::storage

#endif  // PASSCLEAR_STORAGE_USAGE_REPORT_H_
