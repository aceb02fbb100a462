// One instance of a partitioned scheme: it stores, counts and voids only the
// passes of the shards it owns, and two instances sharing a scheme secret
// derive the same programme keys and credentials.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "storage/identity_store.h"
#include "storage/pass_store.h"
#include "storage/secret_source.h"
#include "storage/serial_shard.h"
#include "storage/usage_report.h"
#include "tests/unit/storage/temp_store.h"

namespace passclear::storage {
namespace {

constexpr char kSchemeSecret[] = "0123456789abcdef0123456789abcdef";

// Owns shards 0-1 of the fixture's 4.
class PartitionedStoreTest : public TempStoreTest {
 protected:
  void SetUp() override {
    ASSERT_TRUE(UseSchemeSecret(kSchemeSecret).ok());
    options().first_owned_shard = 0;
    options().last_owned_shard = 1;
    TempStoreTest::SetUp();
  }
  void TearDown() override {
    TempStoreTest::TearDown();
    UseRandomSecrets();
  }
};

TEST_F(PartitionedStoreTest, IssuesAllBookletsButStoresOnlyOwnedPasses) {
  ASSERT_OK_AND_ASSIGN(Programme programme, CreateProgramme());
  ASSERT_OK_AND_ASSIGN(std::vector<Booklet> booklets,
                       store().IssueBooklets(programme.id, 3, 10));
  int owned = 0;
  for (uint64_t serial : SerialsOf(booklets)) {
    const bool owns = ShardOfSerial(serial, 4) <= 1;
    EXPECT_EQ(store().OwnsSerial(serial), owns) << serial;
    // Every code is authentic here: the issuance is the whole scheme's.
    EXPECT_TRUE(store().TagFor(serial).ok()) << serial;
    absl::StatusOr<PassStatus> view = store().Check(serial, std::nullopt);
    ASSERT_TRUE(view.ok()) << view.status();
    EXPECT_EQ(view->known, owns) << serial;
    owned += owns;
  }
  ASSERT_GT(owned, 0);
  ASSERT_LT(owned, 30);
  ASSERT_OK_AND_ASSIGN(UsageReport usage, store().Usage(programme.id));
  EXPECT_EQ(usage.counters.issued, owned);
}

TEST_F(PartitionedStoreTest, VoidsOnlyOwnedPassesOfABooklet) {
  ASSERT_OK_AND_ASSIGN(Programme programme, CreateProgramme());
  ASSERT_OK_AND_ASSIGN(std::vector<Booklet> booklets,
                       store().IssueBooklets(programme.id, 1, 10));
  ASSERT_OK_AND_ASSIGN(std::vector<VoidOutcome> voided,
                       store().VoidBooklet(booklets[0].id, "stolen"));
  for (const VoidOutcome& outcome : voided) {
    EXPECT_TRUE(store().OwnsSerial(outcome.serial)) << outcome.serial;
  }
  uint64_t foreign = 0;
  for (uint64_t serial : SerialsOf(booklets)) {
    if (!store().OwnsSerial(serial)) foreign = serial;
  }
  ASSERT_NE(foreign, 0u);
  absl::StatusOr<std::vector<VoidOutcome>> refused =
      store().VoidPass(foreign, "stolen");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("another instance owns"),
            absl::string_view::npos)
      << refused.status().message();
}

TEST_F(PartitionedStoreTest, InstancesSharingTheSecretDeriveTheSameSecrets) {
  ASSERT_OK_AND_ASSIGN(Programme programme, CreateProgramme());
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<IdentityStore> identities,
      IdentityStore::Open(store().database(), [] { return absl::Now(); }));
  ASSERT_OK_AND_ASSIGN(
      IssuedCredential account,
      identities->CreateAccount("mandatary", Role::kMandatary, 0));
  // A second instance: a store of its own, the same commands.
  Close();
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<PassStore> other, [&] {
    PassStoreOptions copy = options();
    copy.path = path() + "-other";
    return PassStore::Open(std::move(copy));
  }());
  ASSERT_OK_AND_ASSIGN(
      Programme same,
      other->CreateProgramme({.sponsor = programme.sponsor,
                              .name = programme.name,
                              .face_value_cents = 1000,
                              .valid_from = programme.valid_from,
                              .valid_until = programme.valid_until}));
  EXPECT_EQ(same.keys, programme.keys);
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<IdentityStore> other_identities,
      IdentityStore::Open(other->database(), [] { return absl::Now(); }));
  ASSERT_OK_AND_ASSIGN(
      IssuedCredential same_account,
      other_identities->CreateAccount("mandatary", Role::kMandatary, 0));
  EXPECT_EQ(same_account.token, account.token);
  // Rotating gives a new secret, the same on both.
  ASSERT_OK_AND_ASSIGN(IssuedCredential rotated,
                       other_identities->RotateCredential("mandatary"));
  EXPECT_NE(rotated.token, account.token);
  // Without the scheme secret, secrets are random again.
  UseRandomSecrets();
  ASSERT_OK_AND_ASSIGN(Programme random, other->RotateProgrammeKey(same.id));
  ASSERT_OK(UseSchemeSecret(kSchemeSecret));
  ASSERT_OK_AND_ASSIGN(Programme derived, other->RotateProgrammeKey(same.id));
  EXPECT_NE(random.keys.back().secret, NewSecretBytes("programme-key/1/2", 32));
  EXPECT_EQ(derived.keys.back().secret,
            NewSecretBytes("programme-key/1/3", 32));
  other_identities.reset();
  other.reset();
  std::filesystem::remove_all(path() + "-other");
}

TEST(SchemeSecretTest, RefusesAShortSecret) {
  const absl::Status refused = UseSchemeSecret("too short");
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(refused.message().find("at least 32 bytes"),
            absl::string_view::npos);
}

}  // namespace
}  // namespace passclear::storage
