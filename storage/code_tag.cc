#include "storage/code_tag.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstdlib>

#include "storage/key_codec.h"

namespace passclear::storage {

uint64_t CodeTag(absl::string_view secret, uint64_t serial) {
  const std::string message = IdKey(serial);  // the serial, big-endian
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
       digest, &length);
  uint64_t prefix = 0;
  for (int i = 0; i < 8; ++i) prefix = (prefix << 8) | digest[i];
  return prefix % kTagModulus;
}

std::string NewKeySecret() {
  std::string secret(kKeyBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(secret.data()),
                 static_cast<int>(secret.size())) != 1) {
    // Without randomness no key can be trusted: fail loudly, never weakly.
    std::abort();
  }
  return secret;
}

}  // namespace passclear::storage
