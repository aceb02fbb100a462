#include "server/credit_transfer_export.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "storage/status_macros.h"

namespace passclear {

absl::StatusOr<CreditTransferFile> ExportCreditTransfers(
    storage::PassStore& store, const SepaAccount& mandatary,
    absl::string_view instance, const std::vector<uint64_t>& batch_ids,
    std::optional<absl::CivilDay> execution_date) {
  if (batch_ids.empty() || batch_ids.size() > kMaxBatchesPerTransferFile) {
    return absl::InvalidArgumentError(
        absl::StrCat("batch_ids: 1 to ", kMaxBatchesPerTransferFile,
                     " per file, got ", batch_ids.size()));
  }
  const absl::CivilDay today =
      absl::ToCivilDay(store.Now(), absl::UTCTimeZone());
  if (execution_date && *execution_date < today) {
    return absl::InvalidArgumentError(
        absl::StrCat("execution_date: ", absl::FormatCivilTime(*execution_date),
                     " is in the past (today is ", absl::FormatCivilTime(today),
                     " UTC); a bank refuses it"));
  }
  const absl::CivilDay day = execution_date.value_or(today + 1);
  auto build = [&](const storage::PaymentFilePlan& plan) {
    SepaPaymentFile file{.message_id = plan.message_id,
                         .created_at = plan.created_at,
                         .debtor = mandatary,
                         .execution_date = day};
    for (const storage::PlannedTransfer& transfer : plan.transfers) {
      const storage::ClaimBatch& batch = transfer.batch;
      file.transfers.push_back(
          {.end_to_end_id = transfer.end_to_end_id,
           .creditor = {.name = transfer.venue->name,
                        .iban = transfer.venue->iban,
                        .bic = transfer.venue->bic},
           .amount_cents = batch.total_cents,
           .remittance = absl::StrCat(
               "Pass Numerique batch ", instance, instance.empty() ? "" : "-",
               batch.id, " cycle ", batch.cycle, " venue ", batch.venue_id, " ",
               batch.line_count, " passes")});
    }
    return WritePain001(file);
  };
  ASSIGN_OR_RETURN(storage::PaymentFile file,
                   store.ExportPaymentFile(batch_ids, instance, build));
  return CreditTransferFile{
      .xml = std::move(file.xml),
      .message_id = std::move(file.message_id),
      .transfer_count = static_cast<uint32_t>(file.batch_ids.size()),
      .total_cents = file.total_cents};
}

}  // namespace passclear
