// The authenticity tag printed in a pass's code: a truncated HMAC-SHA256 of
// the serial under the programme's secret key, as 10 decimal digits (about
// 33 bits): a guessed or forged code passes with odds of 1 in 10^10.
//
//   uint64_t tag = CodeTag(key.secret, serial);  // 0 to 9,999,999,999
//
// Caution: printed codes depend on this function; changing it makes every
// printed pass counterfeit.
#ifndef PASSCLEAR_STORAGE_CODE_TAG_H_
#define PASSCLEAR_STORAGE_CODE_TAG_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace passclear::storage {

inline constexpr uint64_t kTagModulus = 10'000'000'000;  // 10 digits
inline constexpr size_t kKeyBytes = 32;

uint64_t CodeTag(absl::string_view secret, uint64_t serial);

// kKeyBytes for key `version` of programme `programme_id`: random, or
// derived from the scheme secret (storage/secret_source.h).
std::string NewKeySecret(uint64_t programme_id, uint32_t version);

}  // namespace passclear::storage

#endif  // PASSCLEAR_STORAGE_CODE_TAG_H_
