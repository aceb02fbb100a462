// Who may call the service: terminals enrolled for a venue, and accounts
// (a venue's back office, the payment mandatary, operators), each with one
// credential. Only SHA-256 hashes of secrets are stored: a copy of the store
// lets nobody call the service.
//
//   ASSIGN_OR_RETURN(auto identities, IdentityStore::Open(database, clock));
//   ASSIGN_OR_RETURN(Enrolment e, identities->EnrollTerminal("T-1", 7));
//   // the terminal later: Activate(e.activation_code) -> its token
//   ASSIGN_OR_RETURN(Identity who, identities->Authenticate(token));
//
// Every identity is in memory (a national scheme has a few hundred thousand
// terminals, ~150 bytes each), so authenticating a call reads no disk;
// changes are written to the "identities" family, synced, before they are
// answered or applied in memory.
#ifndef PASSCLEAR_STORAGE_IDENTITY_STORE_H_
#define PASSCLEAR_STORAGE_IDENTITY_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "storage/database.h"

namespace passclear::storage {

// Values are stored: never renumber them.
enum class Role : uint8_t {
  kTerminal = 1,
  kVenue = 2,
  kMandatary = 3,
  kAdmin = 4
};
enum class IdentityState : uint8_t {
  kPendingActivation = 1,
  kActive = 2,
  kRevoked = 3,
};

absl::string_view RoleName(Role role);

struct Identity {
  std::string name;  // a terminal's name is its terminal id
  Role role = Role::kTerminal;
  uint64_t venue_id = 0;  // TERMINAL and VENUE only
  IdentityState state = IdentityState::kPendingActivation;
  uint32_t credential_generation = 0;
  absl::Time created_at;
  absl::Time changed_at;
  absl::Time revoked_at;             // when kRevoked
  absl::Time activation_expires_at;  // when kPendingActivation
  std::string secret_hash;  // SHA-256 of its activation code or credential
};

struct Enrolment {
  Identity terminal;
  std::string activation_code;  // shown once
};

struct IssuedCredential {
  Identity identity;
  std::string token;  // shown once
};

inline constexpr absl::Duration kActivationValidity = absl::Hours(72);
inline constexpr size_t kMaxIdentityPage = 1000;

class IdentityStore {
 public:
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<IdentityStore>> Open(
      const Database& database, std::function<absl::Time()> clock);

  // Why Authenticate refused, for metrics.
  enum class Refusal { kUnknown, kRevoked, kNotActivated };
  // The identity whose current credential is `token`. UNAUTHENTICATED, with
  // a message saying why, for an unknown, revoked or activation-only secret;
  // `refusal` then says which.
  [[nodiscard]] absl::StatusOr<Identity> Authenticate(
      absl::string_view token, Refusal* refusal = nullptr) const;
  // The terminal a client certificate names (mutual TLS): it must be
  // enrolled and not revoked.
  [[nodiscard]] absl::StatusOr<Identity> AuthenticateTerminalCertificate(
      absl::string_view common_name, Refusal* refusal = nullptr) const;
  // The identity named `name`; NOT_FOUND when none.
  [[nodiscard]] absl::StatusOr<Identity> Find(absl::string_view name) const;

  // Enrols (or re-enrols, replacing its credential) a terminal for a venue.
  // The caller checks that the venue exists.
  [[nodiscard]] absl::StatusOr<Enrolment> EnrollTerminal(
      absl::string_view terminal_id, uint64_t venue_id);
  [[nodiscard]] absl::StatusOr<IssuedCredential> ActivateTerminal(
      absl::string_view activation_code);
  // A VENUE (with its venue), MANDATARY or ADMIN identity.
  [[nodiscard]] absl::StatusOr<IssuedCredential> CreateAccount(
      absl::string_view name, Role role, uint64_t venue_id);
  [[nodiscard]] absl::StatusOr<IssuedCredential> RotateCredential(
      absl::string_view name);
  [[nodiscard]] absl::StatusOr<Identity> Revoke(absl::string_view name);
  // Identities named after `after_name`, in name order; `more` is set when
  // others follow.
  std::vector<Identity> List(absl::string_view after_name, size_t page_size,
                             bool* more) const;
  bool HasActiveAdmin() const;

 private:
  IdentityStore(const Database& database, std::function<absl::Time()> clock)
      : database_(database), clock_(std::move(clock)) {}
  [[nodiscard]] absl::Status Load();
  // Writes `identity` and its new secret's index entry, removing the
  // previous secret's entry unless `keep_previous_secret`, then applies it
  // in memory.
  [[nodiscard]] absl::Status WriteLocked(const Identity& identity,
                                         bool keep_previous_secret)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  size_t ActiveAdminsLocked() const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  const Database& database_;
  const std::function<absl::Time()> clock_;
  mutable absl::Mutex mu_;
  // Ordered, for listing pages.
  absl::btree_map<std::string, Identity, std::less<>> by_name_
      ABSL_GUARDED_BY(mu_);
  // Secret hash -> identity name. A revoked identity's last secret stays
  // indexed, so that its calls are told it was revoked.
  absl::flat_hash_map<std::string, std::string> by_secret_ ABSL_GUARDED_BY(mu_);
};

// Identity names: 1 to 64 of [A-Za-z0-9._-]. `field` names the field in the
// INVALID_ARGUMENT message.
[[nodiscard]] absl::Status CheckIdentityName(absl::string_view field,
                                             absl::string_view name);

// The stored form of an identity (exposed for the decoder fuzz target). A
// corrupt value is DATA_LOSS, never a crash.
std::string EncodeIdentity(const Identity& identity);
[[nodiscard]] absl::StatusOr<Identity> DecodeIdentity(absl::string_view name,
                                                      absl::string_view value);

}  // namespace passclear::storage

#endif  // PASSCLEAR_STORAGE_IDENTITY_STORE_H_
