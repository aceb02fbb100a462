// PassStore's clearing: closing claim batches (at the cycle's cut-off, when
// full, or on request), the mandatary's log of closed batches, and the
// acknowledgement, rejection and resubmission of a batch.
//
// Closing a batch is safe while redemptions go on because no writer lane
// touches a batch once its venue's lines go elsewhere (clearing_state.h):
// the closer moves the cycle on (or the lane already moved a full batch's
// venue on), waits for every lane to commit what it decided before, and
// only then reads the batch's lines, which are final from that point.
#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/time/clock.h"
#include "storage/batch_statement.h"
#include "storage/ed25519.h"
#include "storage/key_codec.h"
#include "storage/pass_store.h"
#include "storage/record_codec.h"
#include "storage/redeem_rules.h"
#include "storage/rocksdb_status.h"
#include "storage/status_macros.h"
#include "storage/usage_counters.h"

namespace passclear::storage {
namespace {

// Batches closed per synced write when a cycle closes.
constexpr size_t kBatchesPerWrite = 1000;
constexpr size_t kMaxReasonBytes = 200;

// Does nothing; completes once every operation queued before it in its lane
// is done: written, or failed with nothing written (a failed group adds no
// line either), or the lane stopped after completing its queue.
class LaneBarrier final : public LaneOperation {
 public:
  explicit LaneBarrier(absl::BlockingCounter& done) : done_(done) {}
  void Stage(StagedWrites&) override {}
  void Answer() override { done_.DecrementCount(); }

