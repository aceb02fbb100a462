// Writes the SEPA credit transfer file (ISO 20022 pain.001.001.03) that pays
// venues what they redeemed: one batch from the payment mandatary's account,
// one transfer per claim batch, in euros. The bank takes the file as is, so
// everything the schema or the SEPA rules would refuse is refused here first.
//
//   SepaPaymentFile file = {
//       .message_id = "PASSCLEAR-2024-05-31-1",
//       .created_at = absl::Now(),
//       .debtor = {.name = "Pass Culture Mandataire",
//                  .iban = "FR7630006000011234567890189",
//                  .bic = "AGRIFRPP"},
//       .execution_date = absl::CivilDay(2024, 6, 3),
//       .transfers = {{.end_to_end_id = "B000000000042",
//                      .creditor = {.name = "Médiathèque de Saint-Étienne",
//                                   .iban = "FR1420041010050500013M02606",
//                                   .bic = "PSSTFRPPLIL"},
//                      .amount_cents = 123450,
//                      .remittance = "Passes redeemed in May 2024"}},
//   };
//   ASSIGN_OR_RETURN(std::string xml, WritePain001(file));
//
// What is checked and what is cleaned:
// - Identifiers (message_id, end_to_end_id) are refused, never altered,
//   when they are not 1 to 35 characters of the SEPA character set
//   (a-z A-Z 0-9 / - ? : ( ) . , ' + space), or when they start or end with
//   '/' or contain "//" (EPC rule); a silently changed reference could no
//   longer be matched against the bank statement.
// - Names and remittance text are free text, so they are cleaned instead:
//   French accented letters lose their accents (é -> e, œ -> oe, ...),
//   typographic apostrophes and dashes become ' and -, any other character
//   outside the SEPA set becomes a space, runs of spaces collapse, and the
//   result is cut to 70 (names, the EPC limit) or 140 (remittance)
//   characters. A name that cleans to nothing is refused; an empty
//   remittance is left out of the file.
// - IBANs and BICs must match the schema's patterns exactly (upper case, no
//   spaces); they are expected normalised already, as storage keeps them.
// - An amount is 1 cent to 999,999,999.99 EUR (the SEPA rulebook's limit
//   for one credit transfer). Amounts and control sums are written from the
//   integer cents, never through floating point.
// - created_at and execution_date must have four-digit years.
//
// Every error is INVALID_ARGUMENT and starts with the field, e.g.
// "transfers[3].creditor.iban: ...", and then nothing is written.
#ifndef PASSCLEAR_SERVER_SEPA_CREDIT_TRANSFER_H_
#define PASSCLEAR_SERVER_SEPA_CREDIT_TRANSFER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace passclear {

// The largest amount of one SEPA credit transfer: 999,999,999.99 EUR.
inline constexpr int64_t kMaxSepaTransferCents = 99'999'999'999;

struct SepaAccount {
  std::string name;  // cleaned and cut to 70 characters
  std::string iban;  // schema IBAN2007Identifier, e.g. "FR76300060000112..."
  std::string bic;   // schema BICIdentifier, 8 or 11 characters
};

struct SepaTransfer {
  std::string end_to_end_id;  // e.g. "B000000000042" (a claim batch id)
  SepaAccount creditor;       // the venue
  int64_t amount_cents = 0;   // 1 to kMaxSepaTransferCents
  std::string remittance;     // cleaned and cut to 140 characters; optional
};

struct SepaPaymentFile {
  // Unique per file: banks refuse a message id they have already seen. Also
  // used as the id of the file's only payment information block.
  std::string message_id;
  absl::Time created_at;                // written in UTC
  SepaAccount debtor;                   // the payment mandatary's account
  absl::CivilDay execution_date;        // requested execution date
  std::vector<SepaTransfer> transfers;  // at least one
};

// The pain.001.001.03 document, UTF-8 (in fact plain ASCII once cleaned).
[[nodiscard]] absl::StatusOr<std::string> WritePain001(
    const SepaPaymentFile& file);

}  // namespace passclear

#endif  // PASSCLEAR_SERVER_SEPA_CREDIT_TRANSFER_H_
