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

uint64_t Number(absl::string_view digits) {
  uint64_t value = 0;
  for (char digit : digits) value = value * 10 + (digit - '0');
  return value;
}

}  // namespace

std::string FormatPassCode(const PassCode& code) {
  const std::string body = absl::StrFormat("%012d%010d", code.serial, code.tag);
  const int check = 98 - Mod97(absl::StrCat(body, "00"));
  return absl::StrFormat("%s%02d", body, check);
}

absl::StatusOr<PassCode> ParsePassCode(absl::string_view code) {
  if (code.empty()) return absl::InvalidArgumentError("code: required");
  if (code.size() > kMaxCodeLength) {
    return absl::InvalidArgumentError(absl::StrCat(
        "code: at most ", kMaxCodeLength, " characters, got ", code.size()));
  }
  std::string digits;
  digits.reserve(kCodeDigits);
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
  if (digits.size() != kCodeDigits) {
    return absl::InvalidArgumentError(
        absl::StrCat("code: must have ", kCodeDigits,
                     " digits (12 serial, 10 tag, 2 "
                     "check), got ",
                     digits.size()));
  }
  if (Mod97(digits) != 1) {
    return absl::InvalidArgumentError(
        "code: check digits do not match; the code was misread or mistyped");
  }
  const absl::string_view all(digits);
  return PassCode{.serial = Number(all.substr(0, kSerialDigits)),
                  .tag = Number(all.substr(kSerialDigits, kTagDigits))};
}

}  // namespace passclear
