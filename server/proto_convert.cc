#include "server/proto_convert.h"

namespace passclear {
namespace {

void FillRedemption(const storage::RedemptionInfo& redemption,
                    v1::Redemption* message) {
  message->set_venue_id(redemption.venue_id);
  message->set_terminal_id(redemption.terminal_id);
  SetTimestamp(redemption.scanned_at, message->mutable_scanned_at());
  SetTimestamp(redemption.recorded_at, message->mutable_recorded_at());
}

v1::PassState ToProto(storage::PassState state) {
  switch (state) {
    case storage::PassState::kIssued:
      return v1::PASS_STATE_ISSUED;
    case storage::PassState::kRedeemed:
      return v1::PASS_STATE_REDEEMED;
    case storage::PassState::kVoided:
      return v1::PASS_STATE_VOIDED;
  }
  return v1::PASS_STATE_UNSPECIFIED;
}

}  // namespace

void SetTimestamp(absl::Time time, google::protobuf::Timestamp* timestamp) {
  const int64_t seconds = absl::ToUnixSeconds(time);  // rounds down
  timestamp->set_seconds(seconds);
  timestamp->set_nanos(static_cast<int32_t>(
      (time - absl::FromUnixSeconds(seconds)) / absl::Nanoseconds(1)));
}

void FillRedeemResponse(const storage::RedeemOutcome& outcome,
                        v1::RedeemResponse* response) {
  // storage::RedeemResult values are the contract's RedeemResult values.
  response->set_result(static_cast<v1::RedeemResult>(outcome.result));
  response->set_message(outcome.message);
  response->set_serial(outcome.serial);
  response->set_programme_id(outcome.programme_id);
  response->set_face_value_cents(outcome.face_value_cents);
  if (outcome.redemption) {
    FillRedemption(*outcome.redemption, response->mutable_redemption());
  }
  response->set_replayed(outcome.replayed);
}

void FillCancelResponse(const storage::CancelOutcome& outcome,
                        v1::CancelRedemptionResponse* response) {
  // storage::CancelResult values are the contract's CancelResult values.
  response->set_result(static_cast<v1::CancelResult>(outcome.result));
  response->set_message(outcome.message);
  response->set_serial(outcome.serial);
  if (outcome.redemption) {
    FillRedemption(*outcome.redemption, response->mutable_redemption());
  }
  response->set_replayed(outcome.replayed);
}

void FillCheckResponse(const storage::PassStatus& status,
                       v1::CheckPassResponse* response) {
  response->set_serial(status.serial);
  response->set_known(status.known);
  response->set_redeemable_result(
      static_cast<v1::RedeemResult>(status.redeemable_result));
  response->set_message(status.message);
  if (!status.known) return;
  const storage::Programme& programme = status.programme;
  response->set_state(ToProto(status.pass.state));
  if (status.distributor) {
    // ALLOCATED is derived from the booklet: the pass record says ISSUED.
    if (status.pass.state == storage::PassState::kIssued) {
      response->set_state(v1::PASS_STATE_ALLOCATED);
    }
    response->set_distributor_name(status.distributor->name);
    response->set_distributor_reference(status.distributor->reference);
  }
  response->set_programme_id(programme.id);
  response->set_booklet_id(status.pass.booklet_id);
  response->set_face_value_cents(programme.face_value_cents);
  SetTimestamp(programme.valid_from, response->mutable_valid_from());
  SetTimestamp(programme.valid_until, response->mutable_valid_until());
  SetTimestamp(programme.accepted_until(), response->mutable_accepted_until());
  if (status.pass.redemption) {
    FillRedemption(*status.pass.redemption, response->mutable_redemption());
    response->set_batch_id(status.pass.redemption->batch_id);
  }
  // CLAIMED and PAID are derived from the batch: the pass record says
  // REDEEMED.
  if (status.batch_status == storage::BatchStatus::kPaid) {
    response->set_state(v1::PASS_STATE_PAID);
  } else if (status.batch_status == storage::BatchStatus::kClosed ||
             status.batch_status == storage::BatchStatus::kRejected) {
    response->set_state(v1::PASS_STATE_CLAIMED);
  }
}

void FillProgramme(const storage::Programme& programme,
                   v1::Programme* message) {
  message->set_programme_id(programme.id);
  message->set_sponsor(programme.sponsor);
  message->set_name(programme.name);
  message->set_face_value_cents(programme.face_value_cents);
  SetTimestamp(programme.valid_from, message->mutable_valid_from());
  SetTimestamp(programme.valid_until, message->mutable_valid_until());
  message->set_grace_period_seconds(
      absl::ToInt64Seconds(programme.grace_period));
  for (const storage::Amendment& amendment : programme.amendments) {
    v1::Amendment* out = message->add_amendments();
    out->set_reference(amendment.reference);
    SetTimestamp(amendment.recorded_at, out->mutable_recorded_at());
    SetTimestamp(amendment.previous_valid_until,
                 out->mutable_previous_valid_until());
    SetTimestamp(amendment.valid_until, out->mutable_valid_until());
  }
  if (programme.closed_at) {
    SetTimestamp(*programme.closed_at, message->mutable_closed_at());
  }
  if (!programme.keys.empty()) {
    message->set_current_key_version(programme.keys.back().version);
  }
  message->set_territory(programme.territory);
  message->set_distribution_stop_days(static_cast<uint32_t>(
      absl::ToInt64Hours(programme.distribution_stop) / 24));
  SetTimestamp(programme.distribution_ends(),
               message->mutable_distribution_ends_at());
}

void FillBooklet(const storage::Booklet& booklet, v1::Booklet* message) {
  message->set_booklet_id(booklet.id);
  message->set_programme_id(booklet.programme_id);
  message->set_first_serial(booklet.first_serial);
  message->set_size(booklet.size);
  if (booklet.distributor) {
    message->set_distributor_name(booklet.distributor->name);
    message->set_distributor_reference(booklet.distributor->reference);
    SetTimestamp(booklet.distributor->allocated_at,
                 message->mutable_allocated_at());
  }
}

void FillVenue(const storage::Venue& venue, v1::Venue* message) {
  message->set_venue_id(venue.id);
  message->set_name(venue.name);
  for (uint64_t id : venue.accepted_programme_ids) {
    message->add_accepted_programme_ids(id);
  }
  // storage::VenueStatus values are the contract's VenueStatus values.
  message->set_status(static_cast<v1::VenueStatus>(venue.status));
  message->set_address(venue.address);
  message->set_siret(venue.siret);
  message->set_iban(venue.iban);
  message->set_bic(venue.bic);
  for (const std::string& territory : venue.accepted_territories) {
    message->add_accepted_territories(territory);
  }
}

void FillUsage(uint64_t programme_id, const storage::UsageReport& report,
               v1::ProgrammeUsage* message) {
  message->set_programme_id(programme_id);
  SetTimestamp(report.as_of, message->mutable_as_of());
  const storage::ProgrammeCounters& counters = report.counters;
  message->set_issued(counters.issued);
  message->set_allocated(counters.allocated);
  for (const storage::DistributorCounters& distributor :
       counters.distributors) {
    v1::DistributorUsage* out = message->add_distributors();
    out->set_distributor_reference(distributor.reference);
    out->set_distributor_name(distributor.name);
    out->set_passes(distributor.passes);
  }
  message->set_redeemed(counters.redeemed);
  message->set_cancelled(counters.cancelled);
  message->set_voided(counters.voided);
  message->set_claimed(counters.claimed);
  message->set_paid(counters.paid);
  message->set_awaiting_payment(counters.claimed - counters.paid);
  message->set_unused(report.unused);
  message->set_ended(report.ended);
  message->set_expired_unused(report.expired_unused);
  message->set_redeemed_value_cents(report.redeemed_value_cents);
  message->set_refund_due_cents(report.refund_due_cents);
}

}  // namespace passclear
