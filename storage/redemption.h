// The redemption domain: what a terminal asks and what the store answers.
//
//   RedeemCommand command{.serial = 42, .venue_id = 7, .terminal_id = "T-1",
//                         .request_id = "9f1c..."};
//   store.Redeem(command, [](absl::StatusOr<RedeemOutcome> outcome) {...});
//
// An outcome is a decision (redeemed, or refused with a reason). An error
// status means nothing was decided and nothing was written.
#ifndef PASSCLEAR_STORAGE_REDEMPTION_H_
#define PASSCLEAR_STORAGE_REDEMPTION_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "storage/records.h"

namespace passclear::storage {

// Persisted in stored answers: never renumber. The values match
// passclear.v1.RedeemResult. Its MALFORMED_CODE (4), REQUEST_ID_CONFLICT
// (9) and COUNTERFEIT (12) are decided before a request reaches the store,
// so they are not here.
enum class RedeemResult : uint8_t {
  kRedeemed = 1,
  kAlreadyRedeemed = 2,
  kUnknownSerial = 3,
  kNotYetValid = 5,
  kExpired = 6,
  kVenueNotAccepting = 7,
  kVenueNotAllowed = 8,
  kVoided = 10,
  kProgrammeClosed = 11,
  kScanTooOld = 13,
};

// The values match passclear.v1.VoidResult.
enum class VoidResult : uint8_t {
  kVoided = 1,
  kAlreadyVoided = 2,
  kAlreadyRedeemed = 3,
};

struct VoidCommand {
  uint64_t serial = 0;
  std::string reason;
};

struct VoidOutcome {
  uint64_t serial = 0;
  VoidResult result = VoidResult::kVoided;
  std::string message;
};

// Persisted in stored answers: never renumber. The values match
// passclear.v1.CancelResult.
enum class CancelResult : uint8_t {
  kCancelled = 1,
  kUnknownSerial = 2,
  kNotRedeemed = 3,
  kNotSameTerminal = 4,
  kWindowElapsed = 5,
  kBatchClosed = 6,
};

struct RedeemCommand {
  uint64_t serial = 0;
  uint64_t venue_id = 0;
  std::string terminal_id;
  std::string request_id;
  // The terminal's scan time; the server's time when absent.
  std::optional<absl::Time> scanned_at;
  // When the terminal was enrolled: no scan of its can be older.
  absl::Time terminal_enrolled_at = absl::InfinitePast();
};

struct RedeemOutcome {
  RedeemResult result = RedeemResult::kRedeemed;
  std::string message;
  uint64_t serial = 0;
  uint64_t programme_id = 0;  // 0 when the serial is unknown
  int64_t face_value_cents = 0;
  // This redemption (kRedeemed) or the first one (kAlreadyRedeemed).
  std::optional<RedemptionInfo> redemption;
  // True when this is the stored answer to an earlier identical request.
  bool replayed = false;
};

struct CancelCommand {
  uint64_t serial = 0;
  uint64_t venue_id = 0;
  std::string terminal_id;
  std::string request_id;
};

struct CancelOutcome {
  CancelResult result = CancelResult::kCancelled;
  std::string message;
  uint64_t serial = 0;
  std::optional<RedemptionInfo> redemption;
  bool replayed = false;
};

// A pass as CheckPass shows it.
struct PassStatus {
  uint64_t serial = 0;
  bool known = false;
  PassRecord pass;
  Programme programme;
  // Who the pass's booklet was handed to; unset while in the reserve.
  std::optional<Distributor> distributor;
  // The status of the batch holding the redemption's claim line.
  std::optional<BatchStatus> batch_status;
  // What a redemption now would answer.
  RedeemResult redeemable_result = RedeemResult::kUnknownSerial;
  std::string message;
};

}  // namespace passclear::storage

#endif  // PASSCLEAR_STORAGE_REDEMPTION_H_
