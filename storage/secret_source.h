// Where the secrets the service creates come from: programme keys,
// activation codes, credential tokens.
//
// By default each is fresh randomness from OpenSSL's CSPRNG. An instance of
// a partitioned scheme (several servers, each owning some pass shards; see
// storage/partition_map.h) instead derives each secret from the scheme
// secret every instance shares and a label naming what the secret is for:
//
//   UseSchemeSecret(ReadFile("/etc/passclear/scheme-secret"));  // at start
//   std::string key = NewSecretBytes("programme-key/7/1", 32);
//
// so that instances applying the same admin commands in the same order hold
// the same programme keys and credentials, and a code printed by one is
// authentic to all. A label must name the secret's owner and generation
// uniquely: two secrets with one label are one secret.
#ifndef PASSCLEAR_STORAGE_SECRET_SOURCE_H_
#define PASSCLEAR_STORAGE_SECRET_SOURCE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace passclear::storage {

// At least this many bytes of scheme secret (256 bits).
inline constexpr size_t kMinSchemeSecretBytes = 32;

// From now on, secrets are derived from `scheme_secret` (process-wide; the
// server calls it once at start, before opening the store).
// INVALID_ARGUMENT when it is shorter than kMinSchemeSecretBytes.
absl::Status UseSchemeSecret(absl::string_view scheme_secret);

// Back to fresh randomness (for tests).
void UseRandomSecrets();

// `count` (at most 32) secret bytes for `label`.
std::string NewSecretBytes(absl::string_view label, size_t count);

}  // namespace passclear::storage

#endif  // PASSCLEAR_STORAGE_SECRET_SOURCE_H_
