// Ed25519 signatures of claim-batch statements: they verify only for the
// exact message, signature and key; they match RFC 8032 byte for byte; and
// the openssl command-line tool accepts what we publish, so a venue can check
// a statement without our code.
#include "storage/ed25519.h"

#include <fcntl.h>
#include <openssl/err.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"
#include "gtest/gtest.h"

extern char** environ;

namespace passclear::storage {
namespace {

// RFC 8032 section 7.1, TEST 1: the empty message.
constexpr absl::string_view kRfcSecretHex =
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
constexpr absl::string_view kRfcPublicHex =
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
constexpr absl::string_view kRfcSignatureHex =
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb882159"
    "0a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";
// What `openssl pkey -pubout` writes for that key.
constexpr absl::string_view kRfcPublicPem =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
    "-----END PUBLIC KEY-----\n";
// An X25519 key (same size, other algorithm) from `openssl genpkey`.
constexpr absl::string_view kX25519PublicPem =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VuAyEAsfLjI+47saW8lb6uByjUjFUi4Xb73f72wHNfoW69ewc=\n"
    "-----END PUBLIC KEY-----\n";

constexpr absl::string_view kStatement =
    "claim-batch 20240117-0042: venue 17, 318 redemptions, EUR 4,771.50";

// A local decoder: Abseil's HexStringToBytes changed signature across the
// versions Debian ships, and a test vector typo should fail loudly.
std::string FromHex(absl::string_view hex) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    ADD_FAILURE() << "not a hex digit: " << c;
    return 0;
  };
  EXPECT_EQ(hex.size() % 2, 0u) << hex;
  std::string bytes;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes.push_back(
        static_cast<char>(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
  }
  return bytes;
}

std::string FlipBit(std::string bytes, size_t bit) {
  bytes[bit / 8] = static_cast<char>(bytes[bit / 8] ^ (1 << (bit % 8)));
  return bytes;
}

Ed25519KeyPair NewKeysOrDie() {
  absl::StatusOr<Ed25519KeyPair> keys = NewEd25519KeyPair();
  EXPECT_TRUE(keys.ok()) << keys.status();
  return keys.ok() ? *std::move(keys) : Ed25519KeyPair{};
}

std::string SignOrDie(absl::string_view private_key,
                      absl::string_view message) {
  absl::StatusOr<std::string> signature = SignEd25519(private_key, message);
  EXPECT_TRUE(signature.ok()) << signature.status();
  return signature.ok() ? *std::move(signature) : std::string();
}

TEST(Ed25519Test, SignatureOfAFreshKeyVerifies) {
  const Ed25519KeyPair keys = NewKeysOrDie();
  EXPECT_EQ(keys.private_key.size(), kEd25519PrivateKeyBytes);
  EXPECT_EQ(keys.public_key.size(), kEd25519PublicKeyBytes);

  const std::string signature = SignOrDie(keys.private_key, kStatement);
  EXPECT_EQ(signature.size(), kEd25519SignatureBytes);
  EXPECT_TRUE(VerifyEd25519(keys.public_key, kStatement, signature));
  // Deterministic: re-signing a statement reproduces its signature.
  EXPECT_EQ(SignOrDie(keys.private_key, kStatement), signature);
  // Statements may hold any bytes, NULs included, and may be empty.
  const std::string binary("\0\x01\xff\0", 4);
  EXPECT_TRUE(VerifyEd25519(keys.public_key, binary,
                            SignOrDie(keys.private_key, binary)));
  EXPECT_TRUE(VerifyEd25519(keys.public_key, absl::string_view(),
                            SignOrDie(keys.private_key, absl::string_view())));

  absl::StatusOr<std::string> derived =
      Ed25519PublicKeyFromPrivate(keys.private_key);
  ASSERT_TRUE(derived.ok()) << derived.status();
  EXPECT_EQ(*derived, keys.public_key);
}

TEST(Ed25519Test, EveryKeyPairIsNew) {
  const Ed25519KeyPair first = NewKeysOrDie();
  const Ed25519KeyPair second = NewKeysOrDie();
  EXPECT_NE(first.private_key, second.private_key);
  EXPECT_NE(first.public_key, second.public_key);
}

TEST(Ed25519Test, AnyFlippedBitInTheMessageFails) {
  const Ed25519KeyPair keys = NewKeysOrDie();
  const std::string message(kStatement);
  const std::string signature = SignOrDie(keys.private_key, message);
  for (size_t bit = 0; bit < message.size() * 8; ++bit) {
    EXPECT_FALSE(
        VerifyEd25519(keys.public_key, FlipBit(message, bit), signature))
        << "bit " << bit;
  }
  EXPECT_FALSE(VerifyEd25519(keys.public_key, message + " ", signature));
  EXPECT_FALSE(VerifyEd25519(keys.public_key,
                             message.substr(0, message.size() - 1), signature));
}

TEST(Ed25519Test, AnyFlippedBitInTheSignatureFails) {
  const Ed25519KeyPair keys = NewKeysOrDie();
  const std::string signature = SignOrDie(keys.private_key, kStatement);
  for (size_t bit = 0; bit < signature.size() * 8; ++bit) {
    EXPECT_FALSE(
        VerifyEd25519(keys.public_key, kStatement, FlipBit(signature, bit)))
        << "bit " << bit;
  }
  // A rejection is an answer, not an error: nothing is left queued in
  // OpenSSL to be blamed on this thread's next call.
  EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST(Ed25519Test, AnotherKeyFails) {
  const Ed25519KeyPair signer = NewKeysOrDie();
  const Ed25519KeyPair other = NewKeysOrDie();
  const std::string signature = SignOrDie(signer.private_key, kStatement);
  EXPECT_FALSE(VerifyEd25519(other.public_key, kStatement, signature));
  EXPECT_NE(SignOrDie(other.private_key, kStatement), signature);
  // The private seed is no public key, even though it has the same size.
  EXPECT_FALSE(VerifyEd25519(signer.private_key, kStatement, signature));
}

TEST(Ed25519Test, MalformedSizesAreRefused) {
  const Ed25519KeyPair keys = NewKeysOrDie();
  const std::string signature = SignOrDie(keys.private_key, kStatement);

  // Owned strings: a string_view of a temporary would dangle in the loop.
  for (const std::string& key :
       {std::string(), keys.private_key.substr(0, 31), keys.private_key + "x",
        keys.private_key + keys.public_key}) {
    EXPECT_EQ(SignEd25519(key, kStatement).status().code(),
              absl::StatusCode::kInvalidArgument)
        << key.size() << " bytes";
    EXPECT_EQ(Ed25519PublicKeyFromPrivate(key).status().code(),
              absl::StatusCode::kInvalidArgument);
  }

  for (const std::string& key :
       {std::string(), keys.public_key.substr(1), keys.public_key + '\0'}) {
    EXPECT_FALSE(VerifyEd25519(key, kStatement, signature))
        << key.size() << " bytes";
    EXPECT_EQ(Ed25519PublicKeyPem(key).status().code(),
              absl::StatusCode::kInvalidArgument);
  }
  EXPECT_FALSE(VerifyEd25519(absl::string_view(), absl::string_view(),
                             absl::string_view()));

  for (const std::string& bad_signature :
       {std::string(), signature.substr(0, 63), signature + '\0',
        signature + signature}) {
    EXPECT_FALSE(VerifyEd25519(keys.public_key, kStatement, bad_signature))
        << bad_signature.size() << " bytes";
  }

  // 32 bytes that are no point on the curve, and a signature of zeros.
  EXPECT_FALSE(VerifyEd25519(std::string(32, '\xff'), kStatement, signature));
  EXPECT_FALSE(VerifyEd25519(keys.public_key, kStatement,
                             std::string(kEd25519SignatureBytes, '\0')));
  EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST(Ed25519Test, Rfc8032TestVector1) {
  const std::string secret = FromHex(kRfcSecretHex);
  const std::string expected_public = FromHex(kRfcPublicHex);
  const std::string expected_signature = FromHex(kRfcSignatureHex);

  absl::StatusOr<std::string> public_key = Ed25519PublicKeyFromPrivate(secret);
  ASSERT_TRUE(public_key.ok()) << public_key.status();
  EXPECT_EQ(absl::BytesToHexString(*public_key), kRfcPublicHex);

  absl::StatusOr<std::string> signature = SignEd25519(secret, "");
  ASSERT_TRUE(signature.ok()) << signature.status();
  EXPECT_EQ(absl::BytesToHexString(*signature), kRfcSignatureHex);

  EXPECT_TRUE(VerifyEd25519(expected_public, "", expected_signature));
  EXPECT_FALSE(
      VerifyEd25519(expected_public, std::string(1, '\0'), expected_signature));
}

TEST(Ed25519Test, PemRoundTrip) {
  const Ed25519KeyPair keys = NewKeysOrDie();
  absl::StatusOr<std::string> pem = Ed25519PublicKeyPem(keys.public_key);
  ASSERT_TRUE(pem.ok()) << pem.status();
  EXPECT_TRUE(absl::StartsWith(*pem, "-----BEGIN PUBLIC KEY-----\n")) << *pem;
  EXPECT_TRUE(absl::EndsWith(*pem, "-----END PUBLIC KEY-----\n")) << *pem;

  absl::StatusOr<std::string> public_key = Ed25519PublicKeyFromPem(*pem);
  ASSERT_TRUE(public_key.ok()) << public_key.status();
  EXPECT_EQ(*public_key, keys.public_key);
}

TEST(Ed25519Test, PemMatchesWhatOpensslWrites) {
  absl::StatusOr<std::string> pem = Ed25519PublicKeyPem(FromHex(kRfcPublicHex));
  ASSERT_TRUE(pem.ok()) << pem.status();
  EXPECT_EQ(*pem, kRfcPublicPem);

  // A key pasted into a mail or a config file keeps its surroundings.
  absl::StatusOr<std::string> public_key = Ed25519PublicKeyFromPem(
      absl::StrCat("Our statement key:\n", kRfcPublicPem, "Thanks.\n"));
  ASSERT_TRUE(public_key.ok()) << public_key.status();
  EXPECT_EQ(absl::BytesToHexString(*public_key), kRfcPublicHex);
}

TEST(Ed25519Test, PemThatIsNoEd25519PublicKeyIsRefused) {
  const std::string truncated(
      kRfcPublicPem.substr(0, kRfcPublicPem.size() - 10));
  const std::string private_key_pem =
      "-----BEGIN PRIVATE KEY-----\n"
      "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
      "-----END PRIVATE KEY-----\n";
  for (absl::string_view pem :
       {absl::string_view(), absl::string_view("not a key"),
        absl::string_view(truncated), kX25519PublicPem,
        absl::string_view(private_key_pem)}) {
    absl::StatusOr<std::string> public_key = Ed25519PublicKeyFromPem(pem);
    EXPECT_EQ(public_key.status().code(), absl::StatusCode::kInvalidArgument)
        << pem << " gave " << public_key.status();
  }
  EXPECT_EQ(ERR_peek_error(), 0u);
}

// The openssl command-line tool checks what we sign: a venue needs only our
// PEM key, the statement and its signature.
class Ed25519OpensslInteropTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "ed25519_test.XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr) << std::strerror(errno);
    directory_ = pattern;
  }
  void TearDown() override {
    if (!directory_.empty()) std::filesystem::remove_all(directory_);
  }

  std::string PathOf(absl::string_view name) const {
    return (directory_ / std::string(name)).string();
  }

  void WriteFile(absl::string_view name, absl::string_view contents) const {
    std::ofstream out(PathOf(name), std::ios::binary | std::ios::trunc);
    out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    ASSERT_TRUE(out.good()) << PathOf(name);
  }

  std::string ReadFile(absl::string_view name) const {
    std::ifstream in(PathOf(name), std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  // Runs `openssl pkeyutl -verify` on the files written here and returns its
  // exit status, or -1 if the openssl tool cannot be started. Spawned with an
  // argument vector, not a shell, so the temp path needs no quoting.
  int RunOpensslVerify() const {
    const std::vector<std::string> arguments = {
        "openssl",         "pkeyutl",         "-verify",        "-pubin",
        "-inkey",          PathOf("pub.pem"), "-rawin",         "-in",
        PathOf("msg.bin"), "-sigfile",        PathOf("sig.bin")};
    std::vector<char*> argv;
    for (const std::string& argument : arguments) {
      argv.push_back(const_cast<char*>(argument.c_str()));
    }
    argv.push_back(nullptr);

    const std::string output = PathOf("openssl.out");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, output.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    pid_t pid = 0;
    const int spawn_error =
        posix_spawnp(&pid, "openssl", &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawn_error != 0) return -1;
    int status = 0;
    while (waitpid(pid, &status, 0) == -1 && errno == EINTR) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  }

  std::filesystem::path directory_;
};

TEST_F(Ed25519OpensslInteropTest, OpensslVerifiesOurSignature) {
  const Ed25519KeyPair keys = NewKeysOrDie();
  absl::StatusOr<std::string> pem = Ed25519PublicKeyPem(keys.public_key);
  ASSERT_TRUE(pem.ok()) << pem.status();
  WriteFile("pub.pem", *pem);
  WriteFile("msg.bin", kStatement);
  WriteFile("sig.bin", SignOrDie(keys.private_key, kStatement));

  const int verdict = RunOpensslVerify();
  // deploy/scripts/install_deps.sh installs openssl: its absence is a
  // broken test machine, not a reason to skip.
  ASSERT_NE(verdict, -1) << "the openssl command-line tool is not installed";
  EXPECT_EQ(verdict, 0) << ReadFile("openssl.out");
  EXPECT_TRUE(absl::StrContains(ReadFile("openssl.out"),
                                "Signature Verified Successfully"))
      << ReadFile("openssl.out");

  // One more redemption claimed than was signed for. The tool must reject the
  // signature itself, not stumble over the files.
  WriteFile("msg.bin", absl::StrReplaceAll(kStatement, {{"318", "319"}}));
  EXPECT_EQ(RunOpensslVerify(), 1) << ReadFile("openssl.out");
  EXPECT_TRUE(absl::StrContains(ReadFile("openssl.out"),
                                "Signature Verification Failure"))
      << ReadFile("openssl.out");
}

}  // namespace
}  // namespace passclear::storage
