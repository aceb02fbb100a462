#include "storage/secrets.h"

#include <openssl/evp.h>

#include <cstdint>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "storage/secret_source.h"

namespace passclear::storage {
namespace {

constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

}  // namespace

std::string NewCredentialToken(absl::string_view label) {
  return "pc_" + absl::WebSafeBase64Escape(NewSecretBytes(label, 32));
}

std::string NewActivationCode(absl::string_view label) {
  const std::string bytes = NewSecretBytes(label, 20);
  std::string code;
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i > 0 && i % 4 == 0) code.push_back('-');
    // 5 of each byte's bits: 100 bits over 20 characters.
    code.push_back(kCrockford[static_cast<uint8_t>(bytes[i]) & 31]);
  }
  return code;
}

std::string NormalizeActivationCode(absl::string_view code) {
  std::string normalized;
  for (char c : code) {
    if (c == '-' || c == ' ') continue;
    c = absl::ascii_toupper(c);
    if (c == 'O') c = '0';
    if (c == 'I' || c == 'L') c = '1';
    normalized.push_back(c);
  }
  return normalized;
}

std::string Sha256(absl::string_view secret) {
  unsigned char digest[32];
  unsigned int length = 0;
  if (EVP_Digest(secret.data(), secret.size(), digest, &length, EVP_sha256(),
                 nullptr) != 1) {
    std::abort();  // SHA-256 is always built into OpenSSL
  }
  return std::string(reinterpret_cast<char*>(digest), length);
}

}  // namespace passclear::storage
