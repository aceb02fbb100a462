#include "storage/ed25519.h"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <climits>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace passclear::storage {
namespace {

struct PkeyDeleter {
  void operator()(EVP_PKEY* pkey) const { EVP_PKEY_free(pkey); }
};
struct PkeyContextDeleter {
  void operator()(EVP_PKEY_CTX* context) const { EVP_PKEY_CTX_free(context); }
};
struct DigestContextDeleter {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using PkeyContext = std::unique_ptr<EVP_PKEY_CTX, PkeyContextDeleter>;
using DigestContext = std::unique_ptr<EVP_MD_CTX, DigestContextDeleter>;
using Bio = std::unique_ptr<BIO, BioDeleter>;

// OpenSSL keeps a per-thread queue of errors; a failure we report must not
// leave its entries behind, or they would be blamed on the next unrelated
// OpenSSL call on this thread. So every failure path drains the queue here.
absl::Status OpenSslError(absl::StatusCode code, absl::string_view what) {
  const unsigned long error = ERR_get_error();  // the earliest is the cause
  ERR_clear_error();
  if (error == 0) return absl::Status(code, what);
  char text[256];
  ERR_error_string_n(error, text, sizeof(text));
  return absl::Status(code, absl::StrCat(what, ": ", text));
}

absl::Status InternalError(absl::string_view what) {
  return OpenSslError(absl::StatusCode::kInternal, what);
}

// A default-constructed string_view has a null data(); OpenSSL is not
// promised to accept a null pointer even with a zero length, so an empty
// input is handed over as a pointer to a real (unread) byte.
const unsigned char* Bytes(absl::string_view bytes) {
  static constexpr unsigned char kNothing = 0;
  return bytes.empty() ? &kNothing
                       : reinterpret_cast<const unsigned char*>(bytes.data());
}

absl::StatusOr<std::string> RawPublicKey(const EVP_PKEY& pkey) {
  std::string public_key(kEd25519PublicKeyBytes, '\0');
  size_t length = public_key.size();
  if (EVP_PKEY_get_raw_public_key(
          &pkey, reinterpret_cast<unsigned char*>(public_key.data()),
          &length) != 1 ||
      length != kEd25519PublicKeyBytes) {
    return InternalError("cannot read the Ed25519 public key");
  }
  return public_key;
}

// The public-key half of a key pair, ready for EVP_DigestVerify or PEM.
// INVALID_ARGUMENT for a wrong size; OpenSSL 3 checks no more than that here
// (a key that is not a curve point only fails to verify later).
absl::StatusOr<Pkey> PublicPkey(absl::string_view public_key) {
  if (public_key.size() != kEd25519PublicKeyBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("an Ed25519 public key is ", kEd25519PublicKeyBytes,
                     " bytes, not ", public_key.size()));
  }
  Pkey pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                        Bytes(public_key), public_key.size()));
  if (pkey == nullptr) {
    return OpenSslError(absl::StatusCode::kInvalidArgument,
                        "not an Ed25519 public key");
  }
  return pkey;
}

// The private-key half, ready for EVP_DigestSign. INVALID_ARGUMENT for a
// wrong size; every 32-byte string is a valid seed.
absl::StatusOr<Pkey> PrivatePkey(absl::string_view private_key) {
  if (private_key.size() != kEd25519PrivateKeyBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("an Ed25519 private key is ", kEd25519PrivateKeyBytes,
                     " bytes, not ", private_key.size()));
  }
  Pkey pkey(EVP_PKEY_new_raw_private_key(
      EVP_PKEY_ED25519, nullptr, Bytes(private_key), private_key.size()));
  if (pkey == nullptr) {
    return InternalError("cannot load the Ed25519 private key");
  }
  return pkey;
}

}  // namespace

absl::StatusOr<Ed25519KeyPair> NewEd25519KeyPair() {
  PkeyContext context(EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr));
  if (context == nullptr) {
    return InternalError("cannot set up Ed25519 key generation");
  }
  EVP_PKEY* generated = nullptr;
  if (EVP_PKEY_keygen_init(context.get()) != 1 ||
      EVP_PKEY_generate(context.get(), &generated) != 1) {
    return InternalError("cannot generate an Ed25519 key pair");
  }
  const Pkey pkey(generated);

  Ed25519KeyPair keys;
  keys.private_key.assign(kEd25519PrivateKeyBytes, '\0');
  size_t length = keys.private_key.size();
  if (EVP_PKEY_get_raw_private_key(
          pkey.get(), reinterpret_cast<unsigned char*>(keys.private_key.data()),
          &length) != 1 ||
      length != kEd25519PrivateKeyBytes) {
    OPENSSL_cleanse(keys.private_key.data(), keys.private_key.size());
    return InternalError("cannot read the Ed25519 private key");
  }
  absl::StatusOr<std::string> public_key = RawPublicKey(*pkey);
  if (!public_key.ok()) {
    OPENSSL_cleanse(keys.private_key.data(), keys.private_key.size());
    return std::move(public_key).status();
  }
  keys.public_key = *std::move(public_key);
  return keys;
}

