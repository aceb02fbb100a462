// Builds the SEPA credit transfer file paying a set of closed claim
// batches: one transfer per batch to its venue's account, from the payment
// mandatary's account.
//
//   ASSIGN_OR_RETURN(CreditTransferFile file,
//                    ExportCreditTransfers(store, mandatary, {42, 43}, {}));
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

// Every batch must exist, be closed (not yet paid, not rejected) and its
// venue must have payment details; otherwise the error names the batch and
// nothing is produced. `execution_date` defaults to the next day (UTC).
// `instance` names the instance of a partitioned scheme (empty otherwise):
// batch ids are per instance, so it goes into the file's and each
// transfer's ids, which banks require to be unique.
[[nodiscard]] absl::StatusOr<CreditTransferFile> ExportCreditTransfers(
    const storage::PassStore& store, const SepaAccount& mandatary,
    absl::string_view instance, const std::vector<uint64_t>& batch_ids,
    std::optional<absl::CivilDay> execution_date);

}  // namespace passclear

#endif  // PASSCLEAR_SERVER_CREDIT_TRANSFER_EXPORT_H_
