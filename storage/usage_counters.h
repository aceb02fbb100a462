// Per-programme usage counters: how many passes were issued, handed out,
// redeemed, cancelled and voided, kept exact without ever scanning passes.
//
// Every change is a RocksDB merge operand (a signed 64-bit delta) written in
// the same atomic batch as the change it counts, so a counter can never
// disagree with the records. Writers never read a counter: concurrent lanes
// merge into the same key without contention, and RocksDB adds the deltas up
// when the report reads them or when compaction rewrites them.
//
//   batch.Merge(usage_family, UsageKey(programme_id, UsageCounter::kRedeemed),
//               EncodeUsageDelta(+1));
//   ASSIGN_OR_RETURN(ProgrammeCounters counters,
//                    ReadProgrammeCounters(database, programme_id));
//
// Caution: the keys and the delta encoding are on disk.
#ifndef PASSCLEAR_STORAGE_USAGE_COUNTERS_H_
#define PASSCLEAR_STORAGE_USAGE_COUNTERS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "rocksdb/merge_operator.h"
#include "storage/database.h"

namespace passclear::storage {

// Persisted in keys: never renumber.
enum class UsageCounter : uint8_t {
  kIssued = 1,     // passes issued
  kAllocated = 2,  // passes in booklets now held by distributors
  kRedeemed = 3,   // passes now redeemed (a cancellation takes one back)
  kCancelled = 4,  // redemptions cancelled
  kVoided = 5,     // passes voided
  kClaimed = 6,    // passes whose claim line is in a closed batch
  kPaid = 7,       // passes whose batch the mandatary acknowledged
};

// Key of a programme-wide counter.
std::string UsageKey(uint64_t programme_id, UsageCounter counter);
// Key of the passes a programme's distributor now holds, and of the
// distributor's latest name (a plain value, never merged).
std::string DistributorPassesKey(uint64_t programme_id,
                                 absl::string_view reference);
std::string DistributorNameKey(uint64_t programme_id,
                               absl::string_view reference);

// A merge operand.
std::string EncodeUsageDelta(int64_t delta);
// Reads a counter value (a merge operand, or operands added up); false when
// the bytes are not one.
[[nodiscard]] bool DecodeUsageCount(absl::string_view bytes, int64_t& count);
// The value stored at DistributorNameKey.
std::string EncodeDistributorName(absl::string_view name);

// Adds up signed 64-bit deltas. Set on the usage family.
std::shared_ptr<rocksdb::MergeOperator> NewUsageMergeOperator();

struct DistributorCounters {
  std::string reference;
  std::string name;
  int64_t passes = 0;
};

struct ProgrammeCounters {
  int64_t issued = 0;
  int64_t allocated = 0;
  int64_t redeemed = 0;
  int64_t cancelled = 0;
  int64_t voided = 0;
  int64_t claimed = 0;
  int64_t paid = 0;
  // Distributors holding passes now, by reference.
  std::vector<DistributorCounters> distributors;
};

// Reads one programme's counters: a prefix scan of a few keys.
[[nodiscard]] absl::StatusOr<ProgrammeCounters> ReadProgrammeCounters(
    const Database& database, uint64_t programme_id);

}  // namespace passclear::storage

#endif  // PASSCLEAR_STORAGE_USAGE_COUNTERS_H_
