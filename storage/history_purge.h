// The end of the legal retention period: the redemption and claim history
// of a programme closed longer ago than `retention` is purged, off the hot
// path (the clearing scheduler runs it hourly).
//
// What goes: the programme's pass records (a range delete per issuance and
// shard: serials are allocated contiguously per issuance), its claim lines,
// its journal entries and its usage counters. What stays: the programme,
// its issuances and booklets (small), and every claim batch record, whose
// signed statement must stay verifiable; Reconcile leaves the purged
// programmes out (PurgedProgrammes). Stored answers expire sooner anyway
// (answer_expiry.h).
//
// A purge first records the programme as purged, then deletes, in chunks:
// one interrupted by a crash is finished by the next run (the clearing
// scheduler's first, at start), and the store's log says so.
#ifndef PASSCLEAR_STORAGE_HISTORY_PURGE_H_
#define PASSCLEAR_STORAGE_HISTORY_PURGE_H_

#include <cstdint>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "rocksdb/options.h"
#include "storage/catalog.h"
#include "storage/database.h"

namespace passclear::storage {

struct PurgeReport {
  std::vector<uint64_t> programmes;  // purged by this run
  uint64_t claim_lines = 0;
  uint64_t journal_entries = 0;
};

// When a programme's history may go: its closing (closed_at, or the end of
// acceptance, whichever comes first) plus `retention`.
absl::Time PurgeableFrom(const Programme& programme, absl::Duration retention);

[[nodiscard]] absl::StatusOr<PurgeReport> PurgeExpiredHistory(
    const Database& database, const Catalog& catalog, absl::Duration retention,
    absl::Time now);

// Programmes whose history is purged or being purged.
[[nodiscard]] absl::StatusOr<absl::flat_hash_set<uint64_t>> PurgedProgrammes(
    const Database& database, const rocksdb::ReadOptions& read);

}  // namespace passclear::storage

#endif  // PASSCLEAR_STORAGE_HISTORY_PURGE_H_
