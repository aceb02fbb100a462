// Every RocksDB column family of a passclear store, declared in one place.
//
// The fixed families come first, in the order of `FixedFamily`; the pass
// shards follow, one family per shard, named "passes_000", "passes_001", ...
// Their number is chosen when the store is created and recorded in it.
//
// Caution: the names are on disk. Never rename or reorder them; add new
// families at the end of the enum.
#ifndef PASSCLEAR_STORAGE_COLUMN_FAMILIES_H_
#define PASSCLEAR_STORAGE_COLUMN_FAMILIES_H_

#include <array>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "storage/serial_shard.h"

namespace passclear::storage {

enum class FixedFamily : int {
  // RocksDB's own "default" family holds the store's metadata (format
  // version, shard count, id counters).
  kMeta = 0,
  kProgrammes = 1,   // programme id -> Programme
  kBooklets = 2,     // booklet id -> Booklet
  kVenues = 3,       // venue id -> Venue
  kClaims = 4,       // (batch id, redemption seq) -> ClaimLine
  kJournal = 5,      // seq -> JournalEntry (redemptions, cancellations, ...)
  kIdempotency = 6,  // (terminal id, request id) -> StoredAnswer
  kIssuances = 7,    // first serial -> Issuance
  kUsage = 8,        // (programme id, counter) -> merged count
  kBatches = 9,      // batch id -> ClaimBatch
  // Key-only indexes (their values are empty):
  kOpenBatches = 10,   // batch id -> "" while the batch is open
  kVenueBatches = 11,  // (venue id, batch id) -> ""
  kBatchLog = 12,      // close seq -> batch id: the mandatary's log
  kSigningKeys = 13,   // key version -> SigningKey
  kIdentities = 14,    // identity name, credential hash -> identity_store.h
};
inline constexpr int kFixedFamilyCount = 15;

inline constexpr std::array<absl::string_view, kFixedFamilyCount>
    kFixedFamilyNames = {"default",     "programmes",   "booklets",
                         "venues",      "claims",       "journal",
                         "idempotency", "issuances",    "usage",
                         "batches",     "open_batches", "venue_batches",
                         "batch_log",   "signing_keys", "identities"};

// The name of the column family holding pass shard `shard`.
// "passes_000", "passes_001", ...
inline constexpr char kPassShardFamilyPrefix[] = "passes_";
std::string PassShardFamilyName(uint32_t shard);

}  // namespace passclear::storage

#endif  // PASSCLEAR_STORAGE_COLUMN_FAMILIES_H_
