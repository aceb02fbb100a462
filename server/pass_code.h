// The code printed on a pass: what people type and scanners read.
//
// A code is the 12-digit serial followed by 2 check digits computed with
// ISO 7064 MOD 97-10 (as IBANs use): any single wrong digit and any swap of
// two neighbouring digits is caught before the store is asked.
//
//   std::string code = FormatPassCode(42);            // "00000000004269"
//   absl::StatusOr<uint64_t> serial = ParsePassCode("0000 0000 0042 69");
//
// Parsing ignores spaces and hyphens (typed or printed groupings) and says
// what is wrong: missing, too long, a stray character, wrong length, or check
// digits that do not match.
#ifndef PASSCLEAR_SERVER_PASS_CODE_H_
#define PASSCLEAR_SERVER_PASS_CODE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage/records.h"

namespace passclear {

inline constexpr size_t kMaxCodeLength = 64;
inline constexpr int kSerialDigits = 12;
inline constexpr int kCheckDigits = 2;
// `serial` must be at most storage::kMaxSerial.
std::string FormatPassCode(uint64_t serial);

// INVALID_ARGUMENT with a message starting "code: " when the code is not
// well formed.
[[nodiscard]] absl::StatusOr<uint64_t> ParsePassCode(absl::string_view code);

}  // namespace passclear

#endif  // PASSCLEAR_SERVER_PASS_CODE_H_