 private:
  absl::BlockingCounter& done_;
};

rocksdb::WriteOptions SyncWrite() {
  rocksdb::WriteOptions options;
  options.sync = true;
  return options;
}

absl::Status BatchNotFound(uint64_t batch_id) {
  return absl::NotFoundError(absl::StrCat("batch_id: no batch ", batch_id));
}

template <typename Record>
absl::StatusOr<Record> DecodeValue(
    absl::StatusOr<Record> (*decode)(absl::string_view),
    const rocksdb::Slice& value) {
  return decode(absl::string_view(value.data(), value.size()));
}

}  // namespace

absl::string_view BatchStatusName(BatchStatus status) {
  switch (status) {
    case BatchStatus::kOpen:
      return "open";
    case BatchStatus::kClosed:
      return "closed, awaiting payment";
    case BatchStatus::kPaid:
      return "paid";
    case BatchStatus::kRejected:
      return "rejected";
    case BatchStatus::kEmpty:
      return "closed empty (every line was cancelled)";
  }
  return "unknown";
}

absl::Status PassStore::LoadClearing() {
  rocksdb::DB& db = *database_->db();
  std::string bytes;
  ClearingCycle cycle{.number = 1, .opened_at = ToStoredPrecision(Now())};
  rocksdb::Status read =
      db.Get(rocksdb::ReadOptions(), kMetaClearingCycle, &bytes);
  if (read.IsNotFound()) {
    RETURN_IF_ERROR(FromRocksDb(
        db.Put(SyncWrite(), kMetaClearingCycle, EncodeClearingCycle(cycle)),
        "opening the first clearing cycle"));
  } else {
    RETURN_IF_ERROR(FromRocksDb(read, "reading the clearing cycle"));
    ASSIGN_OR_RETURN(cycle, DecodeClearingCycle(bytes));
  }

  std::vector<ClaimBatch> open;
  std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(
      rocksdb::ReadOptions(), database_->Family(FixedFamily::kOpenBatches)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    ASSIGN_OR_RETURN(uint64_t id, ParseIdKey(absl::string_view(
                                      it->key().data(), it->key().size())));
    ASSIGN_OR_RETURN(ClaimBatch batch, ReadBatch(id));
    open.push_back(std::move(batch));
  }
  RETURN_IF_ERROR(FromRocksDb(it->status(), "listing open batches"));
  ASSIGN_OR_RETURN(uint64_t next_batch_id,
                   NextIdAfterLast(*database_, FixedFamily::kBatches));
  ASSIGN_OR_RETURN(uint64_t next_close_seq,
                   NextIdAfterLast(*database_, FixedFamily::kBatchLog));
  last_close_seq_.store(next_close_seq - 1);
  // Batches a stop left to close: full ones, and those of earlier cycles.
  std::vector<uint64_t> to_close =
      clearing_.Load(cycle, next_batch_id, open, &database_->log());
  {
    absl::MutexLock lock(&scheduler_mu_);
    full_batches_.insert(full_batches_.end(), to_close.begin(), to_close.end());
  }

  absl::MutexLock lock(&clearing_mu_);
  std::unique_ptr<rocksdb::Iterator> keys(db.NewIterator(
      rocksdb::ReadOptions(), database_->Family(FixedFamily::kSigningKeys)));
  for (keys->SeekToFirst(); keys->Valid(); keys->Next()) {
    ASSIGN_OR_RETURN(SigningKey key,
                     DecodeValue(&DecodeSigningKey, keys->value()));
    signing_keys_.push_back(std::move(key));
  }
  RETURN_IF_ERROR(FromRocksDb(keys->status(), "reading signing keys"));
  if (signing_keys_.empty()) RETURN_IF_ERROR(AddSigningKeyLocked().status());
  return absl::OkStatus();
}

absl::StatusOr<SigningKey> PassStore::AddSigningKeyLocked() {
  ASSIGN_OR_RETURN(Ed25519KeyPair pair, NewEd25519KeyPair());
  SigningKey key{
      .version = signing_keys_.empty() ? 1 : signing_keys_.back().version + 1,
      .private_key = std::move(pair.private_key),
      .public_key = std::move(pair.public_key),
      .created_at = ToStoredPrecision(Now())};
  RETURN_IF_ERROR(FromRocksDb(
      database_->db()->Put(SyncWrite(),
                           database_->Family(FixedFamily::kSigningKeys),
                           IdKey(key.version), EncodeSigningKey(key)),
      "writing a signing key"));
  signing_keys_.push_back(key);
  return key;
}

std::vector<SigningKey> PassStore::SigningKeys() const {
  absl::MutexLock lock(&clearing_mu_);
  return signing_keys_;
}

absl::StatusOr<SigningKey> PassStore::RotateSigningKey() {
  absl::MutexLock lock(&clearing_mu_);
  return AddSigningKeyLocked();
}

absl::Time PassStore::CycleCutOff() const {
  const ClearingCycle cycle = clearing_.cycle();
  if (options_.cycle_period) return cycle.opened_at + *options_.cycle_period;
  const absl::TimeZone utc = absl::UTCTimeZone();
  const absl::CivilMonth month = absl::ToCivilMonth(cycle.opened_at, utc);
  return absl::FromCivil(month + 1, utc);
}

void PassStore::WaitForLanes() {
  absl::BlockingCounter done(static_cast<int>(lanes_.size()));
  for (auto& lane : lanes_) {
    lane->SubmitBarrier(std::make_unique<LaneBarrier>(done));
  }
  done.Wait();
}

absl::StatusOr<uint32_t> PassStore::CountBatchLines(uint64_t batch_id) const {
  std::unique_ptr<rocksdb::Iterator> it(database_->db()->NewIterator(
      rocksdb::ReadOptions(), database_->Family(FixedFamily::kClaims)));
  const std::string prefix = IdKey(batch_id);
  uint32_t lines = 0;
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
       it->Next()) {
    ++lines;
  }
  RETURN_IF_ERROR(FromRocksDb(it->status(), "counting a batch's lines"));
  return lines;
}

void PassStore::QueueFullBatch(uint64_t batch_id) {
  absl::MutexLock lock(&scheduler_mu_);
  full_batches_.push_back(batch_id);
}

absl::StatusOr<CycleClose> PassStore::CloseCycle() {
  absl::MutexLock lock(&clearing_mu_);
  return CloseCycleLocked();
}

