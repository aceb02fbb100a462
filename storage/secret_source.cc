#include "storage/secret_source.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdlib>

#include "absl/base/attributes.h"
#include "absl/base/const_init.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace passclear::storage {
namespace {

constexpr size_t kMaxSecretBytes = 32;  // one HMAC-SHA256

ABSL_CONST_INIT absl::Mutex scheme_secret_mu(absl::kConstInit);
// Empty: fresh randomness.
std::string& SchemeSecret() ABSL_EXCLUSIVE_LOCKS_REQUIRED(scheme_secret_mu) {
  static auto* secret = new std::string;
  return *secret;
}

std::string RandomBytes(size_t count) {
  std::string bytes(count, '\0');
  // OpenSSL's generator seeds itself from the kernel; failing means the
  // kernel gave no entropy, and handing out a guessable secret is worse than
  // stopping.
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()),
                 static_cast<int>(count)) != 1) {
    std::abort();
  }
  return bytes;
}

std::string DerivedBytes(absl::string_view scheme_secret,
                         absl::string_view label, size_t count) {
  unsigned char digest[kMaxSecretBytes];
  size_t length = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr,
                scheme_secret.data(), scheme_secret.size(),
                reinterpret_cast<const unsigned char*>(label.data()),
                label.size(), digest, sizeof(digest), &length) == nullptr ||
      length != kMaxSecretBytes) {
    std::abort();  // OpenSSL without SHA-256: nothing can be trusted
  }
  return std::string(reinterpret_cast<const char*>(digest), count);
}

}  // namespace

absl::Status UseSchemeSecret(absl::string_view scheme_secret) {
  if (scheme_secret.size() < kMinSchemeSecretBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the scheme secret must be at least ", kMinSchemeSecretBytes,
        " bytes, got ", scheme_secret.size()));
  }
  absl::MutexLock lock(&scheme_secret_mu);
  SchemeSecret() = std::string(scheme_secret);
  return absl::OkStatus();
}

void UseRandomSecrets() {
  absl::MutexLock lock(&scheme_secret_mu);
  SchemeSecret().clear();
}

std::string NewSecretBytes(absl::string_view label, size_t count) {
  if (count > kMaxSecretBytes) std::abort();  // a programming error
  absl::MutexLock lock(&scheme_secret_mu);
  const std::string& scheme_secret = SchemeSecret();
  if (scheme_secret.empty()) return RandomBytes(count);
  return DerivedBytes(scheme_secret, label, count);
}

}  // namespace passclear::storage
