#include "storage/lane_operations.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "storage/answer_expiry.h"
#include "storage/in_flight_requests.h"
#include "storage/key_codec.h"
#include "storage/redeem_rules.h"
#include "storage/status_macros.h"

namespace passclear::storage {
namespace {

std::string DescribeAnswer(const StoredAnswer& answer) {
  return absl::StrCat(answer.operation == OperationKind::kRedeem
                          ? "a redemption"
                          : "a cancellation",
                      " of pass ", FormatSerial(answer.serial), " at venue ",
                      answer.venue_id, " on ", FormatUtc(answer.answered_at));
}

// Checks a stored answer against a new request with the same id: the answer
// to replay, or ALREADY_EXISTS when the id was used for something else.
absl::Status CheckSameRequest(const StoredAnswer& answer,
                              const RequestContent& content,
                              absl::string_view request_id) {
  const RequestContent answered{.operation = answer.operation,
                                .serial = answer.serial,
                                .venue_id = answer.venue_id};
  if (answered == content) return absl::OkStatus();
  return absl::AlreadyExistsError(absl::StrCat(
      "request_id '", request_id, "' was already used by this terminal for ",
      DescribeAnswer(answer), "; use a new request_id for a new request"));
}

}  // namespace

template <typename Command, typename Outcome>
absl::StatusOr<std::optional<StoredAnswer>>
DecidingOperation<Command, Outcome>::EarlierAnswer(
    const StagedWrites& staged, const std::string& key,
    OperationKind operation) const {
  ASSIGN_OR_RETURN(std::optional<StoredAnswer> earlier, staged.ReadAnswer(key));
  // An expired answer a compaction has not dropped yet: decided afresh.
  if (earlier &&
      AnswerExpired(earlier->answered_at, context_.answer_ttl, staged.now())) {
    earlier.reset();
  }
  if (earlier) {
    RETURN_IF_ERROR(CheckSameRequest(*earlier,
                                     {.operation = operation,
                                      .serial = command_.serial,
                                      .venue_id = command_.venue_id},
                                     command_.request_id));
  }
  return earlier;
}

absl::StatusOr<RedeemOutcome> RedeemOperation::Decide(StagedWrites& staged) {
  const std::string key =
      IdempotencyKey(command_.terminal_id, command_.request_id);
  ASSIGN_OR_RETURN(std::optional<StoredAnswer> earlier,
                   EarlierAnswer(staged, key, OperationKind::kRedeem));
  if (earlier) {
    return RedeemOutcome{.result = static_cast<RedeemResult>(earlier->result),
                         .message = earlier->message,
                         .serial = earlier->serial,
                         .programme_id = earlier->programme_id,
                         .face_value_cents = earlier->face_value_cents,
                         .redemption = earlier->redemption,
                         .replayed = true};
  }
  ASSIGN_OR_RETURN(std::optional<PassRecord> pass,
                   staged.ReadPass(command_.serial));

  std::shared_ptr<const Programme> programme =
      pass ? context_.catalog->FindProgramme(pass->programme_id) : nullptr;
  std::shared_ptr<const Venue> venue =
      context_.catalog->FindVenue(command_.venue_id);
  const absl::Time scanned_at =
      ToStoredPrecision(command_.scanned_at.value_or(staged.now()));
  Verdict verdict = JudgeRedemption(
      {.serial = command_.serial,
       .pass = pass ? &*pass : nullptr,
       .programme = programme.get(),
       .venue_id = command_.venue_id,
       .venue = venue.get(),
       .scanned_at = scanned_at,
       .now = staged.now(),
       .max_scan_age = context_.max_scan_age,
       .terminal_enrolled_at = context_.refuse_scans_before_enrolment
                                   ? command_.terminal_enrolled_at
                                   : absl::InfinitePast(),
       .terminal_id = command_.terminal_id});
  RedeemOutcome outcome{.result = verdict.result,
                        .message = std::move(verdict.message),
                        .serial = command_.serial};
  if (programme) {
    outcome.programme_id = programme->id;
    outcome.face_value_cents = programme->face_value_cents;
  }
  if (verdict.result == RedeemResult::kAlreadyRedeemed) {
    outcome.redemption = pass->redemption;
  }
  std::optional<ClearingState::LineSlot> slot;
  if (verdict.result == RedeemResult::kRedeemed) {
    ASSIGN_OR_RETURN(
        slot, context_.clearing->AddLine(command_.venue_id, staged.now()));
  }

  // Every read is done: from here on nothing can fail.
  if (slot) {
    if (slot->full_batch_id) context_.close_full_batch(*slot->full_batch_id);
    if (slot->opened) {
      staged.PutOpenedBatch(*slot->opened);
      opened_batch_id_ = slot->batch_id;
    }
    const uint64_t seq = context_.next_seq->fetch_add(1);
    RedemptionInfo redemption{.seq = seq,
                              .batch_id = slot->batch_id,
                              .venue_id = command_.venue_id,
                              .terminal_id = command_.terminal_id,
                              .scanned_at = scanned_at,
                              .recorded_at = staged.now()};
    PassRecord redeemed = *pass;
    redeemed.state = PassState::kRedeemed;
    redeemed.redemption = redemption;
    staged.PutPass(command_.serial, redeemed);
    staged.PutClaimLine(slot->batch_id, seq,
                        {.serial = command_.serial,
                         .programme_id = programme->id,
                         .face_value_cents = programme->face_value_cents,
                         .terminal_id = command_.terminal_id,
                         .scanned_at = scanned_at,
                         .recorded_at = staged.now()});
    staged.PutJournalEntry(seq, {.kind = JournalKind::kRedeemed,
                                 .serial = command_.serial,
                                 .venue_id = command_.venue_id,
                                 .terminal_id = command_.terminal_id,
                                 .request_id = command_.request_id,
                                 .at = staged.now(),
                                 .redemption_seq = seq});
    staged.AddToUsage(programme->id, UsageCounter::kRedeemed, +1);
    outcome.redemption = std::move(redemption);
  }
  staged.PutAnswer(key, {.operation = OperationKind::kRedeem,
                         .serial = command_.serial,
                         .venue_id = command_.venue_id,
                         .answered_at = staged.now(),
                         .result = static_cast<uint8_t>(outcome.result),
                         .message = outcome.message,
                         .programme_id = outcome.programme_id,
                         .face_value_cents = outcome.face_value_cents,
                         .redemption = outcome.redemption});
  return outcome;
}

void RedeemOperation::Committed() {
  if (opened_batch_id_) {
    context_.clearing->MarkOpened(command_.venue_id, *opened_batch_id_);
  }
}

absl::StatusOr<CancelOutcome> CancelOperation::Decide(StagedWrites& staged) {
  const std::string key =
      IdempotencyKey(command_.terminal_id, command_.request_id);
  ASSIGN_OR_RETURN(std::optional<StoredAnswer> earlier,
                   EarlierAnswer(staged, key, OperationKind::kCancel));
  if (earlier) {
    return CancelOutcome{.result = static_cast<CancelResult>(earlier->result),
                         .message = earlier->message,
                         .serial = earlier->serial,
                         .redemption = earlier->redemption,
                         .replayed = true};
  }
  ASSIGN_OR_RETURN(std::optional<PassRecord> pass,
                   staged.ReadPass(command_.serial));

  // Every read is done: from here on nothing can fail.
  const std::string serial = FormatSerial(command_.serial);
  CancelOutcome outcome{.serial = command_.serial};
  if (!pass) {
    outcome.result = CancelResult::kUnknownSerial;
    outcome.message =
        absl::StrCat("no pass with serial ", serial, " was issued");
  } else if (pass->state != PassState::kRedeemed) {
    outcome.result = CancelResult::kNotRedeemed;
    outcome.message = absl::StrCat("pass ", serial, " is not redeemed");
  } else if (pass->redemption->venue_id != command_.venue_id ||
             pass->redemption->terminal_id != command_.terminal_id) {
    outcome.result = CancelResult::kNotSameTerminal;
    outcome.message = absl::StrCat("pass ", serial, " was redeemed at venue ",
                                   pass->redemption->venue_id, " by terminal ",
                                   pass->redemption->terminal_id,
                                   "; only that terminal can cancel it");
    outcome.redemption = pass->redemption;
  } else if (staged.now() - pass->redemption->recorded_at >
             context_.cancel_window) {
    outcome.result = CancelResult::kWindowElapsed;
    outcome.message =
        absl::StrCat("pass ", serial, " was redeemed on ",
                     FormatUtc(pass->redemption->recorded_at),
                     "; a redemption can only be cancelled within ",
                     absl::FormatDuration(context_.cancel_window));
    outcome.redemption = pass->redemption;
  } else if (!context_.clearing->RemoveLine(pass->redemption->venue_id,
                                            pass->redemption->batch_id)) {
    outcome.result = CancelResult::kBatchClosed;
    outcome.message = absl::StrCat(
        "pass ", serial, " is in claim batch ", pass->redemption->batch_id,
        ", which is closed: its venue is being paid for it, so the "
        "redemption can no longer be cancelled");
    outcome.redemption = pass->redemption;
  } else {
    const RedemptionInfo& cancelled = *pass->redemption;
    const uint64_t seq = context_.next_seq->fetch_add(1);
    outcome.result = CancelResult::kCancelled;
    outcome.message = absl::StrCat("redemption of pass ", serial,
                                   " cancelled; the pass can be used again");
    outcome.redemption = cancelled;
    staged.DeleteClaimLine(cancelled.batch_id, cancelled.seq);
    staged.PutJournalEntry(seq, {.kind = JournalKind::kCancelled,
                                 .serial = command_.serial,
                                 .venue_id = command_.venue_id,
                                 .terminal_id = command_.terminal_id,
                                 .request_id = command_.request_id,
                                 .at = staged.now(),
                                 .redemption_seq = cancelled.seq});
    PassRecord restored = *pass;
    restored.state = PassState::kIssued;
    restored.redemption.reset();
    staged.PutPass(command_.serial, restored);
    staged.AddToUsage(pass->programme_id, UsageCounter::kRedeemed, -1);
    staged.AddToUsage(pass->programme_id, UsageCounter::kCancelled, +1);
  }
  staged.PutAnswer(key, {.operation = OperationKind::kCancel,
                         .serial = command_.serial,
                         .venue_id = command_.venue_id,
                         .answered_at = staged.now(),
                         .result = static_cast<uint8_t>(outcome.result),
                         .message = outcome.message,
                         .redemption = outcome.redemption});
  return outcome;
}

absl::StatusOr<VoidOutcome> VoidOperation::Decide(StagedWrites& staged) {
  ASSIGN_OR_RETURN(std::optional<PassRecord> pass,
                   staged.ReadPass(command_.serial));
  const std::string serial = FormatSerial(command_.serial);
  if (!pass) {
    return absl::NotFoundError(
        absl::StrCat("serial: no pass ", serial, " was issued"));
  }
  // Every read is done: from here on nothing can fail.
  VoidOutcome outcome{.serial = command_.serial};
  if (pass->state == PassState::kVoided) {
    outcome.result = VoidResult::kAlreadyVoided;
    outcome.message = absl::StrCat("pass ", serial, " was already voided");
  } else if (pass->state == PassState::kRedeemed) {
    outcome.result = VoidResult::kAlreadyRedeemed;
    outcome.message = absl::StrCat("pass ", serial, " was redeemed at venue ",
                                   pass->redemption->venue_id, " on ",
                                   FormatUtc(pass->redemption->recorded_at),
                                   " and stays redeemed");
  } else {
    outcome.result = VoidResult::kVoided;
    outcome.message = absl::StrCat("pass ", serial, " voided");
    PassRecord voided = *pass;
    voided.state = PassState::kVoided;
    staged.PutPass(command_.serial, voided);
    staged.AddToUsage(pass->programme_id, UsageCounter::kVoided, +1);
    staged.PutJournalEntry(context_.next_seq->fetch_add(1),
                           {.kind = JournalKind::kVoided,
                            .serial = command_.serial,
                            .at = staged.now(),
                            .reason = command_.reason});
  }
  return outcome;
}

}  // namespace passclear::storage