absl::StatusOr<CycleClose> PassStore::CloseCycleLocked() {
  const ClearingCycle closing = clearing_.cycle();
  const ClearingCycle next{.number = closing.number + 1,
                           .opened_at = ToStoredPrecision(Now())};
  // Durable first: after a crash the store must not go back to a cycle
  // some batches were already opened after.
  RETURN_IF_ERROR(
      FromRocksDb(database_->db()->Put(SyncWrite(), kMetaClearingCycle,
                                       EncodeClearingCycle(next)),
                  "opening the next clearing cycle"));
  std::vector<uint64_t> left_open = clearing_.AdvanceCycle(next);
  CycleClose totals{.closed_cycle = closing.number};
  if (absl::Status closed = CloseBatchesLocked(left_open, totals);
      !closed.ok()) {
    // The cycle has moved on: its batches must still close. The scheduler
    // retries them.
    for (uint64_t id : left_open) QueueFullBatch(id);
    return closed;
  }
  return totals;
}

absl::Status PassStore::CloseBatchesLocked(std::vector<uint64_t> ids,
                                           CycleClose& totals) {
  if (ids.empty()) return absl::OkStatus();
  WaitForLanes();
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  const SigningKey& key = signing_keys_.back();
  const absl::Time now = ToStoredPrecision(Now());
  rocksdb::ColumnFamilyHandle* batches =
      database_->Family(FixedFamily::kBatches);
  rocksdb::ColumnFamilyHandle* usage = database_->Family(FixedFamily::kUsage);
  for (size_t start = 0; start < ids.size(); start += kBatchesPerWrite) {
    const size_t end = std::min(ids.size(), start + kBatchesPerWrite);
    rocksdb::WriteBatch writes;
    std::vector<ClaimBatch> closed;
    uint64_t close_seq = last_close_seq_.load();
    for (size_t i = start; i < end; ++i) {
      absl::StatusOr<ClaimBatch> read = ReadBatch(ids[i]);
      if (absl::IsNotFound(read.status())) {
        // The group that opened it failed: it holds no line either.
        clearing_.ForgetBatch(ids[i]);
        continue;
      }
      ASSIGN_OR_RETURN(ClaimBatch batch, std::move(read));
      if (batch.status != BatchStatus::kOpen) continue;  // closed before
      std::map<uint64_t, ProgrammeSubtotal> subtotals;
      LinesDigest digest;
      ASSIGN_OR_RETURN(std::vector<ClaimLineEntry> lines,
                       ListBatchLines(batch.id, 0, SIZE_MAX));
      for (const ClaimLineEntry& entry : lines) {
        ProgrammeSubtotal& subtotal = subtotals[entry.line.programme_id];
        subtotal.programme_id = entry.line.programme_id;
        ++subtotal.lines;
        subtotal.cents += entry.line.face_value_cents;
        batch.total_cents += entry.line.face_value_cents;
        digest.Add(entry.line);
      }
      batch.line_count = static_cast<uint32_t>(lines.size());
      batch.closed_at = now;
      batch.lines_sha256 = digest.Finish();
      for (const auto& [programme_id, subtotal] : subtotals) {
        batch.subtotals.push_back(subtotal);
      }
      if (lines.empty()) {
        batch.status = BatchStatus::kEmpty;  // nothing to pay: not logged
      } else {
        batch.status = BatchStatus::kClosed;
        batch.close_seq = ++close_seq;
        batch.signing_key_version = key.version;
        ASSIGN_OR_RETURN(batch.signature,
                         SignEd25519(key.private_key, BatchStatement(batch)));
        writes.Put(database_->Family(FixedFamily::kBatchLog),
                   IdKey(batch.close_seq), EncodeMetaNumber(batch.id));
        for (const ProgrammeSubtotal& subtotal : batch.subtotals) {
          writes.Merge(usage,
                       UsageKey(subtotal.programme_id, UsageCounter::kClaimed),
                       EncodeUsageDelta(subtotal.lines));
        }
      }
      writes.Put(batches, IdKey(batch.id), EncodeClaimBatch(batch));
      writes.Delete(database_->Family(FixedFamily::kOpenBatches),
                    IdKey(batch.id));
      closed.push_back(std::move(batch));
    }
    RETURN_IF_ERROR(database_->WriteSynced(writes, "closing claim batches"));
    last_close_seq_.store(close_seq);
    for (const ClaimBatch& batch : closed) {
      clearing_.ForgetClosed(batch.venue_id, batch.id);
      if (batch.status != BatchStatus::kClosed) continue;
      batches_closed_.fetch_add(1, std::memory_order_relaxed);
      ++totals.batches_closed;
      totals.lines += batch.line_count;
      totals.total_cents += batch.total_cents;
    }
  }
  return absl::OkStatus();
}

