// The writes decided by one group of writer-lane operations, and the store
// as those operations see it: RocksDB plus the group's own earlier writes.
//
//   StagedWrites staged(database, now);
//   ASSIGN_OR_RETURN(std::optional<PassRecord> pass, staged.ReadPass(42));
//   staged.PutPass(42, redeemed);          // visible to the next ReadPass
//   RETURN_IF_ERROR(staged.Commit(sync));  // one atomic, durable write
//
// An operation must do all its reads before its first Put: the group is one
// WriteBatch, so an operation that failed half-way would leave half its
// writes in it.
#ifndef PASSCLEAR_STORAGE_STAGED_WRITES_H_
#define PASSCLEAR_STORAGE_STAGED_WRITES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "rocksdb/write_batch.h"
#include "storage/database.h"
#include "storage/records.h"
#include "storage/usage_counters.h"

namespace passclear::storage {

class StagedWrites {
 public:
  StagedWrites(const Database& database, absl::Time now)
      : database_(database), now_(ToStoredPrecision(now)) {}
  StagedWrites(const StagedWrites&) = delete;
  StagedWrites& operator=(const StagedWrites&) = delete;

  // The server time of the whole group: every redemption it records gets it.
  absl::Time now() const { return now_; }

  [[nodiscard]] absl::StatusOr<std::optional<PassRecord>> ReadPass(
      uint64_t serial) const;
  [[nodiscard]] absl::StatusOr<std::optional<StoredAnswer>> ReadAnswer(
      const std::string& idempotency_key) const;

  void PutPass(uint64_t serial, const PassRecord& pass);
  void PutAnswer(const std::string& idempotency_key,
                 const StoredAnswer& answer);
  void PutClaimLine(uint64_t batch_id, uint64_t seq, const ClaimLine& line);
  void DeleteClaimLine(uint64_t batch_id, uint64_t seq);
  // The records of a batch being opened: the batch, its open-batch and
  // venue index entries.
  void PutOpenedBatch(const ClaimBatch& batch);
  void PutJournalEntry(uint64_t seq, const JournalEntry& entry);
  // Adds `delta` to a programme's usage counter (a merge: no read). The
  // group's deltas are summed and merged once per counter at commit: a group
  // of 500 redemptions of one programme adds one operand, not 500.
  void AddToUsage(uint64_t programme_id, UsageCounter counter, int64_t delta);

  size_t write_count() const { return batch_.Count() + usage_deltas_.size(); }
  [[nodiscard]] absl::Status Commit(const rocksdb::WriteOptions& options);

 private:
  const Database& database_;
  const absl::Time now_;
  rocksdb::WriteBatch batch_;
  absl::flat_hash_map<uint64_t, PassRecord> passes_;
  absl::flat_hash_map<std::string, StoredAnswer> answers_;
  absl::flat_hash_map<std::pair<uint64_t, UsageCounter>, int64_t> usage_deltas_;
};

}  // namespace passclear::storage

#endif  // PASSCLEAR_STORAGE_STAGED_WRITES_H_
