#include "storage/identity_store.h"

#include <algorithm>
#include <functional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "rocksdb/write_batch.h"
#include "storage/rocksdb_status.h"
#include "storage/secrets.h"
#include "storage/status_macros.h"
#include "storage/value_encoding.h"

namespace passclear::storage {
namespace {

// Names an identity's credential of its current generation (see
// storage/secret_source.h).
std::string CredentialLabel(const Identity& identity) {
  return absl::StrCat("credential/", identity.name, "/",
                      identity.credential_generation);
}

// Keys of the identities family: 'i' + name -> identity, and
// 's' + SHA-256 of a secret -> the name of the identity it belongs to.
constexpr char kIdentityPrefix = 'i';
constexpr char kSecretPrefix = 's';
constexpr uint8_t kIdentityFormat = 1;
constexpr size_t kMaxIdentityName = 64;

std::string IdentityKey(absl::string_view name) {
  return absl::StrCat(absl::string_view(&kIdentityPrefix, 1), name);
}

std::string SecretKey(absl::string_view hash) {
  return absl::StrCat(absl::string_view(&kSecretPrefix, 1), hash);
}

std::string UtcTime(absl::Time time) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", time, absl::UTCTimeZone());
}

absl::Status Unauthenticated(const std::string& message) {
  return absl::UnauthenticatedError(message);
}

}  // namespace

absl::string_view RoleName(Role role) {
  switch (role) {
    case Role::kTerminal:
      return "terminal";
    case Role::kVenue:
      return "venue";
    case Role::kMandatary:
      return "mandatary";
    case Role::kAdmin:
      return "admin";
  }
  return "unknown";
}

absl::Status CheckIdentityName(absl::string_view field,
                               absl::string_view name) {
  if (name.empty() || name.size() > kMaxIdentityName) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " must be 1 to ", kMaxIdentityName,
                     " characters, got ", name.size()));
  }
  for (char c : name) {
    if (!absl::ascii_isalnum(c) && c != '.' && c != '_' && c != '-') {
      return absl::InvalidArgumentError(absl::StrCat(
          field, " may hold only letters, digits, '.', '_' and '-'"));
    }
  }
  return absl::OkStatus();
}

std::string EncodeIdentity(const Identity& identity) {
  return ValueWriter()
      .U8(kIdentityFormat)
      .U8(static_cast<uint8_t>(identity.role))
      .U64(identity.venue_id)
      .U8(static_cast<uint8_t>(identity.state))
      .U32(identity.credential_generation)
      .Time(identity.created_at)
      .Time(identity.changed_at)
      .Time(identity.revoked_at)
      .Time(identity.activation_expires_at)
      .String(identity.secret_hash)
      .Finish();
}

absl::StatusOr<Identity> DecodeIdentity(absl::string_view name,
                                        absl::string_view value) {
  Identity identity{.name = std::string(name)};
  ValueReader reader(value);
  uint8_t format = 0, role = 0, state = 0;
  if (!reader.U8(format) || format != kIdentityFormat || !reader.U8(role) ||
      role < static_cast<uint8_t>(Role::kTerminal) ||
      role > static_cast<uint8_t>(Role::kAdmin) ||
      !reader.U64(identity.venue_id) || !reader.U8(state) ||
      state < static_cast<uint8_t>(IdentityState::kPendingActivation) ||
      state > static_cast<uint8_t>(IdentityState::kRevoked) ||
      !reader.U32(identity.credential_generation) ||
      !reader.Time(identity.created_at) || !reader.Time(identity.changed_at) ||
      !reader.Time(identity.revoked_at) ||
      !reader.Time(identity.activation_expires_at) ||
      !reader.String(identity.secret_hash) || !reader.AtEnd()) {
    return absl::DataLossError(
        absl::StrCat("corrupt identity record for '", name, "'"));
  }
  identity.role = static_cast<Role>(role);
  identity.state = static_cast<IdentityState>(state);
  return identity;
}