void PassStore::RunClearingScheduler() {
  auto wake = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(scheduler_mu_) {
    return scheduler_stopping_ || !full_batches_.empty();
  };
  absl::Time next_purge = Now();
  while (true) {
    if (Now() >= next_purge) {
      // Off the hot path, at most hourly; a failed purge changed nothing it
      // cannot finish, and is run again an hour later.
      PurgeExpiredHistory().IgnoreError();
      next_purge = Now() + absl::Hours(1);
    }
    std::vector<uint64_t> full;
    {
      absl::MutexLock lock(&scheduler_mu_);
      scheduler_mu_.AwaitWithTimeout(absl::Condition(&wake), absl::Seconds(1));
      if (scheduler_stopping_) return;
      full.swap(full_batches_);
    }
    bool failed = false;
    {
      absl::MutexLock lock(&clearing_mu_);
      CycleClose ignored;
      failed = !CloseBatchesLocked(full, ignored).ok();
      if (options_.close_cycles_automatically && Now() >= CycleCutOff()) {
        failed = !CloseCycleLocked().ok() || failed;
      }
    }
    if (failed) {
      // A failed close changed nothing: retry later, without spinning.
      for (uint64_t id : full) QueueFullBatch(id);
      absl::SleepFor(absl::Seconds(1));
    }
  }
}

absl::StatusOr<PurgeReport> PassStore::PurgeExpiredHistory() {
  absl::MutexLock lock(&purge_mu_);
  return storage::PurgeExpiredHistory(*database_, catalog_,
                                      options_.history_retention, Now());
}

absl::StatusOr<ClaimBatch> PassStore::ReadBatch(uint64_t batch_id) const {
  std::string bytes;
  rocksdb::Status read = database_->db()->Get(
      rocksdb::ReadOptions(), database_->Family(FixedFamily::kBatches),
      IdKey(batch_id), &bytes);
  if (read.IsNotFound()) return BatchNotFound(batch_id);
  RETURN_IF_ERROR(FromRocksDb(read, "reading a batch"));
  return DecodeClaimBatch(bytes);
}

uint64_t PassStore::LastCloseSeq() const { return last_close_seq_.load(); }

absl::StatusOr<std::vector<ClaimBatch>> PassStore::ListClosedBatches(
    uint64_t after_close_seq, size_t limit) const {
  std::vector<ClaimBatch> batches;
  std::unique_ptr<rocksdb::Iterator> it(database_->db()->NewIterator(
      rocksdb::ReadOptions(), database_->Family(FixedFamily::kBatchLog)));
  for (it->Seek(IdKey(after_close_seq + 1));
       it->Valid() && batches.size() < limit; it->Next()) {
    ASSIGN_OR_RETURN(
        uint64_t close_seq,
        ParseIdKey(absl::string_view(it->key().data(), it->key().size())));
    ASSIGN_OR_RETURN(uint64_t batch_id,
                     DecodeValue(&DecodeMetaNumber, it->value()));
    ASSIGN_OR_RETURN(ClaimBatch batch, ReadBatch(batch_id));
    // A resubmitted batch appears at its old position too: the log shows it
    // where it is now.
    if (batch.close_seq != close_seq) continue;
    batches.push_back(std::move(batch));
  }
  RETURN_IF_ERROR(FromRocksDb(it->status(), "listing closed batches"));
  return batches;
}

absl::StatusOr<std::vector<ClaimBatch>> PassStore::ListVenueBatches(
    uint64_t venue_id, size_t limit) const {
  std::vector<ClaimBatch> batches;
  std::unique_ptr<rocksdb::Iterator> it(database_->db()->NewIterator(
      rocksdb::ReadOptions(), database_->Family(FixedFamily::kVenueBatches)));
  for (it->SeekForPrev(VenueBatchKey(venue_id, UINT64_MAX));
       it->Valid() && batches.size() < limit; it->Prev()) {
    ASSIGN_OR_RETURN(VenueBatchKeyParts key,
                     ParseVenueBatchKey(absl::string_view(it->key().data(),
                                                          it->key().size())));
    if (key.venue_id != venue_id) break;
    ASSIGN_OR_RETURN(ClaimBatch batch, ReadBatch(key.batch_id));
    batches.push_back(std::move(batch));
  }
  RETURN_IF_ERROR(FromRocksDb(it->status(), "listing a venue's batches"));
  return batches;
}

