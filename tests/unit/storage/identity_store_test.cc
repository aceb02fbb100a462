// The identity store against a real RocksDB: a terminal's life (enrolment,
// activation, authentication, rotation, revocation, re-enrolment), accounts
// and their names, the last admin, activation codes that expire or are used
// twice, everything surviving a reopen, no secret ever stored in plain text,
// pages of identities, and corrupt records refused as DATA_LOSS.
#include "storage/identity_store.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "storage/column_families.h"
#include "storage/database.h"
#include "storage/secrets.h"
#include "tests/unit/storage/temp_store.h"

namespace passclear::storage {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class IdentityStoreTest : public TempStoreTest {
 protected:
  void SetUp() override {
    TempStoreTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_OK(OpenIdentities());
  }

  void TearDown() override {
    // The identity store reads the PassStore's database: it goes first.
    identities_.reset();
    TempStoreTest::TearDown();
  }

  absl::Status OpenIdentities() {
    absl::StatusOr<std::unique_ptr<IdentityStore>> identities =
        IdentityStore::Open(store().database(), clock().AsFunction());
    if (!identities.ok()) return identities.status();
    identities_ = std::move(identities).value();
    return absl::OkStatus();
  }

  // Closes both stores and opens them again on the same directory.
  absl::Status ReopenAll() {
    identities_.reset();
    if (absl::Status status = Reopen(); !status.ok()) return status;
    return OpenIdentities();
  }