absl::StatusOr<std::unique_ptr<IdentityStore>> IdentityStore::Open(
    const Database& database, std::function<absl::Time()> clock) {
  auto store = std::unique_ptr<IdentityStore>(
      new IdentityStore(database, std::move(clock)));
  RETURN_IF_ERROR(store->Load());
  return store;
}

absl::Status IdentityStore::Load() {
  absl::MutexLock lock(&mu_);
  std::unique_ptr<rocksdb::Iterator> it(database_.db()->NewIterator(
      rocksdb::ReadOptions(), database_.Family(FixedFamily::kIdentities)));
  for (it->Seek(IdentityKey("")); it->Valid(); it->Next()) {
    const absl::string_view key(it->key().data(), it->key().size());
    if (key.empty() || key[0] != kIdentityPrefix) break;
    const absl::string_view name = key.substr(1);
    ASSIGN_OR_RETURN(
        Identity identity,
        DecodeIdentity(
            name, absl::string_view(it->value().data(), it->value().size())));
    by_secret_[identity.secret_hash] = identity.name;
    by_name_[identity.name] = std::move(identity);
  }
  return FromRocksDb(it->status(), "reading identities");
}

absl::StatusOr<Identity> IdentityStore::Authenticate(absl::string_view token,
                                                     Refusal* refusal) const {
  const std::string hash = Sha256(token);
  Refusal ignored;
  Refusal& why = refusal != nullptr ? *refusal : ignored;
  absl::ReaderMutexLock lock(&mu_);
  auto secret = by_secret_.find(hash);
  if (secret == by_secret_.end()) {
    // Perhaps an activation code, which is hashed normalized: say so.
    secret = by_secret_.find(Sha256(NormalizeActivationCode(token)));
  }
  if (secret == by_secret_.end()) {
    why = Refusal::kUnknown;
    return Unauthenticated(
        "unknown credential: it was never issued, or was replaced by a newer "
        "one (rotation, re-enrolment)");
  }
  const Identity& identity = by_name_.find(secret->second)->second;
  switch (identity.state) {
    case IdentityState::kRevoked:
      why = Refusal::kRevoked;
      return Unauthenticated(absl::StrCat(RoleName(identity.role), " '",
                                          identity.name, "' was revoked on ",
                                          UtcTime(identity.revoked_at)));
    case IdentityState::kPendingActivation:
      why = Refusal::kNotActivated;
      return Unauthenticated(absl::StrCat(
          "this is the activation code of terminal '", identity.name,
          "', not a credential: exchange it with ActivateTerminal"));
    case IdentityState::kActive:
      return identity;
  }
  return absl::InternalError("identity in an unknown state");
}

absl::StatusOr<Identity> IdentityStore::AuthenticateTerminalCertificate(
    absl::string_view common_name, Refusal* refusal) const {
  Refusal ignored;
  Refusal& why = refusal != nullptr ? *refusal : ignored;
  absl::ReaderMutexLock lock(&mu_);
  const auto found = by_name_.find(common_name);
  if (found == by_name_.end() || found->second.role != Role::kTerminal) {
    why = Refusal::kUnknown;
    return Unauthenticated(
        absl::StrCat("the client certificate names '", common_name,
                     "', which is not an enrolled terminal"));
  }
  if (found->second.state == IdentityState::kRevoked) {
    why = Refusal::kRevoked;
    return Unauthenticated(absl::StrCat("terminal '", common_name,
                                        "' was revoked on ",
                                        UtcTime(found->second.revoked_at)));
  }
  return found->second;
}

absl::StatusOr<Identity> IdentityStore::Find(absl::string_view name) const {
  absl::ReaderMutexLock lock(&mu_);
  const auto found = by_name_.find(name);
  if (found == by_name_.end()) {
    return absl::NotFoundError(absl::StrCat("no identity named '", name, "'"));
  }
  return found->second;
}

