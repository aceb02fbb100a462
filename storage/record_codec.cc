#include "storage/record_codec.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "storage/redemption.h"
#include "storage/status_macros.h"
#include "storage/value_encoding.h"

namespace passclear::storage {
namespace {

ValueWriter Versioned() {
  ValueWriter writer;
  writer.U8(kRecordFormatV1);
  return writer;
}

absl::Status Corrupt(absl::string_view record, absl::string_view what) {
  return absl::DataLossError(absl::StrCat("corrupt ", record, ": ", what));
}

// Reads the version byte and checks it is between 1 and `latest`.
absl::StatusOr<uint8_t> ReadVersion(ValueReader& reader,
                                    absl::string_view record, uint8_t latest) {
  uint8_t version = 0;
  if (!reader.U8(version)) return Corrupt(record, "empty value");
  if (version < kRecordFormatV1 || version > latest) {
    return Corrupt(record, absl::StrCat("unknown format version ", version));
  }
  return version;
}

// Reads and checks the version byte of a record that has only version 1.
absl::Status StartDecoding(ValueReader& reader, absl::string_view record) {
  return ReadVersion(reader, record, kRecordFormatV1).status();
}

absl::Status FinishDecoding(bool read_ok, const ValueReader& reader,
                            absl::string_view record) {
  if (!read_ok) return Corrupt(record, "truncated value");
  if (!reader.AtEnd()) return Corrupt(record, "trailing bytes");
  return absl::OkStatus();
}

// Written in the version 2 layout (with the batch id); version 1 has none.
void WriteRedemption(ValueWriter& writer,
                     const std::optional<RedemptionInfo>& redemption) {
  writer.U8(redemption.has_value() ? 1 : 0);
  if (!redemption) return;
  writer.U64(redemption->seq)
      .U64(redemption->batch_id)
      .U64(redemption->venue_id)
      .String(redemption->terminal_id)
      .Time(redemption->scanned_at)
      .Time(redemption->recorded_at);
}

bool ReadRedemption(ValueReader& reader, bool with_batch,
                    std::optional<RedemptionInfo>& redemption) {
  uint8_t present = 0;
  if (!reader.U8(present) || present > 1) return false;
  if (present == 0) {
    redemption.reset();
    return true;
  }
  RedemptionInfo info;
  if (!reader.U64(info.seq) || (with_batch && !reader.U64(info.batch_id)) ||
      !reader.U64(info.venue_id) || !reader.String(info.terminal_id) ||
      !reader.Time(info.scanned_at) || !reader.Time(info.recorded_at)) {
    return false;
  }
  redemption = std::move(info);
  return true;
}

// The results an answer of each operation can hold (redemption.h).
bool IsKnownResult(OperationKind operation, uint8_t result) {
  if (operation == OperationKind::kCancel) {
    return result >= static_cast<uint8_t>(CancelResult::kCancelled) &&
           result <= static_cast<uint8_t>(CancelResult::kBatchClosed);
  }
  switch (static_cast<RedeemResult>(result)) {
    case RedeemResult::kRedeemed:
    case RedeemResult::kAlreadyRedeemed:
    case RedeemResult::kUnknownSerial:
    case RedeemResult::kNotYetValid:
    case RedeemResult::kExpired:
    case RedeemResult::kVenueNotAccepting:
    case RedeemResult::kVenueNotAllowed:
    case RedeemResult::kVoided:
    case RedeemResult::kProgrammeClosed:
    case RedeemResult::kScanTooOld:
      return true;
  }
  return false;
}

}  // namespace

std::string EncodeProgramme(const Programme& programme) {
  ValueWriter writer;
  writer.U8(kProgrammeFormatV4)
      .U64(programme.id)
      .String(programme.sponsor)
      .String(programme.name)
      .I64(programme.face_value_cents)
      .Time(programme.valid_from)
      .Time(programme.valid_until)
      .I64(absl::ToInt64Seconds(programme.grace_period))
      .U32(static_cast<uint32_t>(programme.amendments.size()));
  for (const Amendment& amendment : programme.amendments) {
    writer.String(amendment.reference)
        .Time(amendment.recorded_at)
        .Time(amendment.previous_valid_until)
        .Time(amendment.valid_until);
  }
  writer.U8(programme.closed_at.has_value() ? 1 : 0);
  if (programme.closed_at) writer.Time(*programme.closed_at);
  writer.U32(static_cast<uint32_t>(programme.keys.size()));
  for (const ProgrammeKey& key : programme.keys) {
    writer.U32(key.version).String(key.secret);
  }
  writer.String(programme.territory)
      .I64(absl::ToInt64Seconds(programme.distribution_stop));
  return writer.Finish();
}

absl::StatusOr<Programme> DecodeProgramme(absl::string_view bytes) {
  ValueReader reader(bytes);
  ASSIGN_OR_RETURN(const uint8_t version,
                   ReadVersion(reader, "programme", kProgrammeFormatV4));
  Programme programme;
  int64_t grace_seconds = 0;
  bool ok = reader.U64(programme.id) && reader.String(programme.sponsor) &&
            reader.String(programme.name) &&
            reader.I64(programme.face_value_cents) &&
            reader.Time(programme.valid_from) &&
            reader.Time(programme.valid_until) && reader.I64(grace_seconds);
  // Version 2 appends the amendments, the closing and the keys.
  if (ok && version >= kProgrammeFormatV2) {
    uint32_t count = 0;
    ok = reader.U32(count) && count <= bytes.size();
    for (uint32_t i = 0; ok && i < count; ++i) {
      Amendment amendment;
      ok = reader.String(amendment.reference) &&
           reader.Time(amendment.recorded_at) &&
           reader.Time(amendment.previous_valid_until) &&
           reader.Time(amendment.valid_until);
      programme.amendments.push_back(std::move(amendment));
    }
    uint8_t closed = 0;
    ok = ok && reader.U8(closed) && closed <= 1;
    if (ok && closed == 1) {
      absl::Time closed_at;
      ok = reader.Time(closed_at);
      programme.closed_at = closed_at;
    }
    uint32_t key_count = 0;
    ok = ok && reader.U32(key_count) && key_count <= bytes.size();
    for (uint32_t i = 0; ok && i < key_count; ++i) {
      ProgrammeKey key;
      ok = reader.U32(key.version) && reader.String(key.secret);
      programme.keys.push_back(std::move(key));
    }
  }
  // Version 3 appends the territory.
  if (ok && version >= kProgrammeFormatV3) {
    ok = reader.String(programme.territory);
  }
  // Version 4 appends the distribution stop; earlier ones have the default.
  if (ok && version >= kProgrammeFormatV4) {
    int64_t stop_seconds = 0;
    ok = reader.I64(stop_seconds);
    programme.distribution_stop = absl::Seconds(stop_seconds);
  }
  RETURN_IF_ERROR(FinishDecoding(ok, reader, "programme"));
  programme.grace_period = absl::Seconds(grace_seconds);
  return programme;
}

std::string EncodeBooklet(const Booklet& booklet) {
  ValueWriter writer;
  writer.U8(kBookletFormatV2)
      .U64(booklet.id)
      .U64(booklet.programme_id)
      .U64(booklet.first_serial)
      .U32(booklet.size)
      .U8(booklet.distributor.has_value() ? 1 : 0);
  if (booklet.distributor) {
    writer.String(booklet.distributor->name)
        .String(booklet.distributor->reference)
        .Time(booklet.distributor->allocated_at);
  }
  return writer.Finish();
}

absl::StatusOr<Booklet> DecodeBooklet(absl::string_view bytes) {
  ValueReader reader(bytes);
  ASSIGN_OR_RETURN(const uint8_t version,
                   ReadVersion(reader, "booklet", kBookletFormatV2));
  Booklet booklet;
  bool ok = reader.U64(booklet.id) && reader.U64(booklet.programme_id) &&
            reader.U64(booklet.first_serial) && reader.U32(booklet.size);
  // Version 2 appends the distributor.
  uint8_t allocated = 0;
  if (ok && version == kBookletFormatV2) {
    ok = reader.U8(allocated) && allocated <= 1;
  }
  if (ok && allocated == 1) {
    Distributor distributor;
    ok = reader.String(distributor.name) &&
         reader.String(distributor.reference) &&
         reader.Time(distributor.allocated_at);
    booklet.distributor = std::move(distributor);
  }
  RETURN_IF_ERROR(FinishDecoding(ok, reader, "booklet"));
  return booklet;
}

std::string EncodeVenue(const Venue& venue) {
  ValueWriter writer;
  writer.U8(kVenueFormatV3)
      .U64(venue.id)
      .String(venue.name)
      .U8(static_cast<uint8_t>(venue.status))
      .U32(static_cast<uint32_t>(venue.accepted_programme_ids.size()));
  for (uint64_t programme_id : venue.accepted_programme_ids) {
    writer.U64(programme_id);
  }
  writer.String(venue.address)
      .String(venue.siret)
      .String(venue.iban)
      .String(venue.bic)
      .U32(static_cast<uint32_t>(venue.accepted_territories.size()));
  for (const std::string& territory : venue.accepted_territories) {
    writer.String(territory);
  }
  return writer.Finish();
}

absl::StatusOr<Venue> DecodeVenue(absl::string_view bytes) {
  ValueReader reader(bytes);
  ASSIGN_OR_RETURN(const uint8_t version,
                   ReadVersion(reader, "venue", kVenueFormatV3));
  Venue venue;
  uint8_t status_byte = 0;
  uint32_t programme_count = 0;
  bool ok = reader.U64(venue.id) && reader.String(venue.name) &&
            reader.U8(status_byte) && reader.U32(programme_count);
  // Each programme id takes 8 bytes: refuse a count the value cannot hold
  // before reserving memory for it.
  if (ok && programme_count > bytes.size() / 8) ok = false;
  for (uint32_t i = 0; ok && i < programme_count; ++i) {
    uint64_t programme_id = 0;
    ok = reader.U64(programme_id);
    venue.accepted_programme_ids.push_back(programme_id);
  }
  // Version 2 appends the address and payment details.
  if (ok && version >= kVenueFormatV2) {
    ok = reader.String(venue.address) && reader.String(venue.siret) &&
         reader.String(venue.iban) && reader.String(venue.bic);
  }
  // Version 3 appends the accepted territories (4 bytes at least each).
  if (ok && version >= kVenueFormatV3) {
    uint32_t territory_count = 0;
    ok = reader.U32(territory_count) && territory_count <= bytes.size() / 4;
    for (uint32_t i = 0; ok && i < territory_count; ++i) {
      std::string territory;
      ok = reader.String(territory);
      venue.accepted_territories.push_back(std::move(territory));
    }
  }
  RETURN_IF_ERROR(FinishDecoding(ok, reader, "venue"));
  if (status_byte != static_cast<uint8_t>(VenueStatus::kLabelled) &&
      status_byte != static_cast<uint8_t>(VenueStatus::kSuspended) &&
      status_byte != static_cast<uint8_t>(VenueStatus::kRegistered)) {
    return Corrupt("venue", absl::StrCat("unknown status ", status_byte));
  }
  venue.status = static_cast<VenueStatus>(status_byte);
  return venue;
}

std::string EncodePass(const PassRecord& pass) {
  ValueWriter writer;
  writer.U8(kPassFormatV2)
      .U64(pass.programme_id)
      .U64(pass.booklet_id)
      .U8(static_cast<uint8_t>(pass.state));
  WriteRedemption(writer, pass.redemption);
  return writer.Finish();
}

absl::StatusOr<PassRecord> DecodePass(absl::string_view bytes) {
  ValueReader reader(bytes);
  ASSIGN_OR_RETURN(const uint8_t version,
                   ReadVersion(reader, "pass", kPassFormatV2));
  PassRecord pass;
  uint8_t state = 0;
  bool ok = reader.U64(pass.programme_id) && reader.U64(pass.booklet_id) &&
            reader.U8(state) &&
            ReadRedemption(reader, version >= kPassFormatV2, pass.redemption);
  RETURN_IF_ERROR(FinishDecoding(ok, reader, "pass"));
  if (state == static_cast<uint8_t>(PassState::kIssued)) {
    pass.state = PassState::kIssued;
  } else if (state == static_cast<uint8_t>(PassState::kRedeemed)) {
    pass.state = PassState::kRedeemed;
  } else if (state == static_cast<uint8_t>(PassState::kVoided)) {
    pass.state = PassState::kVoided;
  } else {
    return Corrupt("pass", absl::StrCat("unknown state ", state));
  }
  if (pass.redemption.has_value() != (pass.state == PassState::kRedeemed)) {
    return Corrupt("pass", "redemption present iff redeemed");
  }
  return pass;
}

std::string EncodeClaimLine(const ClaimLine& line) {
  return Versioned()
      .U64(line.serial)
      .U64(line.programme_id)
      .I64(line.face_value_cents)
      .String(line.terminal_id)
      .Time(line.scanned_at)
      .Time(line.recorded_at)
      .Finish();
}

absl::StatusOr<ClaimLine> DecodeClaimLine(absl::string_view bytes) {
  ValueReader reader(bytes);
  RETURN_IF_ERROR(StartDecoding(reader, "claim line"));
  ClaimLine line;
  bool ok = reader.U64(line.serial) && reader.U64(line.programme_id) &&
            reader.I64(line.face_value_cents) &&
            reader.String(line.terminal_id) && reader.Time(line.scanned_at) &&
            reader.Time(line.recorded_at);
  RETURN_IF_ERROR(FinishDecoding(ok, reader, "claim line"));
  return line;
}

std::string EncodeJournalEntry(const JournalEntry& entry) {
  ValueWriter writer;
  return writer.U8(kJournalFormatV2)
      .U8(static_cast<uint8_t>(entry.kind))
      .U64(entry.serial)
      .U64(entry.venue_id)
      .String(entry.terminal_id)
      .String(entry.request_id)
      .Time(entry.at)
      .U64(entry.redemption_seq)
      .String(entry.reason)
      .Finish();
}

absl::StatusOr<JournalEntry> DecodeJournalEntry(absl::string_view bytes) {
  ValueReader reader(bytes);
  ASSIGN_OR_RETURN(const uint8_t version,
                   ReadVersion(reader, "journal entry", kJournalFormatV2));
  JournalEntry entry;
  uint8_t kind = 0;
  bool ok = reader.U8(kind) && reader.U64(entry.serial) &&
            reader.U64(entry.venue_id) && reader.String(entry.terminal_id) &&
            reader.String(entry.request_id) && reader.Time(entry.at) &&
            reader.U64(entry.redemption_seq);
  // Version 2 appends the reason; version 1 entries have none.
  if (ok && version == kJournalFormatV2) ok = reader.String(entry.reason);
  RETURN_IF_ERROR(FinishDecoding(ok, reader, "journal entry"));
  if (kind != static_cast<uint8_t>(JournalKind::kRedeemed) &&
      kind != static_cast<uint8_t>(JournalKind::kCancelled) &&
      kind != static_cast<uint8_t>(JournalKind::kVoided)) {
    return Corrupt("journal entry", absl::StrCat("unknown kind ", kind));
  }
  entry.kind = static_cast<JournalKind>(kind);
  return entry;
}

std::string EncodeStoredAnswer(const StoredAnswer& answer) {
  ValueWriter writer;
  writer.U8(kStoredAnswerFormatV2)
      .U8(static_cast<uint8_t>(answer.operation))
      .U64(answer.serial)
      .U64(answer.venue_id)
      .Time(answer.answered_at)
      .U8(answer.result)
      .String(answer.message)
      .U64(answer.programme_id)
      .I64(answer.face_value_cents);
  WriteRedemption(writer, answer.redemption);
  return writer.Finish();
}

absl::StatusOr<StoredAnswer> DecodeStoredAnswer(absl::string_view bytes) {
  ValueReader reader(bytes);
  ASSIGN_OR_RETURN(const uint8_t version,
                   ReadVersion(reader, "stored answer", kStoredAnswerFormatV2));
  StoredAnswer answer;
  uint8_t operation = 0;
  bool ok = reader.U8(operation) && reader.U64(answer.serial) &&
            reader.U64(answer.venue_id) && reader.Time(answer.answered_at) &&
            reader.U8(answer.result) && reader.String(answer.message) &&
            reader.U64(answer.programme_id) &&
            reader.I64(answer.face_value_cents) &&
            ReadRedemption(reader, version >= kStoredAnswerFormatV2,
                           answer.redemption);
  RETURN_IF_ERROR(FinishDecoding(ok, reader, "stored answer"));
  if (operation != static_cast<uint8_t>(OperationKind::kRedeem) &&
      operation != static_cast<uint8_t>(OperationKind::kCancel)) {
    return Corrupt("stored answer",
                   absl::StrCat("unknown operation ", operation));
  }
  answer.operation = static_cast<OperationKind>(operation);
  if (!IsKnownResult(answer.operation, answer.result)) {
    return Corrupt("stored answer",
                   absl::StrCat("unknown result ", answer.result));
  }
  return answer;
}

std::string EncodeClaimBatch(const ClaimBatch& batch) {
  ValueWriter writer;
  writer.U8(kClaimBatchFormatV2);
  writer.U64(batch.id)
      .U64(batch.venue_id)
      .U64(batch.cycle)
      .U8(static_cast<uint8_t>(batch.status))
      .Time(batch.opened_at)
      .Time(batch.closed_at)
      .U64(batch.close_seq)
      .U32(batch.line_count)
      .I64(batch.total_cents)
      .U32(static_cast<uint32_t>(batch.subtotals.size()));
  for (const ProgrammeSubtotal& subtotal : batch.subtotals) {
    writer.U64(subtotal.programme_id).U32(subtotal.lines).I64(subtotal.cents);
  }
  writer.String(batch.lines_sha256)
      .U32(batch.signing_key_version)
      .String(batch.signature)
      .String(batch.payment_reference)
      .I64(batch.amount_paid_cents)
      .Time(batch.paid_at)
      .String(batch.rejection_reason)
      .Time(batch.rejected_at)
      .String(batch.payment_file_id)
      .String(batch.end_to_end_id)
      .String(batch.paid_to_iban)
      .Time(batch.exported_at)
      .U32(batch.payment_attempts)
      .U8(batch.in_payment_file ? 1 : 0);
  return writer.Finish();
}

absl::StatusOr<ClaimBatch> DecodeClaimBatch(absl::string_view bytes) {
  ValueReader reader(bytes);
  ASSIGN_OR_RETURN(const uint8_t version,
                   ReadVersion(reader, "claim batch", kClaimBatchFormatV2));
  ClaimBatch batch;
  uint8_t status = 0;
  uint32_t subtotal_count = 0;
  bool ok = reader.U64(batch.id) && reader.U64(batch.venue_id) &&
            reader.U64(batch.cycle) && reader.U8(status) &&
            reader.Time(batch.opened_at) && reader.Time(batch.closed_at) &&
            reader.U64(batch.close_seq) && reader.U32(batch.line_count) &&
            reader.I64(batch.total_cents) && reader.U32(subtotal_count) &&
            subtotal_count <= bytes.size() / 20;  // 20 bytes each at least
  for (uint32_t i = 0; ok && i < subtotal_count; ++i) {
    ProgrammeSubtotal subtotal;
    ok = reader.U64(subtotal.programme_id) && reader.U32(subtotal.lines) &&
         reader.I64(subtotal.cents);
    batch.subtotals.push_back(subtotal);
  }
  ok = ok && reader.String(batch.lines_sha256) &&
       reader.U32(batch.signing_key_version) &&
       reader.String(batch.signature) &&
       reader.String(batch.payment_reference) &&
       reader.I64(batch.amount_paid_cents) && reader.Time(batch.paid_at) &&
       reader.String(batch.rejection_reason) && reader.Time(batch.rejected_at);
  // Version 1 predates payment files: such a batch was never exported by
  // the store.
  uint8_t in_payment_file = 0;
  if (version >= kClaimBatchFormatV2) {
    ok = ok && reader.String(batch.payment_file_id) &&
         reader.String(batch.end_to_end_id) &&
         reader.String(batch.paid_to_iban) && reader.Time(batch.exported_at) &&
         reader.U32(batch.payment_attempts) && reader.U8(in_payment_file) &&
         in_payment_file <= 1;
  }
  batch.in_payment_file = in_payment_file == 1;
  RETURN_IF_ERROR(FinishDecoding(ok, reader, "claim batch"));
  if (status < static_cast<uint8_t>(BatchStatus::kOpen) ||
      status > static_cast<uint8_t>(BatchStatus::kEmpty)) {
    return Corrupt("claim batch", absl::StrCat("unknown status ", status));
  }
  batch.status = static_cast<BatchStatus>(status);
  return batch;
}

std::string EncodeVenueChange(const VenueChange& change) {
  return Versioned()
      .Time(change.at)
      .String(change.changed_by)
      .String(change.field)
      .String(change.old_value)
      .String(change.new_value)
      .String(change.reason)
      .Finish();
}

absl::StatusOr<VenueChange> DecodeVenueChange(absl::string_view bytes) {
  ValueReader reader(bytes);
  RETURN_IF_ERROR(StartDecoding(reader, "venue change"));
  VenueChange change;
  bool ok = reader.Time(change.at) && reader.String(change.changed_by) &&
            reader.String(change.field) && reader.String(change.old_value) &&
            reader.String(change.new_value) && reader.String(change.reason);
  RETURN_IF_ERROR(FinishDecoding(ok, reader, "venue change"));
  return change;
}

std::string EncodePaymentFile(const PaymentFile& file) {
  ValueWriter writer = Versioned();
  writer.U64(file.number)
      .String(file.message_id)
      .Time(file.created_at)
      .U32(static_cast<uint32_t>(file.batch_ids.size()));
  for (uint64_t id : file.batch_ids) writer.U64(id);
  writer.I64(file.total_cents).String(file.xml);
  return writer.Finish();
}

absl::StatusOr<PaymentFile> DecodePaymentFile(absl::string_view bytes) {
  ValueReader reader(bytes);
  RETURN_IF_ERROR(StartDecoding(reader, "payment file"));
  PaymentFile file;
  uint32_t batch_count = 0;
  bool ok = reader.U64(file.number) && reader.String(file.message_id) &&
            reader.Time(file.created_at) && reader.U32(batch_count) &&
            batch_count <= bytes.size() / 8;
  for (uint32_t i = 0; ok && i < batch_count; ++i) {
    uint64_t id = 0;
    ok = reader.U64(id);
    file.batch_ids.push_back(id);
  }
  ok = ok && reader.I64(file.total_cents) && reader.String(file.xml);
  RETURN_IF_ERROR(FinishDecoding(ok, reader, "payment file"));
  return file;
}

std::string EncodeClearingCycle(const ClearingCycle& cycle) {
  return Versioned().U64(cycle.number).Time(cycle.opened_at).Finish();
}

absl::StatusOr<ClearingCycle> DecodeClearingCycle(absl::string_view bytes) {
  ValueReader reader(bytes);
  RETURN_IF_ERROR(StartDecoding(reader, "clearing cycle"));
  ClearingCycle cycle;
  bool ok = reader.U64(cycle.number) && reader.Time(cycle.opened_at);
  RETURN_IF_ERROR(FinishDecoding(ok, reader, "clearing cycle"));
  return cycle;
}

std::string EncodeSigningKey(const SigningKey& key) {
  return Versioned()
      .U32(key.version)
      .String(key.private_key)
      .String(key.public_key)
      .Time(key.created_at)
      .Finish();
}

absl::StatusOr<SigningKey> DecodeSigningKey(absl::string_view bytes) {
  ValueReader reader(bytes);
  RETURN_IF_ERROR(StartDecoding(reader, "signing key"));
  SigningKey key;
  bool ok = reader.U32(key.version) && reader.String(key.private_key) &&
            reader.String(key.public_key) && reader.Time(key.created_at);
  RETURN_IF_ERROR(FinishDecoding(ok, reader, "signing key"));
  return key;
}

std::string EncodeIssuance(const Issuance& issuance) {
  return Versioned()
      .U64(issuance.first_serial)
      .U64(issuance.count)
      .U64(issuance.programme_id)
      .U32(issuance.key_version)
      .Finish();
}

absl::StatusOr<Issuance> DecodeIssuance(absl::string_view bytes) {
  ValueReader reader(bytes);
  RETURN_IF_ERROR(StartDecoding(reader, "issuance"));
  Issuance issuance;
  bool ok = reader.U64(issuance.first_serial) && reader.U64(issuance.count) &&
            reader.U64(issuance.programme_id) &&
            reader.U32(issuance.key_version);
  RETURN_IF_ERROR(FinishDecoding(ok, reader, "issuance"));
  return issuance;
}

std::string EncodeMetaNumber(uint64_t value) {
  return Versioned().U64(value).Finish();
}

absl::StatusOr<uint64_t> DecodeMetaNumber(absl::string_view bytes) {
  ValueReader reader(bytes);
  RETURN_IF_ERROR(StartDecoding(reader, "metadata number"));
  uint64_t value = 0;
  bool ok = reader.U64(value);
  RETURN_IF_ERROR(FinishDecoding(ok, reader, "metadata number"));
  return value;
}

}  // namespace passclear::storage
