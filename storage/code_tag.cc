#include "storage/code_tag.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cstdlib>
#include <memory>

#include "absl/strings/str_cat.h"
#include "storage/key_codec.h"
#include "storage/secret_source.h"

namespace passclear::storage {
namespace {

// Tags are checked on every scan: HMAC() fetches the algorithm and keys a
// new context each call (about 0.9 us). Each thread keeps one HMAC context
// keyed with the last secret it used, and re-keys only when the secret
// changes (a handful of programme keys exist at a time).
class TagHasher {
 public:
  TagHasher() {
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr);
    if (mac == nullptr) std::abort();  // OpenSSL without HMAC: unusable
    context_.reset(EVP_MAC_CTX_new(mac));
    EVP_MAC_free(mac);  // the context holds its own reference
    if (context_ == nullptr) std::abort();
  }

  uint64_t Tag(absl::string_view secret, uint64_t serial) {
    if (!keyed_ || secret != key_) Rekey(secret);
    // A null key re-initialises the context with the key it already holds.
    const std::string message = IdKey(serial);  // the serial, big-endian
    unsigned char digest[EVP_MAX_MD_SIZE];
    size_t length = 0;
    if (EVP_MAC_init(context_.get(), nullptr, 0, nullptr) != 1 ||
        EVP_MAC_update(context_.get(),
                       reinterpret_cast<const unsigned char*>(message.data()),
                       message.size()) != 1 ||
        EVP_MAC_final(context_.get(), digest, &length, sizeof digest) != 1) {
      std::abort();  // only on memory exhaustion: no tag can be trusted
    }
    uint64_t prefix = 0;
    for (int i = 0; i < 8; ++i) prefix = (prefix << 8) | digest[i];
    return prefix % kTagModulus;
  }

 private:
  void Rekey(absl::string_view secret) {
    char digest_name[] = "SHA256";
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
        OSSL_PARAM_construct_end()};
    if (EVP_MAC_init(context_.get(),
                     reinterpret_cast<const unsigned char*>(secret.data()),
                     secret.size(), params) != 1) {
      std::abort();
    }
    key_.assign(secret.data(), secret.size());
    keyed_ = true;
  }

  struct FreeContext {
    void operator()(EVP_MAC_CTX* context) const { EVP_MAC_CTX_free(context); }
  };
  std::unique_ptr<EVP_MAC_CTX, FreeContext> context_;
  std::string key_;
  bool keyed_ = false;
};

}  // namespace

uint64_t CodeTag(absl::string_view secret, uint64_t serial) {
  thread_local TagHasher hasher;
  return hasher.Tag(secret, serial);
}

std::string NewKeySecret(uint64_t programme_id, uint32_t version) {
  return NewSecretBytes(
      absl::StrCat("programme-key/", programme_id, "/", version), kKeyBytes);
}

}  // namespace passclear::storage