  // Every key and value of the "identities" family.
  std::vector<std::pair<std::string, std::string>> IdentitiesFamily() {
    std::vector<std::pair<std::string, std::string>> entries;
    const Database& database = store().database();
    std::unique_ptr<rocksdb::Iterator> it(database.db()->NewIterator(
        rocksdb::ReadOptions(), database.Family(FixedFamily::kIdentities)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      entries.emplace_back(it->key().ToString(), it->value().ToString());
    }
    EXPECT_TRUE(it->status().ok()) << it->status().ToString();
    return entries;
  }

  // An enrolled and activated terminal's token.
  std::string ActiveTerminal(absl::string_view terminal_id, uint64_t venue) {
    absl::StatusOr<Enrolment> enrolment =
        identities().EnrollTerminal(terminal_id, venue);
    EXPECT_TRUE(enrolment.ok()) << enrolment.status();
    if (!enrolment.ok()) return "";
    absl::StatusOr<IssuedCredential> issued =
        identities().ActivateTerminal(enrolment->activation_code);
    EXPECT_TRUE(issued.ok()) << issued.status();
    return issued.ok() ? issued->token : "";
  }

  IdentityStore& identities() { return *identities_; }

 private:
  std::unique_ptr<IdentityStore> identities_;
};

std::vector<std::string> NamesOf(const std::vector<Identity>& identities) {
  std::vector<std::string> names;
  for (const Identity& identity : identities) names.push_back(identity.name);
  return names;
}

TEST_F(IdentityStoreTest, EnrolledTerminalActivatesAndAuthenticates) {
  ASSERT_OK_AND_ASSIGN(Enrolment enrolment,
                       identities().EnrollTerminal("T-1", 7));
  EXPECT_EQ(enrolment.terminal.name, "T-1");
  EXPECT_EQ(enrolment.terminal.role, Role::kTerminal);
  EXPECT_EQ(enrolment.terminal.venue_id, 7u);
  EXPECT_EQ(enrolment.terminal.state, IdentityState::kPendingActivation);
  EXPECT_EQ(enrolment.terminal.activation_expires_at,
            TestEpoch() + absl::Hours(72));
  // Four groups of four letters and digits, as the contract shows them.
  EXPECT_THAT(enrolment.activation_code,
              ::testing::MatchesRegex("[0-9A-Z]{4}(-[0-9A-Z]{4}){4}"));

  clock().Advance(absl::Hours(1));
  ASSERT_OK_AND_ASSIGN(IssuedCredential issued, identities().ActivateTerminal(
                                                    enrolment.activation_code));
  EXPECT_EQ(issued.identity.name, "T-1");
  EXPECT_EQ(issued.identity.state, IdentityState::kActive);
  EXPECT_EQ(issued.identity.credential_generation, 1u);
  EXPECT_EQ(issued.identity.changed_at, TestEpoch() + absl::Hours(1));
  EXPECT_THAT(issued.token, ::testing::StartsWith("pc_"));
  EXPECT_EQ(issued.token.size(), 46u);

  ASSERT_OK_AND_ASSIGN(Identity who, identities().Authenticate(issued.token));
  EXPECT_EQ(who.name, "T-1");
  EXPECT_EQ(who.role, Role::kTerminal);
  EXPECT_EQ(who.venue_id, 7u);
  EXPECT_EQ(who.state, IdentityState::kActive);
}

TEST_F(IdentityStoreTest, ActivationCodeIsTypedTheWayAPersonTypesIt) {
  ASSERT_OK_AND_ASSIGN(Enrolment enrolment,
                       identities().EnrollTerminal("T-1", 7));
  // Lower case, spaces instead of hyphens: the same code.
  std::string typed;
  for (char c : enrolment.activation_code) {
    typed.push_back(c == '-' ? ' ' : absl::ascii_tolower(c));
  }
  ASSERT_OK_AND_ASSIGN(IssuedCredential issued,
                       identities().ActivateTerminal(typed));
  EXPECT_EQ(issued.identity.name, "T-1");
}

TEST_F(IdentityStoreTest, ActivationCodeWorksOnce) {
  ASSERT_OK_AND_ASSIGN(Enrolment enrolment,
                       identities().EnrollTerminal("T-1", 7));
  ASSERT_OK_AND_ASSIGN(IssuedCredential first, identities().ActivateTerminal(
                                                   enrolment.activation_code));
  absl::StatusOr<IssuedCredential> again =
      identities().ActivateTerminal(enrolment.activation_code);
  EXPECT_EQ(again.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(again.status().message(), HasSubstr("already used"));
  // The second attempt took nothing from the first activation.
  ASSERT_OK_AND_ASSIGN(Identity who, identities().Authenticate(first.token));
  EXPECT_EQ(who.name, "T-1");
}

TEST_F(IdentityStoreTest, UnknownActivationCodeIsRefused) {
  absl::StatusOr<IssuedCredential> issued =
      identities().ActivateTerminal(NewActivationCode("unknown"));
  EXPECT_EQ(issued.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(issued.status().message(), HasSubstr("unknown activation code"));
}

TEST_F(IdentityStoreTest, ExpiredActivationCodeIsRefused) {
  ASSERT_OK_AND_ASSIGN(Enrolment enrolment,
                       identities().EnrollTerminal("T-1", 7));
  clock().Advance(kActivationValidity);
  absl::StatusOr<IssuedCredential> issued =
      identities().ActivateTerminal(enrolment.activation_code);
  EXPECT_EQ(issued.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(issued.status().message(), HasSubstr("terminal 'T-1'"));
  EXPECT_THAT(issued.status().message(),
              HasSubstr("expired on 2023-03-04 09:00:00 UTC"));
  ASSERT_OK_AND_ASSIGN(Identity terminal, identities().Find("T-1"));
  EXPECT_EQ(terminal.state, IdentityState::kPendingActivation);

  // Enrolling it again gives a fresh code, valid 72 hours from now.
  ASSERT_OK_AND_ASSIGN(Enrolment again, identities().EnrollTerminal("T-1", 7));
  ASSERT_OK_AND_ASSIGN(IssuedCredential issued_again,
                       identities().ActivateTerminal(again.activation_code));
  EXPECT_EQ(issued_again.identity.state, IdentityState::kActive);
}

TEST_F(IdentityStoreTest, ActivationCodeIsNotACredential) {
  ASSERT_OK_AND_ASSIGN(Enrolment enrolment,
                       identities().EnrollTerminal("T-1", 7));
  // The code exactly as EnrollTerminal answered it, pasted as a token.
  IdentityStore::Refusal refusal = IdentityStore::Refusal::kUnknown;
  absl::StatusOr<Identity> who =
      identities().Authenticate(enrolment.activation_code, &refusal);
  EXPECT_EQ(who.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(who.status().message(), HasSubstr("ActivateTerminal"));
  EXPECT_THAT(who.status().message(), HasSubstr("terminal 'T-1'"));
  EXPECT_EQ(refusal, IdentityStore::Refusal::kNotActivated);
  // Without its hyphens too.
  refusal = IdentityStore::Refusal::kUnknown;
  who = identities().Authenticate(
      NormalizeActivationCode(enrolment.activation_code), &refusal);
  EXPECT_EQ(who.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(who.status().message(), HasSubstr("ActivateTerminal"));
  EXPECT_EQ(refusal, IdentityStore::Refusal::kNotActivated);
}

TEST_F(IdentityStoreTest, UnknownTokenIsRefused) {
  IdentityStore::Refusal refusal = IdentityStore::Refusal::kRevoked;
  absl::StatusOr<Identity> who =
      identities().Authenticate(NewCredentialToken("unknown"), &refusal);
  EXPECT_EQ(who.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(who.status().message(), HasSubstr("unknown credential"));
  EXPECT_EQ(refusal, IdentityStore::Refusal::kUnknown);
}

TEST_F(IdentityStoreTest, RotationReplacesTheCredential) {
  const std::string old_token = ActiveTerminal("T-1", 7);
  clock().Advance(absl::Minutes(5));
  ASSERT_OK_AND_ASSIGN(IssuedCredential rotated,
                       identities().RotateCredential("T-1"));
  EXPECT_NE(rotated.token, old_token);
  EXPECT_EQ(rotated.identity.credential_generation, 2u);
  EXPECT_EQ(rotated.identity.changed_at, TestEpoch() + absl::Minutes(5));

  IdentityStore::Refusal refusal = IdentityStore::Refusal::kRevoked;
  absl::StatusOr<Identity> old = identities().Authenticate(old_token, &refusal);
  EXPECT_EQ(old.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(old.status().message(), HasSubstr("unknown credential"));
  EXPECT_EQ(refusal, IdentityStore::Refusal::kUnknown);
  ASSERT_OK_AND_ASSIGN(Identity who, identities().Authenticate(rotated.token));
  EXPECT_EQ(who.name, "T-1");
  EXPECT_EQ(who.credential_generation, 2u);
}

TEST_F(IdentityStoreTest, RotationNeedsAnActiveCredential) {
  ASSERT_OK(identities().EnrollTerminal("T-1", 7).status());
  absl::StatusOr<IssuedCredential> pending =
      identities().RotateCredential("T-1");
  EXPECT_EQ(pending.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(pending.status().message(),
              HasSubstr("'T-1' has no active credential to rotate"));
  absl::StatusOr<IssuedCredential> missing =
      identities().RotateCredential("nobody");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(IdentityStoreTest, RevokedTerminalIsRefusedSayingSo) {
  const std::string token = ActiveTerminal("T-1", 7);
  clock().Advance(absl::Hours(2));
  ASSERT_OK_AND_ASSIGN(Identity revoked, identities().Revoke("T-1"));
  EXPECT_EQ(revoked.state, IdentityState::kRevoked);
  EXPECT_EQ(revoked.revoked_at, TestEpoch() + absl::Hours(2));

  IdentityStore::Refusal refusal = IdentityStore::Refusal::kUnknown;
  absl::StatusOr<Identity> who = identities().Authenticate(token, &refusal);
  EXPECT_EQ(who.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(who.status().message(),
            "terminal 'T-1' was revoked on 2023-03-01 11:00:00 UTC");
  EXPECT_EQ(refusal, IdentityStore::Refusal::kRevoked);
  // A revoked identity cannot rotate its way back.
  EXPECT_EQ(identities().RotateCredential("T-1").status().code(),
            absl::StatusCode::kFailedPrecondition);
  // Revoking again changes nothing.
  ASSERT_OK_AND_ASSIGN(Identity again, identities().Revoke("T-1"));
  EXPECT_EQ(again.revoked_at, revoked.revoked_at);
  EXPECT_EQ(identities().Revoke("nobody").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(IdentityStoreTest, RevokedPendingTerminalCannotActivate) {
  ASSERT_OK_AND_ASSIGN(Enrolment enrolment,
                       identities().EnrollTerminal("T-1", 7));
  ASSERT_OK(identities().Revoke("T-1").status());
  absl::StatusOr<IssuedCredential> issued =
      identities().ActivateTerminal(enrolment.activation_code);
  EXPECT_EQ(issued.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(issued.status().message(), HasSubstr("was revoked"));
}

TEST_F(IdentityStoreTest, ReEnrolmentReplacesTheCredential) {
  const std::string token = ActiveTerminal("T-1", 7);
  // A lost device: enrolled again, for another venue even.
  ASSERT_OK_AND_ASSIGN(Enrolment again, identities().EnrollTerminal("T-1", 8));
  EXPECT_EQ(again.terminal.state, IdentityState::kPendingActivation);
  absl::StatusOr<Identity> old = identities().Authenticate(token);
  EXPECT_EQ(old.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(old.status().message(), HasSubstr("unknown credential"));

  ASSERT_OK_AND_ASSIGN(IssuedCredential issued,
                       identities().ActivateTerminal(again.activation_code));
  EXPECT_EQ(issued.identity.credential_generation, 2u);
  ASSERT_OK_AND_ASSIGN(Identity who, identities().Authenticate(issued.token));
  EXPECT_EQ(who.venue_id, 8u);

  // A revoked terminal enrolled again comes back.
  ASSERT_OK(identities().Revoke("T-1").status());
  ASSERT_OK_AND_ASSIGN(Enrolment back, identities().EnrollTerminal("T-1", 8));
  ASSERT_OK_AND_ASSIGN(IssuedCredential returned,
                       identities().ActivateTerminal(back.activation_code));
  ASSERT_OK_AND_ASSIGN(Identity returned_who,
                       identities().Authenticate(returned.token));
  EXPECT_EQ(returned_who.state, IdentityState::kActive);
  EXPECT_EQ(identities().Authenticate(issued.token).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST_F(IdentityStoreTest, LastAdminCannotBeRevoked) {
  ASSERT_OK_AND_ASSIGN(IssuedCredential first,
                       identities().CreateAccount("admin", Role::kAdmin, 0));
  absl::StatusOr<Identity> refused = identities().Revoke("admin");
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(),
              HasSubstr("'admin' is the last active admin"));
  ASSERT_OK(identities().Authenticate(first.token).status());
  EXPECT_TRUE(identities().HasActiveAdmin());

  // With a second admin, the first may go; then the second is the last.
  ASSERT_OK(identities().CreateAccount("ops-2", Role::kAdmin, 0).status());
  ASSERT_OK(identities().Revoke("admin").status());
  EXPECT_EQ(identities().Revoke("ops-2").status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(identities().HasActiveAdmin());
}

TEST_F(IdentityStoreTest, AccountsHaveTheirRoleAndVenue) {
  ASSERT_OK_AND_ASSIGN(
      IssuedCredential venue,
      identities().CreateAccount("mediatheque", Role::kVenue, 7));
  ASSERT_OK_AND_ASSIGN(
      IssuedCredential mandatary,
      identities().CreateAccount("mandataire", Role::kMandatary, 0));
  ASSERT_OK_AND_ASSIGN(Identity venue_who,
                       identities().Authenticate(venue.token));
  EXPECT_EQ(venue_who.role, Role::kVenue);
  EXPECT_EQ(venue_who.venue_id, 7u);
  EXPECT_EQ(venue_who.state, IdentityState::kActive);
  EXPECT_EQ(venue_who.credential_generation, 1u);
  ASSERT_OK_AND_ASSIGN(Identity mandatary_who,
                       identities().Authenticate(mandatary.token));
  EXPECT_EQ(mandatary_who.role, Role::kMandatary);
  EXPECT_EQ(mandatary_who.venue_id, 0u);

  absl::StatusOr<IssuedCredential> no_venue =
      identities().CreateAccount("back-office", Role::kVenue, 0);
  EXPECT_EQ(no_venue.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(no_venue.status().message(),
              HasSubstr("venue_id is required for role VENUE"));
  absl::StatusOr<IssuedCredential> admin_venue =
      identities().CreateAccount("ops", Role::kAdmin, 7);
  EXPECT_EQ(admin_venue.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(admin_venue.status().message(),
              HasSubstr("venue_id must be 0 for role admin"));
  absl::StatusOr<IssuedCredential> terminal =
      identities().CreateAccount("T-9", Role::kTerminal, 7);
  EXPECT_EQ(terminal.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(terminal.status().message(), HasSubstr("EnrollTerminal"));
  absl::StatusOr<Enrolment> no_venue_terminal =
      identities().EnrollTerminal("T-9", 0);
  EXPECT_EQ(no_venue_terminal.status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(no_venue_terminal.status().message(),
              HasSubstr("venue_id is required"));
}

TEST_F(IdentityStoreTest, NamesAreUniqueAcrossTerminalsAndAccounts) {
  ASSERT_OK(identities().EnrollTerminal("T-1", 7).status());
  absl::StatusOr<IssuedCredential> clash =
      identities().CreateAccount("T-1", Role::kVenue, 7);
  EXPECT_EQ(clash.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(clash.status().message(),
              HasSubstr("an identity named 'T-1' already exists"));

  ASSERT_OK(identities().CreateAccount("ops", Role::kAdmin, 0).status());
  absl::StatusOr<Enrolment> terminal_clash =
      identities().EnrollTerminal("ops", 7);
  EXPECT_EQ(terminal_clash.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(terminal_clash.status().message(),
              HasSubstr("'ops' is already the name of a admin account"));
  absl::StatusOr<IssuedCredential> account_clash =
      identities().CreateAccount("ops", Role::kMandatary, 0);
  EXPECT_EQ(account_clash.status().code(), absl::StatusCode::kAlreadyExists);

  // The refusals changed nothing.
  ASSERT_OK_AND_ASSIGN(Identity terminal, identities().Find("T-1"));
  EXPECT_EQ(terminal.role, Role::kTerminal);
  ASSERT_OK_AND_ASSIGN(Identity ops, identities().Find("ops"));
  EXPECT_EQ(ops.role, Role::kAdmin);
  EXPECT_EQ(identities().Find("nobody").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(IdentityStoreTest, InvalidNamesAreRefusedNamingTheField) {
  const std::string too_long(65, 'a');
  for (const std::string& name :
       {std::string(), too_long, std::string("T 1"), std::string("T/1")}) {
    SCOPED_TRACE(absl::StrCat("name \"", name, "\""));
    absl::StatusOr<Enrolment> terminal = identities().EnrollTerminal(name, 7);
    EXPECT_EQ(terminal.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(terminal.status().message()),
                ::testing::StartsWith("terminal_id "));
    absl::StatusOr<IssuedCredential> account =
        identities().CreateAccount(name, Role::kMandatary, 0);
    EXPECT_EQ(account.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(account.status().message()),
                ::testing::StartsWith("name "));
  }
  EXPECT_EQ(identities().EnrollTerminal("", 7).status().message(),
            "terminal_id must be 1 to 64 characters, got 0");
  EXPECT_EQ(
      identities().CreateAccount(too_long, Role::kAdmin, 0).status().message(),
      "name must be 1 to 64 characters, got 65");
  EXPECT_EQ(
      identities().CreateAccount("a b", Role::kAdmin, 0).status().message(),
      "name may hold only letters, digits, '.', '_' and '-'");
  // Nothing was stored.
  bool more = true;
  EXPECT_THAT(identities().List("", 10, &more), IsEmpty());
  EXPECT_FALSE(more);

  // The longest name and every allowed character are fine.
  ASSERT_OK(identities().EnrollTerminal(std::string(64, 'T'), 7).status());
  ASSERT_OK(identities()
                .CreateAccount("Venue_7.back-office", Role::kVenue, 7)
                .status());
}

TEST_F(IdentityStoreTest, EverythingSurvivesAReopen) {
  const std::string terminal_token = ActiveTerminal("T-1", 7);
  const std::string revoked_token = ActiveTerminal("T-2", 7);
  ASSERT_OK(identities().Revoke("T-2").status());
  ASSERT_OK_AND_ASSIGN(Enrolment pending,
                       identities().EnrollTerminal("T-3", 8));
  ASSERT_OK_AND_ASSIGN(IssuedCredential admin,
                       identities().CreateAccount("admin", Role::kAdmin, 0));
  ASSERT_OK_AND_ASSIGN(IssuedCredential venue,
                       identities().CreateAccount("venue-7", Role::kVenue, 7));
  const std::string rotated_away = venue.token;
  ASSERT_OK_AND_ASSIGN(IssuedCredential rotated,
                       identities().RotateCredential("venue-7"));

  ASSERT_OK(ReopenAll());

  ASSERT_OK_AND_ASSIGN(Identity terminal,
                       identities().Authenticate(terminal_token));
  EXPECT_EQ(terminal.name, "T-1");
  EXPECT_EQ(terminal.venue_id, 7u);
  absl::StatusOr<Identity> revoked = identities().Authenticate(revoked_token);
  EXPECT_EQ(revoked.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(revoked.status().message(), HasSubstr("was revoked"));
  ASSERT_OK_AND_ASSIGN(Identity admin_who,
                       identities().Authenticate(admin.token));
  EXPECT_EQ(admin_who.role, Role::kAdmin);
  EXPECT_TRUE(identities().HasActiveAdmin());
  EXPECT_EQ(identities().Authenticate(rotated_away).status().code(),
            absl::StatusCode::kUnauthenticated);
  ASSERT_OK_AND_ASSIGN(Identity venue_who,
                       identities().Authenticate(rotated.token));
  EXPECT_EQ(venue_who.credential_generation, 2u);
  EXPECT_EQ(venue_who.created_at, TestEpoch());
  // The last admin is still protected, the pending code still works once.
  EXPECT_EQ(identities().Revoke("admin").status().code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_OK_AND_ASSIGN(IssuedCredential activated,
                       identities().ActivateTerminal(pending.activation_code));
  EXPECT_EQ(activated.identity.venue_id, 8u);

  bool more = true;
  EXPECT_THAT(NamesOf(identities().List("", 10, &more)),
              ElementsAre("T-1", "T-2", "T-3", "admin", "venue-7"));
  EXPECT_FALSE(more);
}

TEST_F(IdentityStoreTest, SecretsAreNeverStoredInPlainText) {
  ASSERT_OK_AND_ASSIGN(Enrolment pending,
                       identities().EnrollTerminal("T-pending", 7));
  ASSERT_OK_AND_ASSIGN(Enrolment enrolment,
                       identities().EnrollTerminal("T-1", 7));
  ASSERT_OK_AND_ASSIGN(
      IssuedCredential terminal,
      identities().ActivateTerminal(enrolment.activation_code));
  ASSERT_OK_AND_ASSIGN(IssuedCredential rotated,
                       identities().RotateCredential("T-1"));
  ASSERT_OK_AND_ASSIGN(IssuedCredential admin,
                       identities().CreateAccount("admin", Role::kAdmin, 0));
  ASSERT_OK_AND_ASSIGN(IssuedCredential venue,
                       identities().CreateAccount("venue-7", Role::kVenue, 7));
  ASSERT_OK(identities().Revoke("venue-7").status());
  // Into a table file too, not only the write-ahead log.
  ASSERT_TRUE(store()
                  .database()
                  .db()
                  ->Flush(rocksdb::FlushOptions(),
                          store().database().Family(FixedFamily::kIdentities))
                  .ok());

  std::vector<std::string> secrets = {
      pending.activation_code,
      NormalizeActivationCode(pending.activation_code),
      enrolment.activation_code,
      NormalizeActivationCode(enrolment.activation_code),
      terminal.token,
      rotated.token,
      admin.token,
      venue.token};
  // The token's random part, without its "pc_" prefix.
  for (const std::string& token :
       {terminal.token, rotated.token, admin.token, venue.token}) {
    secrets.push_back(token.substr(3));
  }
  const auto entries = IdentitiesFamily();
  ASSERT_FALSE(entries.empty());
  for (const auto& [key, value] : entries) {
    for (const std::string& secret : secrets) {
      EXPECT_FALSE(Contains(key, secret)) << "a key holds " << secret;
      EXPECT_FALSE(Contains(value, secret))
          << "the value of key " << absl::CEscape(key) << " holds " << secret;
    }
  }
  // What is kept is the hash, and it is enough to authenticate.
  bool found_hash = false;
  for (const auto& [key, value] : entries) {
    found_hash |= Contains(key, Sha256(rotated.token));
  }
  EXPECT_TRUE(found_hash);
  // The files on disk hold no secret either.
  ASSERT_OK(ReopenAll());
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(path())) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)),
                            std::istreambuf_iterator<char>());
    for (const std::string& secret : secrets) {
      EXPECT_FALSE(Contains(bytes, secret))
          << entry.path() << " holds " << secret;
    }
  }
}

TEST_F(IdentityStoreTest, ListPagesInNameOrder) {
  for (const char* name : {"T-3", "T-1", "T-2"}) {
    ASSERT_OK(identities().EnrollTerminal(name, 7).status());
  }
  ASSERT_OK(identities().CreateAccount("admin", Role::kAdmin, 0).status());
  ASSERT_OK(identities().CreateAccount("B-venue", Role::kVenue, 7).status());

  bool more = false;
  std::vector<Identity> first = identities().List("", 2, &more);
  EXPECT_THAT(NamesOf(first), ElementsAre("B-venue", "T-1"));
  EXPECT_TRUE(more);
  std::vector<Identity> second = identities().List("T-1", 2, &more);
  EXPECT_THAT(NamesOf(second), ElementsAre("T-2", "T-3"));
  EXPECT_TRUE(more);
  std::vector<Identity> last = identities().List("T-3", 2, &more);
  EXPECT_THAT(NamesOf(last), ElementsAre("admin"));
  EXPECT_FALSE(more);
  // A page that ends exactly at the last identity says nothing follows.
  EXPECT_THAT(NamesOf(identities().List("T-2", 2, &more)),
              ElementsAre("T-3", "admin"));
  EXPECT_FALSE(more);
  EXPECT_THAT(identities().List("admin", 2, &more), IsEmpty());
  EXPECT_FALSE(more);
  // after_name need not be an identity's name.
  EXPECT_THAT(NamesOf(identities().List("T-15", 10, &more)),
              ElementsAre("T-2", "T-3", "admin"));
  EXPECT_FALSE(more);
  // The listed identities carry their roles and venues.
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].role, Role::kVenue);
  EXPECT_EQ(first[0].venue_id, 7u);
  EXPECT_EQ(first[1].role, Role::kTerminal);
  EXPECT_EQ(first[1].state, IdentityState::kPendingActivation);
}

TEST_F(IdentityStoreTest, CorruptRecordsAreDataLoss) {
  const Identity identity{.name = "T-1",
                          .role = Role::kTerminal,
                          .venue_id = 7,
                          .state = IdentityState::kActive,
                          .credential_generation = 3,
                          .created_at = TestEpoch(),
                          .changed_at = TestEpoch() + absl::Hours(1),
                          .revoked_at = absl::InfinitePast(),
                          .activation_expires_at = absl::InfinitePast(),
                          .secret_hash = Sha256("secret")};
  const std::string encoded = EncodeIdentity(identity);
  ASSERT_OK_AND_ASSIGN(Identity decoded, DecodeIdentity("T-1", encoded));
  EXPECT_EQ(decoded.name, "T-1");
  EXPECT_EQ(decoded.role, Role::kTerminal);
  EXPECT_EQ(decoded.venue_id, 7u);
  EXPECT_EQ(decoded.state, IdentityState::kActive);
  EXPECT_EQ(decoded.credential_generation, 3u);
  EXPECT_EQ(decoded.created_at, identity.created_at);
  EXPECT_EQ(decoded.changed_at, identity.changed_at);
  EXPECT_EQ(decoded.secret_hash, identity.secret_hash);

  // Every truncation, and one byte too many.
  for (size_t size = 0; size < encoded.size(); ++size) {
    absl::StatusOr<Identity> truncated =
        DecodeIdentity("T-1", encoded.substr(0, size));
    EXPECT_EQ(truncated.status().code(), absl::StatusCode::kDataLoss) << size;
    EXPECT_THAT(truncated.status().message(), HasSubstr("'T-1'")) << size;
  }
  EXPECT_EQ(DecodeIdentity("T-1", encoded + "x").status().code(),
            absl::StatusCode::kDataLoss);
  // A format, role or state this version does not know.
  for (const auto& [offset, byte] : std::vector<std::pair<size_t, char>>{
           {0, 2}, {1, 0}, {1, 5}, {10, 0}, {10, 4}}) {
    std::string corrupt = encoded;
    corrupt[offset] = byte;
    EXPECT_EQ(DecodeIdentity("T-1", corrupt).status().code(),
              absl::StatusCode::kDataLoss)
        << "byte " << offset << " = " << static_cast<int>(byte);
  }
  // A string length far beyond the value.
  std::string huge = encoded;
  const size_t length_at = encoded.size() - 32 - 4;
  huge[length_at + 3] = '\x7f';
  EXPECT_EQ(DecodeIdentity("T-1", huge).status().code(),
            absl::StatusCode::kDataLoss);
  // Random garbage never crashes.
  std::string garbage;
  for (int i = 0; i < 2000; ++i) {
    garbage.push_back(static_cast<char>((i * 131 + 7) & 0xff));
    (void)DecodeIdentity("x", garbage);
  }
}

TEST_F(IdentityStoreTest, CorruptStoredRecordFailsTheOpen) {
  ASSERT_OK(identities().EnrollTerminal("T-1", 7).status());
  const Database& database = store().database();
  ASSERT_TRUE(database.db()
                  ->Put(rocksdb::WriteOptions(),
                        database.Family(FixedFamily::kIdentities), "iT-1",
                        "garbage")
                  .ok());
  absl::StatusOr<std::unique_ptr<IdentityStore>> reopened =
      IdentityStore::Open(database, clock().AsFunction());
  EXPECT_EQ(reopened.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(reopened.status().message(),
              HasSubstr("corrupt identity record for 'T-1'"));
}

}  // namespace
}  // namespace passclear::storage
