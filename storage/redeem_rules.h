// The rules that decide whether a pass may be redeemed: pure functions of
// the pass, its programme, the venue and the clocks, so that redemption and
// CheckPass judge alike and tests can probe every edge.
//
//   Verdict verdict = JudgeRedemption({.serial = 42, .pass = &pass, ...});
//   if (verdict.result == RedeemResult::kRedeemed) { ...stage the writes... }
#ifndef PASSCLEAR_STORAGE_REDEEM_RULES_H_
#define PASSCLEAR_STORAGE_REDEEM_RULES_H_

#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "storage/records.h"
#include "storage/redemption.h"

namespace passclear::storage {

struct RedemptionAttempt {
  uint64_t serial = 0;
  const PassRecord* pass = nullptr;      // null: serial never issued
  const Programme* programme = nullptr;  // the pass's programme
  bool judge_venue = true;               // false: ignore the venue
  uint64_t venue_id = 0;
  const Venue* venue = nullptr;  // null: unknown venue
  absl::Time scanned_at;         // the terminal's clock
  absl::Time now;                // the server's clock
  // An offline scan reaches the server at most this long after it was
  // made, and is never older than its terminal.
  absl::Duration max_scan_age = absl::InfiniteDuration();
  absl::Time terminal_enrolled_at = absl::InfinitePast();
  std::string terminal_id;  // for the message
};

struct Verdict {
  RedeemResult result;
  std::string message;
};

// Refusals are checked in this order: venue accepting, serial known, already
// redeemed, voided, programme closed, venue allowed for the programme, the
// scan's age (a terminal's clock is trusted only so far), validity at scan
// time, and late acceptance at server time.
Verdict JudgeRedemption(const RedemptionAttempt& attempt);

// Whether `venue` accepts passes of `programme`: the programme is in its
// list, or the programme's territory is one of the venue's territories.
bool VenueAcceptsProgramme(const Venue& venue, const Programme& programme);

// "000000000042": serials are shown zero-padded to 12 digits, as printed.
std::string FormatSerial(uint64_t serial);
// "2026-11-02 10:31:12 UTC".
std::string FormatUtc(absl::Time time);
// "7 days", or "30m" for a duration that is not whole days.
std::string FormatDays(absl::Duration duration);

}  // namespace passclear::storage

#endif  // PASSCLEAR_STORAGE_REDEEM_RULES_H_
