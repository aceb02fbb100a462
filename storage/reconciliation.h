// The reconciliation audit: checks, under one RocksDB snapshot, that the
// passes, claim lines, claim batches and usage counters of a store tell the
// same story, and reports every disagreement as a Breach a person can act on.
//
// Every write of the store is one atomic WriteBatch, so a snapshot is a
// consistent picture even while the server runs: on a healthy store the
// report has no breach, whenever it is taken.
//
//   ASSIGN_OR_RETURN(ReconciliationReport report, Reconcile(database));
//   for (const Breach& breach : report.breaches) {
//     LOG(ERROR) << breach.rule << ": " << breach.message;
//   }
//
// What is checked (the `rule` of each breach):
//   redeemed_pass_without_claim_line  a redeemed pass whose redemption's
//                                     (batch, seq) holds no line for it
//   claim_line_without_redeemed_pass  a line whose serial is not redeemed by
//                                     that very line
//   claim_line_venue_mismatch         a line whose pass was redeemed at
//                                     another venue than its batch's
//   claim_line_programme_mismatch     a line whose programme is not its
//                                     pass's, or whose face value is not its
//                                     programme's
//   claim_line_without_batch          a line under a batch id with no batch
//   batch_total_mismatch              a closed, paid, rejected or empty
//                                     batch whose line count, total or
//                                     subtotals are not the sums of its lines
//   paid_amount_mismatch              a paid batch paid another amount than
//                                     its total
//   counter_mismatch                  a usage counter (issued, allocated,
//                                     redeemed, voided, claimed, paid) that
//                                     is not what the records count
//   corrupt_record                    values (or keys) that do not decode;
//                                     the audit goes on without them
//
// Problems of one rule in one batch (or programme, or column family) are
// grouped into one breach, with the number of serials involved and the
// first 100 of them. The cancelled counter is not checked: only the
// journal could count it.
//
// Cost: one sequential pass over every pass shard, the claims, batches,
// booklets, programmes and usage families, without filling the block cache.
// Memory grows with the number of claim lines (under 120 bytes each: a few
// hundred MB for a few million lines), never with the number of passes.
#ifndef PASSCLEAR_STORAGE_RECONCILIATION_H_
#define PASSCLEAR_STORAGE_RECONCILIATION_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "storage/database.h"

namespace passclear::storage {

// The most serials a breach lists; `message` gives the full count.
inline constexpr size_t kMaxBreachSerials = 100;

struct Breach {
  std::string rule;     // a stable short name, e.g. "batch_total_mismatch"
  std::string message;  // a sentence naming the ids and amounts involved
  std::vector<uint64_t> serials;  // the serials involved, ascending; at most
                                  // kMaxBreachSerials; empty when none
};

struct ReconciliationReport {
  uint64_t passes_checked = 0;
  uint64_t claim_lines_checked = 0;
  uint64_t batches_checked = 0;
  uint64_t programmes_checked = 0;
  std::vector<Breach> breaches;  // empty on a healthy store
};

// Checks the whole store under one snapshot. A record that does not decode
// is a "corrupt_record" breach; a RocksDB read error fails the audit.
[[nodiscard]] absl::StatusOr<ReconciliationReport> Reconcile(
    const Database& database);

}  // namespace passclear::storage

#endif  // PASSCLEAR_STORAGE_RECONCILIATION_H_
