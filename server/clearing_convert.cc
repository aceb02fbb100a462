#include "server/clearing_convert.h"

#include "server/proto_convert.h"

namespace passclear {

void FillBatch(const storage::ClaimBatch& batch, v1::ClaimBatch* message) {
  message->set_batch_id(batch.id);
  message->set_venue_id(batch.venue_id);
  message->set_cycle(batch.cycle);
  // storage::BatchStatus values are the contract's BatchStatus values.
  message->set_status(static_cast<v1::BatchStatus>(batch.status));
  SetTimestamp(batch.opened_at, message->mutable_opened_at());
  if (batch.status == storage::BatchStatus::kOpen) return;
  SetTimestamp(batch.closed_at, message->mutable_closed_at());
  message->set_close_seq(batch.close_seq);
  message->set_line_count(batch.line_count);
  message->set_total_cents(batch.total_cents);
  for (const storage::ProgrammeSubtotal& subtotal : batch.subtotals) {
    v1::ProgrammeSubtotal* out = message->add_subtotals();
    out->set_programme_id(subtotal.programme_id);
    out->set_lines(subtotal.lines);
    out->set_cents(subtotal.cents);
  }
  if (batch.status == storage::BatchStatus::kPaid) {
    message->set_payment_reference(batch.payment_reference);
    message->set_amount_paid_cents(batch.amount_paid_cents);
    SetTimestamp(batch.paid_at, message->mutable_paid_at());
  }
  if (!batch.payment_file_id.empty()) {
    v1::PaymentFileRef* file = message->mutable_payment_file();
    file->set_message_id(batch.payment_file_id);
    file->set_end_to_end_id(batch.end_to_end_id);
    file->set_iban(batch.paid_to_iban);
    SetTimestamp(batch.exported_at, file->mutable_exported_at());
    file->set_attempt(batch.payment_attempts);
    file->set_pending(batch.in_payment_file);
  }
  if (!batch.rejection_reason.empty()) {
    message->set_rejection_reason(batch.rejection_reason);
    SetTimestamp(batch.rejected_at, message->mutable_rejected_at());
  }
}

void FillClaimLine(const storage::ClaimLineEntry& entry,
                   v1::ClaimLine* message) {
  message->set_seq(entry.seq);
  message->set_serial(entry.line.serial);
  message->set_programme_id(entry.line.programme_id);
  message->set_face_value_cents(entry.line.face_value_cents);
  message->set_terminal_id(entry.line.terminal_id);
  SetTimestamp(entry.line.scanned_at, message->mutable_scanned_at());
  SetTimestamp(entry.line.recorded_at, message->mutable_recorded_at());
}

}  // namespace passclear