absl::StatusOr<std::vector<ClaimLineEntry>> PassStore::ListBatchLines(
    uint64_t batch_id, uint64_t after_seq, size_t limit) const {
  std::vector<ClaimLineEntry> entries;
  std::unique_ptr<rocksdb::Iterator> it(database_->db()->NewIterator(
      rocksdb::ReadOptions(), database_->Family(FixedFamily::kClaims)));
  const std::string prefix = IdKey(batch_id);
  for (it->Seek(ClaimKey(batch_id, after_seq + 1));
       it->Valid() && it->key().starts_with(prefix) && entries.size() < limit;
       it->Next()) {
    ASSIGN_OR_RETURN(
        ClaimKeyParts key,
        ParseClaimKey(absl::string_view(it->key().data(), it->key().size())));
    ASSIGN_OR_RETURN(ClaimLine line,
                     DecodeValue(&DecodeClaimLine, it->value()));
    entries.push_back({.seq = key.seq, .line = std::move(line)});
  }
  RETURN_IF_ERROR(FromRocksDb(it->status(), "listing a batch's lines"));
  return entries;
}

absl::Status PassStore::WriteBatchLocked(const ClaimBatch& batch,
                                         rocksdb::WriteBatch& writes,
                                         absl::string_view what) {
  writes.Put(database_->Family(FixedFamily::kBatches), IdKey(batch.id),
             EncodeClaimBatch(batch));
  return database_->WriteSynced(writes, what);
}

absl::StatusOr<ClaimBatch> PassStore::AcknowledgeBatch(
    uint64_t batch_id, const std::string& payment_reference,
    int64_t amount_paid_cents) {
  if (payment_reference.empty() || payment_reference.size() > 35) {
    return absl::InvalidArgumentError(absl::StrCat(
        "payment_reference: 1 to 35 characters (a SEPA reference), got ",
        payment_reference.size()));
  }
  absl::MutexLock lock(&clearing_mu_);
  ASSIGN_OR_RETURN(ClaimBatch batch, ReadBatch(batch_id));
  if (batch.status == BatchStatus::kPaid) {
    if (batch.payment_reference == payment_reference &&
        batch.amount_paid_cents == amount_paid_cents) {
      return batch;  // a replay of the same acknowledgement
    }
    return absl::AlreadyExistsError(absl::StrCat(
        "batch ", batch_id,
        " was already acknowledged with payment reference '",
        batch.payment_reference, "' for ", batch.amount_paid_cents,
        " cents; this acknowledgement (reference '", payment_reference, "', ",
        amount_paid_cents, " cents) conflicts with it"));
  }
  if (batch.status != BatchStatus::kClosed) {
    return absl::FailedPreconditionError(
        absl::StrCat("batch ", batch_id, " is ", BatchStatusName(batch.status),
                     "; only a closed batch can be acknowledged"));
  }
  if (amount_paid_cents != batch.total_cents) {
    return absl::InvalidArgumentError(
        absl::StrCat("amount_paid_cents: batch ", batch_id, " totals ",
                     batch.total_cents, " cents, got ", amount_paid_cents));
  }
  batch.status = BatchStatus::kPaid;
  batch.in_payment_file = false;  // its file is answered
  batch.payment_reference = payment_reference;
  batch.amount_paid_cents = amount_paid_cents;
  batch.paid_at = ToStoredPrecision(Now());
  rocksdb::WriteBatch writes;
  for (const ProgrammeSubtotal& subtotal : batch.subtotals) {
    writes.Merge(database_->Family(FixedFamily::kUsage),
                 UsageKey(subtotal.programme_id, UsageCounter::kPaid),
                 EncodeUsageDelta(subtotal.lines));
  }
  RETURN_IF_ERROR(WriteBatchLocked(batch, writes, "acknowledging a batch"));
  batches_acknowledged_.fetch_add(1, std::memory_order_relaxed);
  return batch;
}

