// Payment files: which SEPA file carried which batch, so that a bank is
// handed each payment once.
#include <random>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "storage/key_codec.h"
#include "storage/pass_store.h"
#include "storage/record_codec.h"
#include "storage/redeem_rules.h"
#include "storage/rocksdb_status.h"
#include "storage/status_macros.h"

namespace passclear::storage {
namespace {

std::string Base36(uint64_t value) {
  static constexpr char kDigits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  std::string digits;
  do {
    digits.insert(digits.begin(), kDigits[value % 36]);
    value /= 36;
  } while (value > 0);
  return digits;
}

// "PC-<store id>-<file number>-<creation second, base 36>", at most 35
// characters. The store id sets stores and instances apart; the number sets
// one store's files apart; the second sets apart the files of a store
// restored from a backup older than its last exports, whose counter went
// back.
std::string MessageId(absl::string_view store_id, uint64_t number,
                      absl::Time created_at) {
  return absl::StrCat(
      "PC-", store_id, "-", number, "-",
      Base36(static_cast<uint64_t>(absl::ToUnixSeconds(created_at))));
}

// One id per payment attempt: a bank that saw the rejected attempt's id
// must not take the corrected one for a duplicate.
std::string EndToEndId(absl::string_view instance, uint64_t batch_id,
                       uint32_t attempt) {
  return absl::StrCat(instance, instance.empty() ? "" : "-", "B", batch_id, "-",
                      attempt);
}

std::string PaymentFileKey(absl::string_view message_id) {
  return absl::StrCat(kMetaPaymentFilePrefix, message_id);
}

// Whether `batch_ids` are exactly the batches of `file`, in any order.
bool SameBatches(const PaymentFile& file,
                 const std::vector<uint64_t>& batch_ids) {
  if (file.batch_ids.size() != batch_ids.size()) return false;
  absl::flat_hash_set<uint64_t> in_file(file.batch_ids.begin(),
                                        file.batch_ids.end());
  for (uint64_t id : batch_ids) {
    if (!in_file.contains(id)) return false;
  }
  return true;
}

}  // namespace

absl::Status PassStore::LoadPaymentFiles() {
  rocksdb::DB& db = *database_->db();
  std::string bytes;
  rocksdb::Status read = db.Get(rocksdb::ReadOptions(), kMetaStoreId, &bytes);
  uint64_t id = 0;
  if (read.IsNotFound()) {
    id = std::random_device()();
    rocksdb::WriteBatch write;
    write.Put(kMetaStoreId, EncodeMetaNumber(id));
    RETURN_IF_ERROR(database_->WriteSynced(write, "writing the store id"));
  } else {
    RETURN_IF_ERROR(FromRocksDb(read, "reading the store id"));
    ASSIGN_OR_RETURN(id, DecodeMetaNumber(bytes));
  }
  store_id_ = absl::StrFormat("%08X", id);
  absl::MutexLock lock(&clearing_mu_);
  read = db.Get(rocksdb::ReadOptions(), kMetaNextPaymentFile, &bytes);
  if (read.IsNotFound()) return absl::OkStatus();
  RETURN_IF_ERROR(FromRocksDb(read, "reading the payment file counter"));
  ASSIGN_OR_RETURN(next_payment_file_, DecodeMetaNumber(bytes));
  return absl::OkStatus();
}

absl::StatusOr<PaymentFile> PassStore::ReadPaymentFile(
    absl::string_view message_id) const {
  std::string bytes;
  rocksdb::Status read = database_->db()->Get(
      rocksdb::ReadOptions(), PaymentFileKey(message_id), &bytes);
  if (read.IsNotFound()) {
    return absl::NotFoundError(
        absl::StrCat("no payment file '", message_id, "' was made here"));
  }
  RETURN_IF_ERROR(FromRocksDb(read, "reading a payment file"));
  return DecodePaymentFile(bytes);
}

absl::StatusOr<PaymentFile> PassStore::ExportPaymentFile(
    const std::vector<uint64_t>& batch_ids, absl::string_view instance,
    const PaymentFileBuilder& build) {
  absl::MutexLock lock(&clearing_mu_);
  const absl::Time now = ToStoredPrecision(Now());
  PaymentFilePlan plan{.created_at = now};
  absl::flat_hash_set<uint64_t> seen;
  std::optional<std::string> pending_file;  // of the first batch, if any
  for (size_t i = 0; i < batch_ids.size(); ++i) {
    const uint64_t id = batch_ids[i];
    const std::string field = absl::StrCat("batch_ids[", i, "]: batch ", id);
    if (!seen.insert(id).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, " is listed twice"));
    }
    ASSIGN_OR_RETURN(ClaimBatch batch, ReadBatch(id));
    if (batch.status != BatchStatus::kClosed) {
      return absl::FailedPreconditionError(absl::StrCat(
          field, " is ", BatchStatusName(batch.status),
          "; only a closed batch awaiting payment is paid (open, paid, "
          "rejected and empty ones are not)"));
    }
    if (batch.in_payment_file) {
      if (i == 0) pending_file = batch.payment_file_id;
      if (pending_file == batch.payment_file_id) continue;
      return absl::FailedPreconditionError(absl::StrCat(
          field, " is in payment file ", batch.payment_file_id, " made on ",
          FormatUtc(batch.exported_at),
          ", which awaits the mandatary's answer: a second file would pay it "
          "twice. Export exactly that file's batches to fetch it again, or "
          "reject the batch first"));
    }
    if (pending_file) break;  // a mix: refused below, naming the file
    std::shared_ptr<const Venue> venue = FindVenue(batch.venue_id);
    if (venue == nullptr || venue->iban.empty() || venue->bic.empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat(field, " pays venue ", batch.venue_id,
                       ", which has no IBAN and BIC to be paid to"));
    }
    std::string end_to_end_id =
        EndToEndId(instance, batch.id, batch.payment_attempts + 1);
    plan.transfers.push_back({.batch = std::move(batch),
                              .venue = std::move(venue),
                              .end_to_end_id = std::move(end_to_end_id)});
  }
  if (pending_file) {
    ASSIGN_OR_RETURN(PaymentFile file, ReadPaymentFile(*pending_file));
    if (SameBatches(file, batch_ids)) return file;
    return absl::FailedPreconditionError(absl::StrCat(
        "batch_ids: batch ", batch_ids.front(), " is in payment file ",
        file.message_id, " made on ", FormatUtc(file.created_at),
        ", which awaits the mandatary's answer and carries batches ",
        absl::StrJoin(file.batch_ids, ", "),
        ": export exactly those to fetch it again, or reject the batch first"));
  }

  const uint64_t number = next_payment_file_;
  plan.message_id = MessageId(store_id_, number, now);
  ASSIGN_OR_RETURN(std::string xml, build(plan));
  PaymentFile file{.number = number,
                   .message_id = plan.message_id,
                   .created_at = now,
                   .xml = std::move(xml)};
  rocksdb::WriteBatch writes;
  for (PlannedTransfer& transfer : plan.transfers) {
    ClaimBatch& batch = transfer.batch;
    file.batch_ids.push_back(batch.id);
    file.total_cents += batch.total_cents;
    batch.payment_file_id = plan.message_id;
    batch.end_to_end_id = transfer.end_to_end_id;
    batch.paid_to_iban = transfer.venue->iban;
    batch.exported_at = now;
    batch.payment_attempts += 1;
    batch.in_payment_file = true;
    writes.Put(database_->Family(FixedFamily::kBatches), IdKey(batch.id),
               EncodeClaimBatch(batch));
  }
  writes.Put(PaymentFileKey(file.message_id), EncodePaymentFile(file));
  writes.Put(kMetaNextPaymentFile, EncodeMetaNumber(number + 1));
  RETURN_IF_ERROR(database_->WriteSynced(writes, "recording a payment file"));
  next_payment_file_ = number + 1;
  return file;
}

}  // namespace passclear::storage