absl::Status IdentityStore::WriteLocked(const Identity& identity,
                                        bool keep_previous_secret) {
  const auto previous = by_name_.find(identity.name);
  rocksdb::WriteBatch batch;
  rocksdb::ColumnFamilyHandle* family =
      database_.Family(FixedFamily::kIdentities);
  const bool drop_previous =
      previous != by_name_.end() && !keep_previous_secret &&
      previous->second.secret_hash != identity.secret_hash;
  if (drop_previous) {
    batch.Delete(family, SecretKey(previous->second.secret_hash));
  }
  batch.Put(family, SecretKey(identity.secret_hash), identity.name);
  batch.Put(family, IdentityKey(identity.name), EncodeIdentity(identity));
  rocksdb::WriteOptions options;
  options.sync = true;
  RETURN_IF_ERROR(database_.Write(options, &batch, "writing an identity"));
  if (drop_previous) by_secret_.erase(previous->second.secret_hash);
  by_secret_[identity.secret_hash] = identity.name;
  by_name_[identity.name] = identity;
  return absl::OkStatus();
}

absl::StatusOr<Enrolment> IdentityStore::EnrollTerminal(
    absl::string_view terminal_id, uint64_t venue_id) {
  RETURN_IF_ERROR(CheckIdentityName("terminal_id", terminal_id));
  if (venue_id == 0) {
    return absl::InvalidArgumentError("venue_id is required");
  }
  const absl::Time now = clock_();
  absl::MutexLock lock(&mu_);
  Identity terminal{.name = std::string(terminal_id),
                    .role = Role::kTerminal,
                    .created_at = now};
  if (const auto found = by_name_.find(terminal_id); found != by_name_.end()) {
    if (found->second.role != Role::kTerminal) {
      return absl::AlreadyExistsError(
          absl::StrCat("'", terminal_id, "' is already the name of a ",
                       RoleName(found->second.role), " account"));
    }
    terminal = found->second;
  }
  // Chained on the previous secret, so that enrolling again gives a new
  // code even where codes are derived (storage/secret_source.h).
  std::string code = NewActivationCode(
      absl::StrCat("activation/", terminal_id, "/",
                   absl::BytesToHexString(terminal.secret_hash)));
  terminal.venue_id = venue_id;
  terminal.state = IdentityState::kPendingActivation;
  terminal.changed_at = now;
  terminal.activation_expires_at = now + kActivationValidity;
  terminal.secret_hash = Sha256(NormalizeActivationCode(code));
  RETURN_IF_ERROR(WriteLocked(terminal, /*keep_previous_secret=*/false));
  return Enrolment{.terminal = std::move(terminal),
                   .activation_code = std::move(code)};
}

absl::StatusOr<IssuedCredential> IdentityStore::ActivateTerminal(
    absl::string_view activation_code) {
  const std::string hash = Sha256(NormalizeActivationCode(activation_code));
  const absl::Time now = clock_();
  absl::MutexLock lock(&mu_);
  const auto secret = by_secret_.find(hash);
  if (secret == by_secret_.end() ||
      by_name_.find(secret->second)->second.state == IdentityState::kActive) {
    return Unauthenticated(
        "unknown activation code, or one already used: ask an administrator "
        "to enrol the terminal again");
  }
  Identity terminal = by_name_.find(secret->second)->second;
  if (terminal.state == IdentityState::kRevoked) {
    return Unauthenticated(absl::StrCat("terminal '", terminal.name,
                                        "' was revoked on ",
                                        UtcTime(terminal.revoked_at)));
  }
  if (now >= terminal.activation_expires_at) {
    return Unauthenticated(
        absl::StrCat("the activation code of terminal '", terminal.name,
                     "' expired on ", UtcTime(terminal.activation_expires_at),
                     ": ask an administrator to enrol it again"));
  }
  ++terminal.credential_generation;
  std::string token = NewCredentialToken(CredentialLabel(terminal));
  terminal.state = IdentityState::kActive;
  terminal.changed_at = now;
  terminal.activation_expires_at = absl::InfinitePast();
  terminal.secret_hash = Sha256(token);
  RETURN_IF_ERROR(WriteLocked(terminal, /*keep_previous_secret=*/false));
  return IssuedCredential{.identity = std::move(terminal),
                          .token = std::move(token)};
}

