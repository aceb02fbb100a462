// Secrets handed to callers, and the one-way hash the store keeps of them.
// Their bytes come from storage/secret_source.h: random, or derived from the
// scheme secret and `label` (which names the secret's owner and generation).
#ifndef PASSCLEAR_STORAGE_SECRETS_H_
#define PASSCLEAR_STORAGE_SECRETS_H_

#include <string>

#include "absl/strings/string_view.h"

namespace passclear::storage {

// A credential: "pc_" and 256 random bits in unpadded base64url (46
// characters in all).
std::string NewCredentialToken(absl::string_view label);

// An activation code for a person to type: 100 random bits as 20 characters
// of Crockford's base32 in groups of four, "7KQ2-M9XA-...".
std::string NewActivationCode(absl::string_view label);

// The code as hashed: hyphens and spaces dropped, upper case, and the
// letters people confuse read as Crockford's base32 reads them (O as 0,
// I and L as 1).
std::string NormalizeActivationCode(absl::string_view code);

// SHA-256 of `secret`, 32 raw bytes.
std::string Sha256(absl::string_view secret);

}  // namespace passclear::storage

#endif  // PASSCLEAR_STORAGE_SECRETS_H_