absl::StatusOr<ClaimBatch> PassStore::RejectBatch(uint64_t batch_id,
                                                  const std::string& reason) {
  if (reason.empty() || reason.size() > kMaxReasonBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "reason: 1 to ", kMaxReasonBytes, " bytes, got ", reason.size()));
  }
  absl::MutexLock lock(&clearing_mu_);
  ASSIGN_OR_RETURN(ClaimBatch batch, ReadBatch(batch_id));
  if (batch.status == BatchStatus::kRejected) return batch;
  if (batch.status != BatchStatus::kClosed) {
    return absl::FailedPreconditionError(
        absl::StrCat("batch ", batch_id, " is ", BatchStatusName(batch.status),
                     "; only a closed batch awaiting payment can be rejected"));
  }
  batch.status = BatchStatus::kRejected;
  // Its file is answered: a resubmission goes into a new file, with a new
  // message id and end-to-end id.
  batch.in_payment_file = false;
  batch.rejection_reason = reason;
  batch.rejected_at = ToStoredPrecision(Now());
  rocksdb::WriteBatch writes;
  RETURN_IF_ERROR(WriteBatchLocked(batch, writes, "rejecting a batch"));
  batches_rejected_.fetch_add(1, std::memory_order_relaxed);
  return batch;
}

absl::StatusOr<ClaimBatch> PassStore::ResubmitBatch(uint64_t batch_id) {
  absl::MutexLock lock(&clearing_mu_);
  ASSIGN_OR_RETURN(ClaimBatch batch, ReadBatch(batch_id));
  if (batch.status != BatchStatus::kRejected) {
    return absl::FailedPreconditionError(
        absl::StrCat("batch ", batch_id, " is ", BatchStatusName(batch.status),
                     "; only a rejected batch can be resubmitted"));
  }
  batch.status = BatchStatus::kClosed;
  batch.close_seq = last_close_seq_.load() + 1;
  rocksdb::WriteBatch writes;
  writes.Put(database_->Family(FixedFamily::kBatchLog), IdKey(batch.close_seq),
             EncodeMetaNumber(batch.id));
  RETURN_IF_ERROR(WriteBatchLocked(batch, writes, "resubmitting a batch"));
  last_close_seq_.store(batch.close_seq);
  return batch;
}

absl::StatusOr<ClearingStats> PassStore::ClearingFigures() const {
  ClearingStats stats{
      .open_batches = clearing_.OpenBatchCount(),
      .batches_closed = batches_closed_.load(std::memory_order_relaxed),
      .batches_acknowledged =
          batches_acknowledged_.load(std::memory_order_relaxed),
      .batches_rejected = batches_rejected_.load(std::memory_order_relaxed)};
  // The mandatary pays roughly in log order, so the scan from the settled
  // prefix is short.
  absl::MutexLock lock(&backlog_mu_);
  std::unique_ptr<rocksdb::Iterator> it(database_->db()->NewIterator(
      rocksdb::ReadOptions(), database_->Family(FixedFamily::kBatchLog)));
  bool settled = true;
  for (it->Seek(IdKey(settled_below_)); it->Valid(); it->Next()) {
    ASSIGN_OR_RETURN(
        uint64_t close_seq,
        ParseIdKey(absl::string_view(it->key().data(), it->key().size())));
    ASSIGN_OR_RETURN(uint64_t batch_id,
                     DecodeValue(&DecodeMetaNumber, it->value()));
    ASSIGN_OR_RETURN(ClaimBatch batch, ReadBatch(batch_id));
    const bool superseded = batch.close_seq != close_seq;
    if (!superseded && batch.status == BatchStatus::kClosed) {
      stats.oldest_unpaid_closed_at = batch.closed_at;
      break;
    }
    // A rejected batch may come back at a later position: not settled yet.
    if (!superseded && batch.status == BatchStatus::kRejected) settled = false;
    if (settled) settled_below_ = close_seq + 1;
  }
  RETURN_IF_ERROR(FromRocksDb(it->status(), "reading the batch log"));
  return stats;
}

}  // namespace passclear::storage
