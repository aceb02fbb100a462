// Checks of the identifiers that let a venue be paid: its SIRET (the French
// establishment number), and the IBAN and BIC of its bank account. Each
// error is INVALID_ARGUMENT and names the field.
//
//   ASSIGN_OR_RETURN(std::string iban, NormalizeIban("iban", "fr76 3000 ..."));
//
// IBANs are normalised (spaces removed, upper case) before their ISO 13616
// MOD 97 check; a SIRET is 14 digits with a Luhn check digit.
#ifndef PASSCLEAR_STORAGE_VENUE_IDENTIFIERS_H_
#define PASSCLEAR_STORAGE_VENUE_IDENTIFIERS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace passclear::storage {

[[nodiscard]] absl::StatusOr<std::string> NormalizeIban(absl::string_view field,
                                                        absl::string_view iban);
[[nodiscard]] absl::Status CheckBic(absl::string_view field,
                                    absl::string_view bic);
[[nodiscard]] absl::Status CheckSiret(absl::string_view field,
                                      absl::string_view siret);
// The valid SIRET whose first 13 digits are `number` (modulo 10^13, zero
// padded) followed by its check digit: distinct venues for demo data,
// tests and benchmarks, which must not share one.
std::string SiretOfNumber(uint64_t number);

}  // namespace passclear::storage

#endif  // PASSCLEAR_STORAGE_VENUE_IDENTIFIERS_H_
