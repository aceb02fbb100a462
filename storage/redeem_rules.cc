#include "storage/redeem_rules.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace passclear::storage {

std::string FormatSerial(uint64_t serial) {
  return absl::StrFormat("%012d", serial);
}

std::string FormatUtc(absl::Time time) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", time, absl::UTCTimeZone());
}

std::string FormatDays(absl::Duration duration) {
  const int64_t hours = absl::ToInt64Hours(duration);
  if (hours > 0 && hours % 24 == 0 && duration == absl::Hours(hours)) {
    return absl::StrCat(hours / 24, hours == 24 ? " day" : " days");
  }
  return absl::FormatDuration(duration);
}

Verdict JudgeRedemption(const RedemptionAttempt& attempt) {
  const std::string serial = FormatSerial(attempt.serial);
  if (attempt.judge_venue) {
    if (attempt.venue == nullptr) {
      return {RedeemResult::kVenueNotAccepting,
              absl::StrCat("venue ", attempt.venue_id, " is not registered")};
    }
    if (attempt.venue->status == VenueStatus::kRegistered) {
      return {RedeemResult::kVenueNotAccepting,
              absl::StrCat("venue ", attempt.venue_id,
                           " is not labelled yet and cannot redeem passes")};
    }
    if (attempt.venue->status == VenueStatus::kSuspended) {
      return {RedeemResult::kVenueNotAccepting,
              absl::StrCat("venue ", attempt.venue_id,
                           " is suspended and cannot redeem passes")};
    }
  }
  if (attempt.pass == nullptr || attempt.programme == nullptr) {
    return {RedeemResult::kUnknownSerial,
            absl::StrCat("no pass with serial ", serial, " was issued")};
  }
  if (attempt.pass->state == PassState::kRedeemed) {
    const RedemptionInfo& first = *attempt.pass->redemption;
    return {RedeemResult::kAlreadyRedeemed,
            absl::StrCat("pass ", serial, " was already redeemed at venue ",
                         first.venue_id, " by terminal ", first.terminal_id,
                         " on ", FormatUtc(first.recorded_at))};
  }
  if (attempt.pass->state == PassState::kVoided) {
    return {RedeemResult::kVoided,
            absl::StrCat("pass ", serial,
                         " was voided (reported lost or stolen) and cannot be "
                         "redeemed")};
  }
  const Programme& programme = *attempt.programme;
  if (programme.closed_at && attempt.now >= *programme.closed_at) {
    return {RedeemResult::kProgrammeClosed,
            absl::StrCat("programme ", programme.id, " (", programme.name,
                         ") was closed on ", FormatUtc(*programme.closed_at))};
  }
  if (attempt.judge_venue &&
      !VenueAcceptsProgramme(*attempt.venue, programme)) {
    return {
        RedeemResult::kVenueNotAllowed,
        absl::StrCat(
            "venue ", attempt.venue_id, " does not accept passes of programme ",
            programme.id, " (", programme.name, ")",
            programme.territory.empty()
                ? ""
                : absl::StrCat(" of territory ", programme.territory))};
  }
  if (attempt.now - attempt.scanned_at > attempt.max_scan_age) {
    return {
        RedeemResult::kScanTooOld,
        absl::StrCat("pass ", serial, " was scanned on ",
                     FormatUtc(attempt.scanned_at), ", more than the limit of ",
                     FormatDays(attempt.max_scan_age),
                     " for an offline scan to reach the server")};
  }
  if (attempt.scanned_at < attempt.terminal_enrolled_at) {
    return {RedeemResult::kScanTooOld,
            absl::StrCat("pass ", serial, " is said to be scanned on ",
                         FormatUtc(attempt.scanned_at), ", before terminal ",
                         attempt.terminal_id, " was enrolled (",
                         FormatUtc(attempt.terminal_enrolled_at),
                         "): the terminal's clock is wrong")};
  }
  if (attempt.scanned_at < programme.valid_from) {
    return {RedeemResult::kNotYetValid,
            absl::StrCat("pass ", serial, " is valid from ",
                         FormatUtc(programme.valid_from))};
  }
  if (attempt.scanned_at > programme.valid_until) {
    return {RedeemResult::kExpired,
            absl::StrCat("pass ", serial, " expired on ",
                         FormatUtc(programme.valid_until))};
  }
  if (attempt.now > programme.accepted_until()) {
    return {
        RedeemResult::kExpired,
        absl::StrCat("pass ", serial, " was valid until ",
                     FormatUtc(programme.valid_until), " and accepted until ",
                     FormatUtc(programme.accepted_until()))};
  }
  return {
      RedeemResult::kRedeemed,
      absl::StrCat("pass ", serial, " redeemed for ",
                   absl::StrFormat("%.2f", programme.face_value_cents / 100.0),
                   " EUR")};
}

bool VenueAcceptsProgramme(const Venue& venue, const Programme& programme) {
  const auto& programmes = venue.accepted_programme_ids;
  if (std::find(programmes.begin(), programmes.end(), programme.id) !=
      programmes.end()) {
    return true;
  }
  const auto& territories = venue.accepted_territories;
  return !programme.territory.empty() &&
         std::find(territories.begin(), territories.end(),
                   programme.territory) != territories.end();
}

}  // namespace passclear::storage
