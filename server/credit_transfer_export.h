// Builds the SEPA credit transfer file paying a set of closed claim
// batches: one transfer per batch to its venue's account, from the payment
// mandatary's account.
//
//   ASSIGN_OR_RETURN(CreditTransferFile file,
//                    ExportCreditTransfers(store, mandatary, "", {42, 43},
//                    {}));
#ifndef PASSCLEAR_SERVER_CREDIT_TRANSFER_EXPORT_H_
#define PASSCLEAR_SERVER_CREDIT_TRANSFER_EXPORT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "server/sepa_credit_transfer.h"
#include "storage/pass_store.h"

namespace passclear {

inline constexpr size_t kMaxBatchesPerTransferFile = 2000;

struct CreditTransferFile {
  std::string xml;
  std::string message_id;
  uint32_t transfer_count = 0;
  int64_t total_cents = 0;
};

// Every batch must exist, be closed (not yet paid, not rejected), not be in
// another file awaiting the mandatary's answer, and its venue must have
// payment details; otherwise the error names the batch and nothing is
// produced. The file is recorded with its batches before it is returned
// (PassStore::ExportPaymentFile); exactly the batches of a pending file
// give that file again. `execution_date` defaults to the next day (UTC)
// and may not be in the past. `instance` names the instance of a
// partitioned scheme (empty otherwise): batch ids are per instance, so it
// goes into each transfer's ids, which banks require to be unique.
[[nodiscard]] absl::StatusOr<CreditTransferFile> ExportCreditTransfers(
    storage::PassStore& store, const SepaAccount& mandatary,
    absl::string_view instance, const std::vector<uint64_t>& batch_ids,
    std::optional<absl::CivilDay> execution_date);

}  // namespace passclear

#endif  // PASSCLEAR_SERVER_CREDIT_TRANSFER_EXPORT_H_
