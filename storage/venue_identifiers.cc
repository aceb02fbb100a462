#include "storage/venue_identifiers.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace passclear::storage {
namespace {

absl::Status Invalid(absl::string_view field, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", problem));
}

}  // namespace

absl::StatusOr<std::string> NormalizeIban(absl::string_view field,
                                          absl::string_view iban) {
  std::string normalized;
  for (char c : iban) {
    if (c == ' ') continue;
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c))) {
      return Invalid(field, "only letters and digits allowed");
    }
    normalized.push_back(absl::ascii_toupper(static_cast<unsigned char>(c)));
  }
  if (normalized.empty()) return Invalid(field, "required");
  if (normalized.size() < 15 || normalized.size() > 34) {
    return Invalid(field, absl::StrCat("must have 15 to 34 characters, got ",
                                       normalized.size()));
  }
  if (!absl::ascii_isalpha(static_cast<unsigned char>(normalized[0])) ||
      !absl::ascii_isalpha(static_cast<unsigned char>(normalized[1])) ||
      !absl::ascii_isdigit(static_cast<unsigned char>(normalized[2])) ||
      !absl::ascii_isdigit(static_cast<unsigned char>(normalized[3]))) {
    return Invalid(field, "must start with a country code and 2 check digits");
  }
  // ISO 13616: move the first four characters to the end, read letters as
  // 10..35, and the number must be 1 modulo 97.
  const std::string rearranged = normalized.substr(4) + normalized.substr(0, 4);
  int remainder = 0;
  for (char c : rearranged) {
    const int value = absl::ascii_isdigit(static_cast<unsigned char>(c))
                          ? c - '0'
                          : c - 'A' + 10;
    remainder = (remainder * (value >= 10 ? 100 : 10) + value) % 97;
  }
  if (remainder != 1) {
    return Invalid(field, "check digits do not match; the IBAN is mistyped");
  }
  return normalized;
}

absl::Status CheckBic(absl::string_view field, absl::string_view bic) {
  if (bic.empty()) return Invalid(field, "required");
  if (bic.size() != 8 && bic.size() != 11) {
    return Invalid(
        field, absl::StrCat("must have 8 or 11 characters, got ", bic.size()));
  }
  for (size_t i = 0; i < bic.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(bic[i]);
    const bool ok = i < 6 ? absl::ascii_isupper(c)
                          : absl::ascii_isupper(c) || absl::ascii_isdigit(c);
    if (!ok) {
      return Invalid(field,
                     "must be 4 letters (bank), 2 letters (country), then "
                     "letters or digits, in upper case");
    }
  }
  return absl::OkStatus();
}

std::string SiretOfNumber(uint64_t number) {
  std::string siret = absl::StrFormat("%013d", number % 10'000'000'000'000);
  int sum = 0;
  for (size_t i = 0; i < siret.size(); ++i) {
    int digit = siret[i] - '0';
    if (i % 2 == 0) {  // as CheckSiret doubles them, the 14th digit included
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  siret.push_back(static_cast<char>('0' + (10 - sum % 10) % 10));
  return siret;
}

absl::Status CheckSiret(absl::string_view field, absl::string_view siret) {
  if (siret.empty()) return Invalid(field, "required");
  if (siret.size() != 14) {
    return Invalid(field, absl::StrCat("must have 14 digits, got ",
                                       siret.size(), " characters"));
  }
  int sum = 0;
  for (size_t i = 0; i < siret.size(); ++i) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(siret[i]))) {
      return Invalid(field, "digits only");
    }
    // Luhn: every second digit from the right is doubled.
    int digit = siret[i] - '0';
    if (i % 2 == 0) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  if (sum % 10 != 0) {
    return Invalid(field, "check digit does not match; the SIRET is mistyped");
  }
  return absl::OkStatus();
}

}  // namespace passclear::storage
