// Ed25519 (RFC 8032) signatures for claim-batch statements: the clearing
// service signs each statement it hands out, and a venue or auditor checks
// it with nothing but the published public key, here or with the openssl
// command-line tool.
//
//   ASSIGN_OR_RETURN(Ed25519KeyPair keys, NewEd25519KeyPair());
//   ASSIGN_OR_RETURN(std::string signature,
//                    SignEd25519(keys.private_key, statement));
//   bool authentic = VerifyEd25519(keys.public_key, statement, signature);
//
//   // Publish the key so that others can check statements themselves with
//   //   openssl pkeyutl -verify -pubin -inkey key.pem -rawin
//   //                   -in statement.bin -sigfile statement.sig
//   ASSIGN_OR_RETURN(std::string pem, Ed25519PublicKeyPem(keys.public_key));
//
// Keys and signatures travel as raw bytes (32-byte keys, 64-byte signatures)
// so that they can be stored as plain values; PEM is only for handing a
// public key to someone else. This is pure Ed25519: the message is signed as
// is, never pre-hashed, so the openssl check needs -rawin.
#ifndef PASSCLEAR_STORAGE_ED25519_H_
#define PASSCLEAR_STORAGE_ED25519_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace passclear::storage {

inline constexpr size_t kEd25519PrivateKeyBytes = 32;
inline constexpr size_t kEd25519PublicKeyBytes = 32;
inline constexpr size_t kEd25519SignatureBytes = 64;

struct Ed25519KeyPair {
  // The RFC 8032 seed, 32 raw bytes. Secret: never log it or send it out.
  std::string private_key;
  std::string public_key;  // 32 raw bytes
};

// A fresh key pair from OpenSSL's random generator.
[[nodiscard]] absl::StatusOr<Ed25519KeyPair> NewEd25519KeyPair();

// The 64-byte signature of `message`. INVALID_ARGUMENT if `private_key` is
// not 32 bytes. Ed25519 signing is deterministic: the same key and message
// always give the same signature.
[[nodiscard]] absl::StatusOr<std::string> SignEd25519(
    absl::string_view private_key, absl::string_view message);

// True only for a valid signature of `message` under `public_key`. Any
// malformed input (wrong sizes, a key that is not a curve point) is simply
// false: a verifier is fed untrusted bytes and must neither crash nor throw.
bool VerifyEd25519(absl::string_view public_key, absl::string_view message,
                   absl::string_view signature);

// The public key that belongs to `private_key`, for a service that keeps only
// the seed. INVALID_ARGUMENT if `private_key` is not 32 bytes.
[[nodiscard]] absl::StatusOr<std::string> Ed25519PublicKeyFromPrivate(
    absl::string_view private_key);

// `public_key` as a PEM "PUBLIC KEY" (SubjectPublicKeyInfo) block, the form
// `openssl pkeyutl -verify -pubin -inkey key.pem -rawin` accepts.
// INVALID_ARGUMENT if `public_key` is not 32 bytes.
[[nodiscard]] absl::StatusOr<std::string> Ed25519PublicKeyPem(
    absl::string_view public_key);

// The 32 raw bytes of the first PEM "PUBLIC KEY" block in `pem`, as written
// by Ed25519PublicKeyPem or by openssl. INVALID_ARGUMENT if there is none or
// it holds a key of another type.
[[nodiscard]] absl::StatusOr<std::string> Ed25519PublicKeyFromPem(
    absl::string_view pem);

}  // namespace passclear::storage

#endif  // PASSCLEAR_STORAGE_ED25519_H_
