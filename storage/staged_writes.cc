#include "storage/staged_writes.h"

#include "storage/key_codec.h"
#include "storage/record_codec.h"
#include "storage/rocksdb_status.h"
#include "storage/status_macros.h"

namespace passclear::storage {
namespace {

// Reads one value; nullopt when absent.
absl::StatusOr<std::optional<std::string>> Get(
    const Database& database, rocksdb::ColumnFamilyHandle* family,
    const std::string& key, absl::string_view what) {
  std::string value;
  rocksdb::Status status =
      database.db()->Get(rocksdb::ReadOptions(), family, key, &value);
  if (status.IsNotFound()) return std::nullopt;
  RETURN_IF_ERROR(FromRocksDb(status, what));
  return value;
}

}  // namespace

absl::StatusOr<std::optional<PassRecord>> StagedWrites::ReadPass(
    uint64_t serial) const {
  if (auto it = passes_.find(serial); it != passes_.end()) return it->second;
  ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                   Get(database_, database_.PassFamily(serial), PassKey(serial),
                       "reading a pass"));
  if (!bytes) return std::nullopt;
  ASSIGN_OR_RETURN(PassRecord pass, DecodePass(*bytes));
  return pass;
}

absl::StatusOr<std::optional<StoredAnswer>> StagedWrites::ReadAnswer(
    const std::string& idempotency_key) const {
  if (auto it = answers_.find(idempotency_key); it != answers_.end()) {
    return it->second;
  }
  ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                   Get(database_, database_.Family(FixedFamily::kIdempotency),
                       idempotency_key, "reading an idempotency record"));
  if (!bytes) return std::nullopt;
  ASSIGN_OR_RETURN(StoredAnswer answer, DecodeStoredAnswer(*bytes));
  return answer;
}

void StagedWrites::PutPass(uint64_t serial, const PassRecord& pass) {
  batch_.Put(database_.PassFamily(serial), PassKey(serial), EncodePass(pass))
      .PermitUncheckedError();
  passes_[serial] = pass;
}

void StagedWrites::PutAnswer(const std::string& idempotency_key,
                             const StoredAnswer& answer) {
  batch_
      .Put(database_.Family(FixedFamily::kIdempotency), idempotency_key,
           EncodeStoredAnswer(answer))
      .PermitUncheckedError();
  answers_[idempotency_key] = answer;
}

void StagedWrites::PutClaimLine(uint64_t batch_id, uint64_t seq,
                                const ClaimLine& line) {
  batch_
      .Put(database_.Family(FixedFamily::kClaims), ClaimKey(batch_id, seq),
           EncodeClaimLine(line))
      .PermitUncheckedError();
}

void StagedWrites::DeleteClaimLine(uint64_t batch_id, uint64_t seq) {
  batch_.Delete(database_.Family(FixedFamily::kClaims), ClaimKey(batch_id, seq))
      .PermitUncheckedError();
}

void StagedWrites::PutOpenedBatch(const ClaimBatch& batch) {
  batch_
      .Put(database_.Family(FixedFamily::kBatches), IdKey(batch.id),
           EncodeClaimBatch(batch))
      .PermitUncheckedError();
  batch_.Put(database_.Family(FixedFamily::kOpenBatches), IdKey(batch.id), "")
      .PermitUncheckedError();
  batch_
      .Put(database_.Family(FixedFamily::kVenueBatches),
           VenueBatchKey(batch.venue_id, batch.id), "")
      .PermitUncheckedError();
}

void StagedWrites::PutJournalEntry(uint64_t seq, const JournalEntry& entry) {
  batch_
      .Put(database_.Family(FixedFamily::kJournal), IdKey(seq),
           EncodeJournalEntry(entry))
      .PermitUncheckedError();
}

void StagedWrites::AddToUsage(uint64_t programme_id, UsageCounter counter,
                              int64_t delta) {
  usage_deltas_[{programme_id, counter}] += delta;
}

absl::Status StagedWrites::Commit(const rocksdb::WriteOptions& options) {
  for (const auto& [counter, delta] : usage_deltas_) {
    if (delta == 0) continue;  // a redemption cancelled in the same group
    batch_
        .Merge(database_.Family(FixedFamily::kUsage),
               UsageKey(counter.first, counter.second), EncodeUsageDelta(delta))
        .PermitUncheckedError();
  }
  usage_deltas_.clear();
  return database_.Write(options, &batch_, "committing redemptions");
}

}  // namespace passclear::storage
