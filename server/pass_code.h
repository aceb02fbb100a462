// The code printed on a pass: what people type and scanners read.
//
// 24 digits: the 12-digit serial, a 10-digit authenticity tag (see
// storage/code_tag.h), and 2 check digits computed over the first 22 with
// ISO 7064 MOD 97-10 (as IBANs use). The check digits catch any single wrong
// digit and any swap of two neighbouring digits before the store is asked;
// the tag, checked by the store against the programme's key, refuses a
// forged or guessed code as COUNTERFEIT.
//
//   std::string code = FormatPassCode({.serial = 42, .tag = 1234567890});
//   absl::StatusOr<PassCode> parsed = ParsePassCode("000000000042 ...");
//
// Parsing ignores spaces and hyphens (printed groupings) and says what is
// wrong: missing, too long, a stray character, wrong length, or check
// digits that do not match.
#ifndef PASSCLEAR_SERVER_PASS_CODE_H_
#define PASSCLEAR_SERVER_PASS_CODE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace passclear {

inline constexpr size_t kMaxCodeLength = 64;
inline constexpr int kSerialDigits = 12;
inline constexpr int kTagDigits = 10;
inline constexpr int kCheckDigits = 2;
inline constexpr int kCodeDigits = kSerialDigits + kTagDigits + kCheckDigits;

struct PassCode {
  uint64_t serial = 0;  // at most storage::kMaxSerial
  uint64_t tag = 0;     // below storage::kTagModulus
};

std::string FormatPassCode(const PassCode& code);

// INVALID_ARGUMENT with a message starting "code: " when the code is not
// well formed.
[[nodiscard]] absl::StatusOr<PassCode> ParsePassCode(absl::string_view code);

}  // namespace passclear

#endif  // PASSCLEAR_SERVER_PASS_CODE_H_
