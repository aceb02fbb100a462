// The records a passclear store keeps, as plain structs.
//
// Their byte layout lives in record_codec.h. Enums that are persisted carry
// explicit values: never renumber them.
#ifndef PASSCLEAR_STORAGE_RECORDS_H_
#define PASSCLEAR_STORAGE_RECORDS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace passclear::storage {

// Serials are printed with 12 digits (see server/pass_code.h).
inline constexpr uint64_t kMaxSerial = 999'999'999'999;

// Times are stored to the microsecond. Every time the store hands out is cut
// to that precision first, so an answer and its later replay are identical.
inline absl::Time ToStoredPrecision(absl::Time time) {
  return absl::FromUnixMicros(absl::ToUnixMicros(time));
}

// An extension of a programme's validity, decided by the sponsor's
// deliberation `reference`.
struct Amendment {
  std::string reference;
  absl::Time recorded_at;
  absl::Time previous_valid_until;
  absl::Time valid_until;
  bool operator==(const Amendment&) const = default;
};

// A secret that authenticates the codes printed for a programme. Codes
// keep the key they were printed with when a newer one is added.
struct ProgrammeKey {
  uint32_t version = 0;
  std::string secret;  // 32 random bytes; never leaves the store
  bool operator==(const ProgrammeKey&) const = default;
};

// A sponsor's envelope of passes with one face value and one validity.
struct Programme {
  uint64_t id = 0;
  std::string sponsor;
  std::string name;
  int64_t face_value_cents = 0;
  absl::Time valid_from;
  absl::Time valid_until;       // included
  absl::Duration grace_period;  // passes scanned in time accepted this long
                                // after valid_until
  std::vector<Amendment> amendments;    // oldest first
  std::optional<absl::Time> closed_at;  // no redemption from then on
  std::vector<ProgrammeKey> keys;       // oldest first; the last is current
  // Where the programme's passes circulate (e.g. a département or a
  // sponsor's code); empty when the programme names no territory. A venue
  // accepting the territory accepts the programme.
  std::string territory;
  // Booklets are handed out no later than this long before valid_until
  // (the operator's rule: 15 days); an extension moves the deadline.
  absl::Duration distribution_stop = absl::Hours(24 * 15);

  absl::Time accepted_until() const { return valid_until + grace_period; }
  absl::Time distribution_ends() const {
    return valid_until - distribution_stop;
  }
  bool operator==(const Programme&) const = default;
};

// One IssueBooklets call: a run of consecutive serials of one programme,
// printed under one key. Kept in memory, so that a code's authenticity is
// checked before any disk read.
struct Issuance {
  uint64_t first_serial = 0;
  uint64_t count = 0;
  uint64_t programme_id = 0;
  uint32_t key_version = 0;
  bool operator==(const Issuance&) const = default;
};

// Who a booklet was handed to: a commune, a social-action centre, a job
// centre adviser.
struct Distributor {
  std::string name;
  std::string reference;
  absl::Time allocated_at;
  bool operator==(const Distributor&) const = default;
};

struct Booklet {
  uint64_t id = 0;
  uint64_t programme_id = 0;
  uint64_t first_serial = 0;
  uint32_t size = 0;
  // Unset while the booklet is in the sponsor's reserve. Its passes are
  // ALLOCATED while it is set (derived: pass records are not rewritten).
  std::optional<Distributor> distributor;
  bool operator==(const Booklet&) const = default;
};

// Persisted: never renumber.
// A venue is registered, then labelled by the operator; only a labelled
// venue redeems passes. A labelled venue can be suspended and reinstated.
// The values match passclear.v1.VenueStatus.
enum class VenueStatus : uint8_t {
  kLabelled = 1,
  kSuspended = 2,
  kRegistered = 3,  // not labelled yet
};

struct Venue {
  uint64_t id = 0;
  std::string name;
  VenueStatus status = VenueStatus::kLabelled;
  std::vector<uint64_t> accepted_programme_ids;
  // Every programme of these territories is accepted too, including
  // programmes created later.
  std::vector<std::string> accepted_territories;
  std::string address;
  std::string siret;  // 14 digits
  std::string iban;   // normalised: no spaces, upper case
  std::string bic;
  bool operator==(const Venue&) const = default;
};

// One field of a venue changed by UpdateVenue: the venue's history.
struct VenueChange {
  absl::Time at;
  std::string changed_by;  // the caller's identity name
  std::string field;       // "name", "address", "iban", "bic", ...
  std::string old_value;   // lists are written comma-separated
  std::string new_value;
  std::string reason;
  bool operator==(const VenueChange&) const = default;
};

// Persisted: never renumber. 2, 4 and 5 are kept for ALLOCATED, CLAIMED
// and PAID; the values match passclear.v1.PassState.
enum class PassState : uint8_t {
  kIssued = 1,
  kRedeemed = 3,
  kVoided = 6,
};

// Where and when a pass was redeemed.
struct RedemptionInfo {
  uint64_t seq = 0;       // journal sequence number; also the claim line's key
  uint64_t batch_id = 0;  // the claim batch holding the line
  uint64_t venue_id = 0;
  std::string terminal_id;
  absl::Time scanned_at;   // the terminal's clock
  absl::Time recorded_at;  // the server's clock when durably recorded
  bool operator==(const RedemptionInfo&) const = default;
};

