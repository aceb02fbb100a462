#include "server/pass_code.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace passclear {
namespace {

// ISO 7064 MOD 97-10 over a string of digits.
int Mod97(absl::string_view digits) {
  int remainder = 0;
  for (char digit : digits) remainder = (remainder * 10 + (digit - '0')) % 97;
  return remainder;
}

}  // namespace

std::string FormatPassCode(uint64_t serial) {
  std::string code = absl::StrFormat("%012d00", serial);
  const int check = 98 - Mod97(code);
  return absl::StrFormat("%012d%02d", serial, check);
}

absl::StatusOr<uint64_t> ParsePassCode(absl::string_view code) {
  if (code.empty()) return absl::InvalidArgumentError("code: required");
  if (code.size() > kMaxCodeLength) {
    return absl::InvalidArgumentError(absl::StrCat(
        "code: at most ", kMaxCodeLength, " characters, got ", code.size()));
  }
  std::string digits;
  digits.reserve(kSerialDigits + kCheckDigits);
  for (size_t i = 0; i < code.size(); ++i) {
    const char c = code[i];
    if (c == ' ' || c == '-') continue;
    if (c < '0' || c > '9') {
      return absl::InvalidArgumentError(absl::StrFormat(
          "code: unexpected character 0x%02x at position %d; a code has "
          "digits only",
          static_cast<unsigned char>(c), i + 1));
    }
    digits.push_back(c);
  }
  if (digits.size() != kSerialDigits + kCheckDigits) {
    return absl::InvalidArgumentError(
        absl::StrCat("code: must have ", kSerialDigits + kCheckDigits,
                     " digits (12 serial, 2 check), got ", digits.size()));
  }
  if (Mod97(digits) != 1) {
    return absl::InvalidArgumentError(
        "code: check digits do not match; the code was misread or mistyped");
  }
  uint64_t serial = 0;
  for (int i = 0; i < kSerialDigits; ++i)
    serial = serial * 10 + (digits[i] - '0');
  return serial;
}

}  // namespace passclear