absl::StatusOr<IssuedCredential> IdentityStore::CreateAccount(
    absl::string_view name, Role role, uint64_t venue_id) {
  RETURN_IF_ERROR(CheckIdentityName("name", name));
  if (role == Role::kTerminal) {
    return absl::InvalidArgumentError(
        "role TERMINAL is enrolled with EnrollTerminal, not created as an "
        "account");
  }
  if (role == Role::kVenue && venue_id == 0) {
    return absl::InvalidArgumentError("venue_id is required for role VENUE");
  }
  if (role != Role::kVenue && venue_id != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "venue_id must be 0 for role ", RoleName(role), ", got ", venue_id));
  }
  const absl::Time now = clock_();
  absl::MutexLock lock(&mu_);
  if (by_name_.contains(name)) {
    return absl::AlreadyExistsError(
        absl::StrCat("an identity named '", name, "' already exists"));
  }
  Identity account{.name = std::string(name),
                   .role = role,
                   .venue_id = venue_id,
                   .state = IdentityState::kActive,
                   .credential_generation = 1,
                   .created_at = now,
                   .changed_at = now};
  std::string token = NewCredentialToken(CredentialLabel(account));
  account.secret_hash = Sha256(token);
  RETURN_IF_ERROR(WriteLocked(account, /*keep_previous_secret=*/false));
  return IssuedCredential{.identity = std::move(account),
                          .token = std::move(token)};
}

absl::StatusOr<IssuedCredential> IdentityStore::RotateCredential(
    absl::string_view name) {
  const absl::Time now = clock_();
  absl::MutexLock lock(&mu_);
  const auto found = by_name_.find(name);
  if (found == by_name_.end() ||
      found->second.state != IdentityState::kActive) {
    return absl::FailedPreconditionError(
        absl::StrCat("'", name, "' has no active credential to rotate"));
  }
  Identity identity = found->second;
  ++identity.credential_generation;
  std::string token = NewCredentialToken(CredentialLabel(identity));
  identity.changed_at = now;
  identity.secret_hash = Sha256(token);
  RETURN_IF_ERROR(WriteLocked(identity, /*keep_previous_secret=*/false));
  return IssuedCredential{.identity = std::move(identity),
                          .token = std::move(token)};
}

absl::StatusOr<Identity> IdentityStore::Revoke(absl::string_view name) {
  const absl::Time now = clock_();
  absl::MutexLock lock(&mu_);
  const auto found = by_name_.find(name);
  if (found == by_name_.end()) {
    return absl::NotFoundError(absl::StrCat("no identity named '", name, "'"));
  }
  Identity identity = found->second;
  if (identity.state == IdentityState::kRevoked) return identity;
  if (identity.role == Role::kAdmin && ActiveAdminsLocked() == 1) {
    return absl::FailedPreconditionError(absl::StrCat(
        "'", name,
        "' is the last active admin: create another admin before revoking "
        "it"));
  }
  identity.state = IdentityState::kRevoked;
  identity.changed_at = now;
  identity.revoked_at = now;
  RETURN_IF_ERROR(WriteLocked(identity, /*keep_previous_secret=*/true));
  return identity;
}

std::vector<Identity> IdentityStore::List(absl::string_view after_name,
                                          size_t page_size, bool* more) const {
  std::vector<Identity> page;
  absl::ReaderMutexLock lock(&mu_);
  auto it = by_name_.upper_bound(after_name);
  for (; it != by_name_.end() && page.size() < page_size; ++it) {
    page.push_back(it->second);
  }
  *more = it != by_name_.end();
  return page;
}

bool IdentityStore::HasActiveAdmin() const {
  absl::ReaderMutexLock lock(&mu_);
  return ActiveAdminsLocked() > 0;
}

size_t IdentityStore::ActiveAdminsLocked() const {
  return std::count_if(by_name_.begin(), by_name_.end(), [](const auto& entry) {
    return entry.second.role == Role::kAdmin &&
           entry.second.state == IdentityState::kActive;
  });
}

}  // namespace passclear::storage