struct PassRecord {
  uint64_t programme_id = 0;
  uint64_t booklet_id = 0;
  PassState state = PassState::kIssued;
  std::optional<RedemptionInfo> redemption;  // set iff state is kRedeemed
  bool operator==(const PassRecord&) const = default;
};

// One line a venue will be paid for. Deleted again if the redemption is
// cancelled while its batch is open.
struct ClaimLine {
  uint64_t serial = 0;
  uint64_t programme_id = 0;
  int64_t face_value_cents = 0;
  std::string terminal_id;
  absl::Time scanned_at;
  absl::Time recorded_at;
  bool operator==(const ClaimLine&) const = default;
};

// Persisted: never renumber. A batch is open while it collects its venue's
// claim lines; closing fixes its lines and totals for good; the mandatary
// then pays it (acknowledged) or rejects it (it can be resubmitted, and is
// closed again). A batch whose lines were all cancelled closes as empty and
// is never paid.
enum class BatchStatus : uint8_t {
  kOpen = 1,
  kClosed = 2,
  kPaid = 3,
  kRejected = 4,
  kEmpty = 5,
};

struct ProgrammeSubtotal {
  uint64_t programme_id = 0;
  uint32_t lines = 0;
  int64_t cents = 0;
  bool operator==(const ProgrammeSubtotal&) const = default;
};

// One venue's claim for one clearing cycle (or part of it, when the size
// limit split it). Its lines are keyed (batch id, redemption seq).
struct ClaimBatch {
  uint64_t id = 0;
  uint64_t venue_id = 0;
  uint64_t cycle = 0;
  BatchStatus status = BatchStatus::kOpen;
  absl::Time opened_at;
  // Set by closing.
  absl::Time closed_at;
  // Position in the mandatary's log of closed batches; a resubmission after
  // a rejection moves the batch to a new, later position.
  uint64_t close_seq = 0;
  uint32_t line_count = 0;
  int64_t total_cents = 0;
  std::vector<ProgrammeSubtotal> subtotals;  // by programme id
  std::string lines_sha256;                  // 32 raw bytes
  uint32_t signing_key_version = 0;
  std::string signature;  // Ed25519 over the batch statement
  // Set by the mandatary's acknowledgement.
  std::string payment_reference;
  int64_t amount_paid_cents = 0;
  absl::Time paid_at;
  // Set by the latest rejection.
  std::string rejection_reason;
  absl::Time rejected_at;
  // The latest payment file that carried the batch (PaymentFile), set by
  // each export: a batch is in one file at a time until the mandatary
  // rejects it, and each attempt has its own end-to-end id.
  std::string payment_file_id;  // the file's message id
  std::string end_to_end_id;
  std::string paid_to_iban;  // the venue's IBAN when the file was made
  absl::Time exported_at;
  uint32_t payment_attempts = 0;
  // Its payment file awaits the mandatary's answer: another export of the
  // batch would pay it twice.
  bool in_payment_file = false;
  bool operator==(const ClaimBatch&) const = default;
};

// A SEPA payment file as it was handed to the mandatary, kept so that a
// lost answer can be fetched again byte for byte and the audit can tell
// which file carried which batch.
struct PaymentFile {
  uint64_t number = 0;     // the store's export counter
  std::string message_id;  // unique across stores and exports
  absl::Time created_at;
  std::vector<uint64_t> batch_ids;  // in the file's order
  int64_t total_cents = 0;
  std::string xml;
  bool operator==(const PaymentFile&) const = default;
};

// A clearing cycle: every batch opened in it closes at its cut-off.
struct ClearingCycle {
  uint64_t number = 1;
  absl::Time opened_at;
  bool operator==(const ClearingCycle&) const = default;
};

// The service's key for signing batch statements. Statements keep the
// version they were signed with, so rotation keeps them verifiable.
struct SigningKey {
  uint32_t version = 0;
  std::string private_key;  // 32 raw bytes; never leaves the store
  std::string public_key;   // 32 raw bytes
  absl::Time created_at;
  bool operator==(const SigningKey&) const = default;
};

// Persisted: never renumber.
enum class JournalKind : uint8_t {
  kRedeemed = 1,
  kCancelled = 2,
  kVoided = 3,
};

// The append-only history of redemptions, cancellations and voidings, for
// audit.
struct JournalEntry {
  JournalKind kind = JournalKind::kRedeemed;
  uint64_t serial = 0;
  uint64_t venue_id = 0;
  std::string terminal_id;
  std::string request_id;
  absl::Time at;
  uint64_t redemption_seq = 0;  // for a cancellation: the one it undoes
  std::string reason;           // for a voiding: why
  bool operator==(const JournalEntry&) const = default;
};

// Persisted: never renumber.
enum class OperationKind : uint8_t {
  kRedeem = 1,
  kCancel = 2,
};

// The answer given to a (terminal, request id), kept so that a retry gets the
// same answer. `result` holds a RedeemResult or a CancelResult value
// depending on `operation`.
struct StoredAnswer {
  OperationKind operation = OperationKind::kRedeem;
  uint64_t serial = 0;
  uint64_t venue_id = 0;
  absl::Time answered_at;
  uint8_t result = 0;
  std::string message;
  uint64_t programme_id = 0;
  int64_t face_value_cents = 0;
  std::optional<RedemptionInfo> redemption;
  bool operator==(const StoredAnswer&) const = default;
};

}  // namespace passclear::storage

#endif  // PASSCLEAR_STORAGE_RECORDS_H_