absl::StatusOr<std::string> SignEd25519(absl::string_view private_key,
                                        absl::string_view message) {
  absl::StatusOr<Pkey> pkey = PrivatePkey(private_key);
  if (!pkey.ok()) return std::move(pkey).status();
  const DigestContext context(EVP_MD_CTX_new());
  // Ed25519 hashes internally (SHA-512 is part of the scheme), so no digest
  // is named and the whole message goes in one one-shot EVP_DigestSign call.
  if (context == nullptr || EVP_DigestSignInit(context.get(), nullptr, nullptr,
                                               nullptr, pkey->get()) != 1) {
    return InternalError("cannot set up Ed25519 signing");
  }
  std::string signature(kEd25519SignatureBytes, '\0');
  size_t length = signature.size();
  if (EVP_DigestSign(context.get(),
                     reinterpret_cast<unsigned char*>(signature.data()),
                     &length, Bytes(message), message.size()) != 1 ||
      length != kEd25519SignatureBytes) {
    return InternalError("cannot sign with Ed25519");
  }
  return signature;
}

bool VerifyEd25519(absl::string_view public_key, absl::string_view message,
                   absl::string_view signature) {
  if (signature.size() != kEd25519SignatureBytes) return false;
  absl::StatusOr<Pkey> pkey = PublicPkey(public_key);
  if (!pkey.ok()) return false;
  const DigestContext context(EVP_MD_CTX_new());
  if (context == nullptr ||
      EVP_DigestVerifyInit(context.get(), nullptr, nullptr, nullptr,
                           pkey->get()) != 1) {
    ERR_clear_error();
    return false;
  }
  // 1 is a valid signature; 0 a wrong one; below 0 an error, also "no".
  const int verdict =
      EVP_DigestVerify(context.get(), Bytes(signature), signature.size(),
                       Bytes(message), message.size());
  if (verdict != 1) ERR_clear_error();  // a forgery is no error to remember
  return verdict == 1;
}

absl::StatusOr<std::string> Ed25519PublicKeyFromPrivate(
    absl::string_view private_key) {
  absl::StatusOr<Pkey> pkey = PrivatePkey(private_key);
  if (!pkey.ok()) return std::move(pkey).status();
  return RawPublicKey(**pkey);
}

absl::StatusOr<std::string> Ed25519PublicKeyPem(absl::string_view public_key) {
  absl::StatusOr<Pkey> pkey = PublicPkey(public_key);
  if (!pkey.ok()) return std::move(pkey).status();
  const Bio bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || PEM_write_bio_PUBKEY(bio.get(), pkey->get()) != 1) {
    return InternalError("cannot write the Ed25519 public key as PEM");
  }
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  if (length <= 0 || data == nullptr) {
    return InternalError("cannot read back the PEM public key");
  }
  return std::string(data, static_cast<size_t>(length));
}

absl::StatusOr<std::string> Ed25519PublicKeyFromPem(absl::string_view pem) {
  if (pem.size() > static_cast<size_t>(INT_MAX)) {
    return absl::InvalidArgumentError("PEM input too large");
  }
  const Bio bio(BIO_new_mem_buf(Bytes(pem), static_cast<int>(pem.size())));
  if (bio == nullptr) return InternalError("cannot buffer the PEM input");
  // A public key is never encrypted; a callback that has no passphrase keeps
  // OpenSSL's default one from ever prompting on the terminal.
  pem_password_cb* const no_passphrase = [](char*, int, int, void*) {
    return 0;
  };
  const Pkey pkey(
      PEM_read_bio_PUBKEY(bio.get(), nullptr, no_passphrase, nullptr));
  if (pkey == nullptr) {
    return OpenSslError(absl::StatusCode::kInvalidArgument,
                        "no PEM public key found");
  }
  if (EVP_PKEY_get_base_id(pkey.get()) != EVP_PKEY_ED25519) {
    const char* type = EVP_PKEY_get0_type_name(pkey.get());
    return absl::InvalidArgumentError(absl::StrCat(
        "the PEM public key is ", type != nullptr ? type : "of an unknown type",
        ", not Ed25519"));
  }
  return RawPublicKey(*pkey);
}

}  // namespace passclear::storage
