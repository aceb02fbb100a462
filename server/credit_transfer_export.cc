#include "server/credit_transfer_export.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "storage/status_macros.h"

namespace passclear {
namespace {

// FNV-1a over the instance's name and the ids: stable across processes and
// releases.
uint64_t Fingerprint(absl::string_view instance,
                     const std::vector<uint64_t>& ids) {
  uint64_t hash = 14695981039346656037ull;
  for (char c : instance) {
    hash ^= static_cast<uint8_t>(c);
    hash *= 1099511628211ull;
  }
  for (uint64_t id : ids) {
    for (int byte = 0; byte < 8; ++byte) {
      hash ^= (id >> (8 * byte)) & 0xff;
      hash *= 1099511628211ull;
    }
  }
  return hash;
}

}  // namespace

absl::StatusOr<CreditTransferFile> ExportCreditTransfers(
    const storage::PassStore& store, const SepaAccount& mandatary,
    absl::string_view instance, const std::vector<uint64_t>& batch_ids,
    std::optional<absl::CivilDay> execution_date) {
  if (batch_ids.empty() || batch_ids.size() > kMaxBatchesPerTransferFile) {
    return absl::InvalidArgumentError(
        absl::StrCat("batch_ids: 1 to ", kMaxBatchesPerTransferFile,
                     " per file, got ", batch_ids.size()));
  }
  const absl::Time now = store.Now();
  const absl::TimeZone utc = absl::UTCTimeZone();
  SepaPaymentFile file{
      // The same batches always make the same message id, so that a bank
      // refuses a file exported twice as a duplicate; another instance's
      // batches of the same ids make another (the name would not fit the
      // 35 characters a message id may have).
      .message_id =
          absl::StrFormat("PC-%d-%d-%012x", batch_ids.front(), batch_ids.size(),
                          Fingerprint(instance, batch_ids) >> 16),
      .created_at = now,
      .debtor = mandatary,
      .execution_date =
          execution_date.value_or(absl::ToCivilDay(now, utc) + 1)};
  absl::flat_hash_set<uint64_t> seen;
  for (size_t i = 0; i < batch_ids.size(); ++i) {
    const uint64_t id = batch_ids[i];
    if (!seen.insert(id).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("batch_ids[", i, "]: batch ", id, " is listed twice"));
    }
    ASSIGN_OR_RETURN(storage::ClaimBatch batch, store.ReadBatch(id));
    if (batch.status != storage::BatchStatus::kClosed) {
      return absl::FailedPreconditionError(absl::StrCat(
          "batch_ids[", i, "]: batch ", id,
          " is not closed and awaiting payment (open, paid, rejected or "
          "empty); only such batches are paid"));
    }
    std::shared_ptr<const storage::Venue> venue =
        store.FindVenue(batch.venue_id);
    if (venue == nullptr || venue->iban.empty() || venue->bic.empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat("batch_ids[", i, "]: venue ", batch.venue_id,
                       " of batch ", id, " has no IBAN and BIC to be paid to"));
    }
    file.transfers.push_back(
        {.end_to_end_id =
             absl::StrCat(instance, instance.empty() ? "" : "-", "B", id),
         .creditor = {.name = venue->name,
                      .iban = venue->iban,
                      .bic = venue->bic},
         .amount_cents = batch.total_cents,
         .remittance = absl::StrCat("Pass Numerique batch ", instance,
                                    instance.empty() ? "" : "-", id, " cycle ",
                                    batch.cycle, " venue ", batch.venue_id, " ",
                                    batch.line_count, " passes")});
  }
  ASSIGN_OR_RETURN(std::string xml, WritePain001(file));
  CreditTransferFile result{
      .xml = std::move(xml),
      .message_id = file.message_id,
      .transfer_count = static_cast<uint32_t>(file.transfers.size())};
  for (const SepaTransfer& transfer : file.transfers) {
    result.total_cents += transfer.amount_cents;
  }
  return result;
}

}  // namespace passclear
