// The value codecs: every record survives a round trip, every value carries
// the format version, and a damaged value is a DataLoss error, never a crash
// or a guess.
#include "storage/record_codec.h"

#include <cstdint>
#include <functional>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "storage/column_families.h"
#include "storage/key_codec.h"
#include "storage/records.h"
#include "storage/redemption.h"
#include "storage/usage_counters.h"
#include "storage/value_encoding.h"
#include "tests/unit/storage/temp_store.h"

namespace passclear::storage {
namespace {

// Times are stored to the microsecond: these have microseconds but no finer.
const absl::Time kScannedAt =
    Utc(2023, 11, 2, 10, 31, 12) + absl::Microseconds(5);
const absl::Time kRecordedAt =
    Utc(2023, 11, 2, 10, 31, 13) + absl::Microseconds(987654);

Programme SampleProgramme() {
  return {.id = 3,
          .sponsor = "Communaute de communes du Val",
          .name = "Pass Numerique 2022, prolonge",
          .face_value_cents = 1000,
          .valid_from = Utc(2022, 1, 1),
          .valid_until = Utc(2023, 12, 31, 23, 59, 59),
          .grace_period = absl::Hours(24 * 31),
          .amendments = {{.reference = "Avenant n°1",
                          .recorded_at = Utc(2022, 11, 15),
                          .previous_valid_until = Utc(2022, 12, 31, 23, 59, 59),
                          .valid_until = Utc(2023, 12, 31, 23, 59, 59)}},
          .closed_at = Utc(2024, 3, 31)};
}

Booklet SampleBooklet() {
  return {.id = 123,
          .programme_id = 3,
          .first_serial = 1221,
          .size = 10,
          .distributor = Distributor{.name = "Mairie de Saint-Martin",
                                     .reference = "79001",
                                     .allocated_at = Utc(2022, 2, 1)}};
}

Venue SampleVenue() {
  return {.id = 7,
          .name = "Mediatheque de Saint-Test",
          .status = VenueStatus::kSuspended,
          .accepted_programme_ids = {3, 1, 42},
          .address = "2 rue des Ecoles, 79000 Niort",
          .siret = "73282932000074",
          .iban = "FR7630006000011234567890189",
          .bic = "AGRIFRPP"};
}

RedemptionInfo SampleRedemption() {
  return {.seq = 99,
          .batch_id = 12,
          .venue_id = 7,
          .terminal_id = "T-1",
          .scanned_at = kScannedAt,
          .recorded_at = kRecordedAt};
}

ClaimBatch SampleBatch() {
  return {.id = 12,
          .venue_id = 7,
          .cycle = 3,
          .status = BatchStatus::kPaid,
          .opened_at = kScannedAt,
          .closed_at = kRecordedAt,
          .close_seq = 9,
          .line_count = 2,
          .total_cents = 1500,
          .subtotals = {{.programme_id = 1, .lines = 1, .cents = 1000},
                        {.programme_id = 3, .lines = 1, .cents = 500}},
          .lines_sha256 = std::string(32, 'h'),
          .signing_key_version = 1,
          .signature = std::string(64, 's'),
          .payment_reference = "VIR-2026-11-0042",
          .amount_paid_cents = 1500,
          .paid_at = kRecordedAt + absl::Hours(48),
          .payment_file_id = "PC-0A1B2C3D-7-T4XZ2P",
          .end_to_end_id = "B12-2",
          .paid_to_iban = "FR7630006000011234567890189",
          .exported_at = kRecordedAt + absl::Hours(24),
          .payment_attempts = 2};
}

PaymentFile SamplePaymentFile() {
  return {.number = 7,
          .message_id = "PC-0A1B2C3D-7-T4XZ2P",
          .created_at = kRecordedAt,
          .batch_ids = {12, 13},
          .total_cents = 2500,
          .xml = "<Document/>"};
}

VenueChange SampleVenueChange() {
  return {.at = kRecordedAt,
          .changed_by = "admin",
          .field = "iban",
          .old_value = "FR7630006000011234567890189",
          .new_value = "FR7630001007941234567890185",
          .reason = "new account"};
}

PassRecord IssuedPass() { return {.programme_id = 3, .booklet_id = 123}; }

PassRecord RedeemedPass() {
  return {.programme_id = 3,
          .booklet_id = 123,
          .state = PassState::kRedeemed,
          .redemption = SampleRedemption()};
}

ClaimLine SampleClaimLine() {
  return {.serial = 1225,
          .programme_id = 3,
          .face_value_cents = 1000,
          .terminal_id = "T-1",
          .scanned_at = kScannedAt,
          .recorded_at = kRecordedAt};
}

JournalEntry SampleJournalEntry() {
  return {.kind = JournalKind::kCancelled,
          .serial = 1225,
          .venue_id = 7,
          .terminal_id = "T-1",
          .request_id = "9f1c-2",
          .at = kRecordedAt + absl::Minutes(3),
          .redemption_seq = 99,
          .reason = "booklet reported stolen"};
}

StoredAnswer RedeemAnswer() {
  return {.operation = OperationKind::kRedeem,
          .serial = 1225,
          .venue_id = 7,
          .answered_at = kRecordedAt,
          .result = static_cast<uint8_t>(RedeemResult::kRedeemed),
          .message = "pass 000000001225 redeemed for 10.00 EUR",
          .programme_id = 3,
          .face_value_cents = 1000,
          .redemption = SampleRedemption()};
}

StoredAnswer CancelAnswer() {
  return {.operation = OperationKind::kCancel,
          .serial = 1225,
          .venue_id = 7,
          .answered_at = kRecordedAt + absl::Minutes(3),
          .result = static_cast<uint8_t>(CancelResult::kNotRedeemed),
          .message = "pass 000000001225 is not redeemed"};
}

// One record type's codec, type-erased so that the damage tests can run over
// every encoding.
struct Codec {
  std::string name;
  std::string encoded;
  // The status of decoding some bytes as this record type.
  std::function<absl::Status(const std::string&)> decode;
};

template <typename Record>
std::function<absl::Status(const std::string&)> StatusOf(
    absl::StatusOr<Record> (*decode)(absl::string_view)) {
  return [decode](const std::string& bytes) { return decode(bytes).status(); };
}

std::vector<Codec> EveryEncoding() {
  return {
      {"programme", EncodeProgramme(SampleProgramme()),
       StatusOf(&DecodeProgramme)},
      {"booklet", EncodeBooklet(SampleBooklet()), StatusOf(&DecodeBooklet)},
      {"venue", EncodeVenue(SampleVenue()), StatusOf(&DecodeVenue)},
      {"venue without programmes",
       EncodeVenue({.id = 1, .name = "V", .accepted_programme_ids = {}}),
       StatusOf(&DecodeVenue)},
      {"issued pass", EncodePass(IssuedPass()), StatusOf(&DecodePass)},
      {"redeemed pass", EncodePass(RedeemedPass()), StatusOf(&DecodePass)},
      {"claim line", EncodeClaimLine(SampleClaimLine()),
       StatusOf(&DecodeClaimLine)},
      {"journal entry", EncodeJournalEntry(SampleJournalEntry()),
       StatusOf(&DecodeJournalEntry)},
      {"redeem answer", EncodeStoredAnswer(RedeemAnswer()),
       StatusOf(&DecodeStoredAnswer)},
      {"cancel answer", EncodeStoredAnswer(CancelAnswer()),
       StatusOf(&DecodeStoredAnswer)},
      {"meta number", EncodeMetaNumber(1230), StatusOf(&DecodeMetaNumber)},
      {"claim batch", EncodeClaimBatch(SampleBatch()),
       StatusOf(&DecodeClaimBatch)},
      {"payment file", EncodePaymentFile(SamplePaymentFile()),
       StatusOf(&DecodePaymentFile)},
      {"venue change", EncodeVenueChange(SampleVenueChange()),
       StatusOf(&DecodeVenueChange)},
      {"clearing cycle",
       EncodeClearingCycle({.number = 3, .opened_at = kScannedAt}),
       StatusOf(&DecodeClearingCycle)},
      {"signing key",
       EncodeSigningKey({.version = 2,
                         .private_key = std::string(32, 'k'),
                         .public_key = std::string(32, 'p'),
                         .created_at = kRecordedAt}),
       StatusOf(&DecodeSigningKey)},
  };
}

// The offset of the single byte where two encodings differ.
size_t DifferingByte(const std::string& a, const std::string& b) {
  EXPECT_EQ(a.size(), b.size());
  size_t offset = std::string::npos;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (a[i] == b[i]) continue;
    EXPECT_EQ(offset, std::string::npos) << "more than one byte differs";
    offset = i;
  }
  EXPECT_NE(offset, std::string::npos);
  return offset;
}

std::string WithByte(std::string bytes, size_t offset, int value) {
  bytes[offset] = static_cast<char>(value);
  return bytes;
}

TEST(RecordCodecTest, ProgrammeRoundTrip) {
  absl::StatusOr<Programme> decoded =
      DecodeProgramme(EncodeProgramme(SampleProgramme()));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, SampleProgramme());
}

TEST(RecordCodecTest, ProgrammeWithoutGraceAndNegativeFaceValueRoundTrip) {
  // The codec keeps what it is given; validation is the admin call's job.
  Programme programme = SampleProgramme();
  programme.grace_period = absl::ZeroDuration();
  programme.face_value_cents = -5;
  programme.valid_from = absl::FromUnixMicros(-1);  // before 1970
  programme.sponsor = "";
  absl::StatusOr<Programme> decoded =
      DecodeProgramme(EncodeProgramme(programme));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, programme);
}

TEST(RecordCodecTest, BookletRoundTrip) {
  absl::StatusOr<Booklet> decoded =
      DecodeBooklet(EncodeBooklet(SampleBooklet()));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, SampleBooklet());
}

TEST(RecordCodecTest, VenueRoundTripKeepsProgrammeOrder) {
  for (const Venue& venue :
       {SampleVenue(),
        Venue{.id = 1, .name = "Cyber-base", .accepted_programme_ids = {}},
        Venue{.id = std::numeric_limits<uint64_t>::max(),
        .name = std::string(200, 'n'),
        .status = VenueStatus::kLabelled,
        .accepted_programme_ids = std::vector<uint64_t>(1000, 9)}}) {
    absl::StatusOr<Venue> decoded = DecodeVenue(EncodeVenue(venue));
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, venue);
  }
}

TEST(RecordCodecTest, PassRoundTripWithAndWithoutRedemption) {
  for (const PassRecord& pass : {IssuedPass(), RedeemedPass()}) {
    absl::StatusOr<PassRecord> decoded = DecodePass(EncodePass(pass));
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, pass);
  }
}

TEST(RecordCodecTest, ClaimBatchRoundTrip) {
  absl::StatusOr<ClaimBatch> decoded =
      DecodeClaimBatch(EncodeClaimBatch(SampleBatch()));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_TRUE(*decoded == SampleBatch());
}

TEST(RecordCodecTest, PaymentFileAndVenueChangeRoundTrip) {
  absl::StatusOr<PaymentFile> file =
      DecodePaymentFile(EncodePaymentFile(SamplePaymentFile()));
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_TRUE(*file == SamplePaymentFile());
  absl::StatusOr<VenueChange> change =
      DecodeVenueChange(EncodeVenueChange(SampleVenueChange()));
  ASSERT_TRUE(change.ok()) << change.status();
  EXPECT_TRUE(*change == SampleVenueChange());
}

TEST(RecordCodecTest, ClaimBatchOfVersionOneWasNeverInAPaymentFile) {
  // A version 1 batch is a version 2 one without the payment file fields.
  ClaimBatch old = SampleBatch();
  old.payment_file_id.clear();
  old.end_to_end_id.clear();
  old.paid_to_iban.clear();
  old.exported_at = absl::UnixEpoch();
  old.payment_attempts = 0;
  std::string bytes = EncodeClaimBatch(old);
  bytes.resize(bytes.size() - (4 * 3 + 8 + 4 + 1));
  bytes[0] = '\x01';
  absl::StatusOr<ClaimBatch> decoded = DecodeClaimBatch(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_TRUE(*decoded == old);
  EXPECT_FALSE(decoded->in_payment_file);
}

TEST(RecordCodecTest, ClaimLineRoundTrip) {
  absl::StatusOr<ClaimLine> decoded =
      DecodeClaimLine(EncodeClaimLine(SampleClaimLine()));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, SampleClaimLine());
}

TEST(RecordCodecTest, VenueOfVersionOneDecodesWithoutPaymentDetails) {
  const std::string v1 =
      ValueWriter().U8(1).U64(7).String("V").U8(1).U32(1).U64(5).Finish();
  absl::StatusOr<Venue> decoded = DecodeVenue(v1);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->accepted_programme_ids, std::vector<uint64_t>{5});
  EXPECT_EQ(decoded->iban, "");
}

TEST(RecordCodecTest, BookletOfVersionOneDecodesInTheReserve) {
  const std::string v1 =
      ValueWriter().U8(1).U64(123).U64(3).U64(1221).U32(10).Finish();
  absl::StatusOr<Booklet> decoded = DecodeBooklet(v1);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->first_serial, 1221u);
  EXPECT_FALSE(decoded->distributor.has_value());
}

TEST(RecordCodecTest, ProgrammeOfVersionOneDecodesWithoutAmendments) {
  // A version 1 programme, as written before amendments existed.
  const std::string v1 = ValueWriter()
                             .U8(1)
                             .U64(3)
                             .String("CC du Val")
                             .String("PN 2022")
                             .I64(1000)
                             .Time(absl::FromUnixSeconds(1640995200))
                             .Time(absl::FromUnixSeconds(1672531199))
                             .I64(31 * 86400)
                             .Finish();
  absl::StatusOr<Programme> decoded = DecodeProgramme(v1);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->id, 3u);
  EXPECT_EQ(decoded->grace_period, absl::Hours(24 * 31));
  EXPECT_TRUE(decoded->amendments.empty());
  EXPECT_FALSE(decoded->closed_at.has_value());
}

TEST(RecordCodecTest, JournalEntryOfVersionOneDecodesWithoutReason) {
  // A version 1 entry, as written before voiding existed: no reason.
  const std::string v1 = ValueWriter()
                             .U8(1)
                             .U8(static_cast<uint8_t>(JournalKind::kRedeemed))
                             .U64(42)
                             .U64(7)
                             .String("T-1")
                             .String("r-1")
                             .Time(absl::FromUnixSeconds(1700000000))
                             .U64(5)
                             .Finish();
  absl::StatusOr<JournalEntry> decoded = DecodeJournalEntry(v1);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->serial, 42u);
  EXPECT_EQ(decoded->request_id, "r-1");
  EXPECT_EQ(decoded->redemption_seq, 5u);
  EXPECT_EQ(decoded->reason, "");
}

TEST(RecordCodecTest, JournalEntryRoundTripForBothKinds) {
  JournalEntry redeemed = SampleJournalEntry();
  redeemed.kind = JournalKind::kRedeemed;
  for (const JournalEntry& entry : {SampleJournalEntry(), redeemed}) {
    absl::StatusOr<JournalEntry> decoded =
        DecodeJournalEntry(EncodeJournalEntry(entry));
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, entry);
  }
}

TEST(RecordCodecTest, StoredAnswerRoundTripForBothOperations) {
  for (const StoredAnswer& answer : {RedeemAnswer(), CancelAnswer()}) {
    absl::StatusOr<StoredAnswer> decoded =
        DecodeStoredAnswer(EncodeStoredAnswer(answer));
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, answer);
  }
}

TEST(RecordCodecTest, MetaNumberRoundTrip) {
  for (uint64_t value : {uint64_t{0}, uint64_t{1}, uint64_t{1230},
                         std::numeric_limits<uint64_t>::max()}) {
    absl::StatusOr<uint64_t> decoded =
        DecodeMetaNumber(EncodeMetaNumber(value));
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, value);
  }
}

// The version each record is written in.
char WrittenVersion(absl::string_view record) {
  if (record == "programme" || record == "programmes") return '\x04';
  if (absl::StartsWith(record, "venue") && record != "venue_batches" &&
      record != "venue change") {
    return '\x03';
  }
  const bool version_two =
      record == "journal entry" || record == "journal" || record == "booklet" ||
      record == "booklets" || absl::EndsWith(record, " pass") ||
      absl::StartsWith(record, "passes_") ||
      absl::EndsWith(record, " answer") || record == "idempotency" ||
      record == "claim batch" || record == "batches";
  return version_two ? '\x02' : '\x01';
}

TEST(RecordCodecTest, EveryValueStartsWithItsVersion) {
  ASSERT_EQ(kRecordFormatV1, 1);
  ASSERT_EQ(kJournalFormatV2, 2);
  for (const Codec& codec : EveryEncoding()) {
    ASSERT_FALSE(codec.encoded.empty()) << codec.name;
    EXPECT_EQ(codec.encoded[0], WrittenVersion(codec.name)) << codec.name;
    EXPECT_TRUE(codec.decode(codec.encoded).ok()) << codec.name;
  }
}

TEST(RecordCodecTest, UnknownVersionIsDataLoss) {
  for (const Codec& codec : EveryEncoding()) {
    // Each record decodes every version up to the one it writes.
    const int next = WrittenVersion(codec.name) + 1;
    for (int version : {0, next, 255}) {
      absl::Status status = codec.decode(WithByte(codec.encoded, 0, version));
      EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss)
          << codec.name << " version " << version << ": " << status;
      EXPECT_NE(status.message().find("version"), absl::string_view::npos)
          << status;
    }
  }
}

TEST(RecordCodecTest, EveryTruncationIsDataLoss) {
  for (const Codec& codec : EveryEncoding()) {
    for (size_t size = 0; size < codec.encoded.size(); ++size) {
      absl::Status status = codec.decode(codec.encoded.substr(0, size));
      EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss)
          << codec.name << " cut to " << size << " of " << codec.encoded.size()
          << " bytes: " << status;
    }
  }
}

TEST(RecordCodecTest, TrailingBytesAreDataLoss) {
  for (const Codec& codec : EveryEncoding()) {
    for (const std::string& extra :
         {std::string(1, '\0'), std::string("\x01"), std::string(8, 'x')}) {
      absl::Status status = codec.decode(codec.encoded + extra);
      EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss)
          << codec.name << " + " << extra.size() << " bytes: " << status;
    }
  }
}

TEST(RecordCodecTest, UnknownVenueStatusIsDataLoss) {
  Venue suspended = SampleVenue();
  Venue labelled = SampleVenue();
  labelled.status = VenueStatus::kLabelled;
  const std::string bytes = EncodeVenue(labelled);
  const size_t offset = DifferingByte(bytes, EncodeVenue(suspended));
  for (int value = 0; value < 256; ++value) {
    absl::StatusOr<Venue> decoded = DecodeVenue(WithByte(bytes, offset, value));
    if (value == 1 || value == 2 || value == 3) {
      EXPECT_TRUE(decoded.ok()) << value << ": " << decoded.status();
    } else {
      EXPECT_EQ(decoded.status().code(), absl::StatusCode::kDataLoss) << value;
    }
  }
}

TEST(RecordCodecTest, UnknownPassStateIsDataLoss) {
  PassRecord redeemed_without_info = IssuedPass();
  redeemed_without_info.state = PassState::kRedeemed;
  const std::string issued = EncodePass(IssuedPass());
  const size_t offset =
      DifferingByte(issued, EncodePass(redeemed_without_info));
  for (int value = 0; value < 256; ++value) {
    absl::StatusOr<PassRecord> decoded =
        DecodePass(WithByte(issued, offset, value));
    if (value == static_cast<int>(PassState::kIssued) ||
        value == static_cast<int>(PassState::kVoided)) {
      EXPECT_TRUE(decoded.ok()) << decoded.status();
    } else {
      // Unknown, or REDEEMED without the redemption it needs.
      EXPECT_EQ(decoded.status().code(), absl::StatusCode::kDataLoss) << value;
    }
  }
  // A redeemed pass's state byte sits at the same offset.
  const std::string redeemed = EncodePass(RedeemedPass());
  for (int value = 0; value < 256; ++value) {
    absl::StatusOr<PassRecord> decoded =
        DecodePass(WithByte(redeemed, offset, value));
    if (value == static_cast<int>(PassState::kRedeemed)) {
      EXPECT_TRUE(decoded.ok()) << decoded.status();
    } else {
      // Unknown, or ISSUED with a redemption attached.
      EXPECT_EQ(decoded.status().code(), absl::StatusCode::kDataLoss) << value;
    }
  }
}

TEST(RecordCodecTest, RedemptionPresenceFlagOtherThanZeroOrOneIsDataLoss) {
  // An issued pass ends with its "no redemption" flag.
  const std::string issued = EncodePass(IssuedPass());
  for (int value = 1; value < 256; ++value) {
    EXPECT_EQ(
        DecodePass(WithByte(issued, issued.size() - 1, value)).status().code(),
        absl::StatusCode::kDataLoss)
        << value;
  }
  // A cancel answer without redemption ends the same way.
  const std::string answer = EncodeStoredAnswer(CancelAnswer());
  for (int value = 1; value < 256; ++value) {
    EXPECT_EQ(DecodeStoredAnswer(WithByte(answer, answer.size() - 1, value))
                  .status()
                  .code(),
              absl::StatusCode::kDataLoss)
        << value;
  }
}

TEST(RecordCodecTest, UnknownJournalKindIsDataLoss) {
  JournalEntry redeemed = SampleJournalEntry();
  redeemed.kind = JournalKind::kRedeemed;
  const std::string bytes = EncodeJournalEntry(SampleJournalEntry());
  const size_t offset = DifferingByte(bytes, EncodeJournalEntry(redeemed));
  for (int value = 0; value < 256; ++value) {
    absl::StatusOr<JournalEntry> decoded =
        DecodeJournalEntry(WithByte(bytes, offset, value));
    if (value == 1 || value == 2 || value == 3) {
      EXPECT_TRUE(decoded.ok()) << value << ": " << decoded.status();
    } else {
      EXPECT_EQ(decoded.status().code(), absl::StatusCode::kDataLoss) << value;
    }
  }
}

TEST(RecordCodecTest, UnknownStoredAnswerOperationIsDataLoss) {
  StoredAnswer as_cancel = RedeemAnswer();
  as_cancel.operation = OperationKind::kCancel;
  const std::string bytes = EncodeStoredAnswer(RedeemAnswer());
  const size_t offset = DifferingByte(bytes, EncodeStoredAnswer(as_cancel));
  for (int value = 0; value < 256; ++value) {
    absl::StatusOr<StoredAnswer> decoded =
        DecodeStoredAnswer(WithByte(bytes, offset, value));
    if (value == 1 || value == 2) {
      EXPECT_TRUE(decoded.ok()) << value << ": " << decoded.status();
    } else {
      EXPECT_EQ(decoded.status().code(), absl::StatusCode::kDataLoss) << value;
    }
  }
}

// A stored answer's result is a persisted enum (a RedeemResult or a
// CancelResult, by operation): the header promises every enum value is
// checked, and a replay hands the value straight back to a terminal.
TEST(RecordCodecTest, UnknownStoredAnswerResultIsDataLoss) {
  const std::set<int> redeem_results = {1, 2, 3, 5, 6, 7, 8, 10, 11, 13};
  const std::set<int> cancel_results = {1, 2, 3, 4, 5, 6};
  for (const auto& [answer, valid] :
       {std::pair{RedeemAnswer(), redeem_results},
        std::pair{CancelAnswer(), cancel_results}}) {
    StoredAnswer other = answer;
    other.result = answer.result == 1 ? 2 : 1;
    const std::string bytes = EncodeStoredAnswer(answer);
    const size_t offset = DifferingByte(bytes, EncodeStoredAnswer(other));
    std::vector<int> accepted_unknown;
    for (int value = 0; value < 256; ++value) {
      absl::StatusOr<StoredAnswer> decoded =
          DecodeStoredAnswer(WithByte(bytes, offset, value));
      if (valid.contains(value)) {
        EXPECT_TRUE(decoded.ok()) << value << ": " << decoded.status();
      } else if (decoded.status().code() != absl::StatusCode::kDataLoss) {
        accepted_unknown.push_back(value);
      }
    }
    EXPECT_TRUE(accepted_unknown.empty())
        << "operation " << static_cast<int>(answer.operation) << ": "
        << accepted_unknown.size()
        << " unknown result values decode without error, such as "
        << accepted_unknown.front() << " and " << accepted_unknown.back();
  }
}

TEST(RecordCodecTest, StringLengthBeyondTheValueIsDataLoss) {
  // A claim line's terminal id announces 4 GiB but holds 3 bytes.
  std::string bytes = EncodeClaimLine(SampleClaimLine());
  const size_t length_offset = 1 + 8 + 8 + 8;
  ASSERT_EQ(bytes.substr(length_offset + 4, 3), "T-1");
  for (int i = 0; i < 4; ++i) bytes[length_offset + i] = '\xff';
  EXPECT_EQ(DecodeClaimLine(bytes).status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(RecordCodecTest, VenueWithHugeProgrammeCountIsRefusedWithoutAllocating) {
  // A venue "with" 4 billion programmes, then 8 KiB of ids: decoding must
  // see the count cannot fit before reserving room for it.
  const Venue venue{.id = 7, .name = "V", .accepted_programme_ids = {5}};
  std::string bytes = EncodeVenue(venue);
  const size_t count_offset = 1 + 8 + 4 + venue.name.size() + 1;
  // The count, one id, four empty strings (address, SIRET, IBAN, BIC) and
  // no territory.
  ASSERT_EQ(bytes.size(), count_offset + 4 + 8 + 4 * 4 + 4);
  for (uint32_t count :
       {std::numeric_limits<uint32_t>::max(), uint32_t{1} << 29, uint32_t{2}}) {
    std::string damaged = bytes;
    for (int i = 0; i < 4; ++i) {
      damaged[count_offset + i] = static_cast<char>((count >> (8 * i)) & 0xff);
    }
    const absl::Time start = absl::Now();
    absl::StatusOr<Venue> decoded = DecodeVenue(damaged);
    EXPECT_EQ(decoded.status().code(), absl::StatusCode::kDataLoss) << count;
    damaged.append(8192, '\0');
    decoded = DecodeVenue(damaged);
    EXPECT_EQ(decoded.status().code(), absl::StatusCode::kDataLoss) << count;
    EXPECT_LT(absl::Now() - start, absl::Seconds(1)) << count;
  }
}

// The same promise seen from a real store: after programmes, booklets,
// venues, redemptions, refusals and a cancellation, every value of every
// column family starts with the version byte and decodes.
class StoredValuesTest : public TempStoreTest {};

TEST_F(StoredValuesTest, EveryValueInAStoreStartsWithItsVersion) {
  ASSERT_OK_AND_ASSIGN(Programme programme, CreateProgramme());
  ASSERT_OK_AND_ASSIGN(std::vector<Booklet> booklets,
                       store().IssueBooklets(programme.id, 2, 5));
  ASSERT_OK_AND_ASSIGN(Venue venue,
                       RegisterVenue("Cyber-base", {programme.id}));
  const uint64_t serial = booklets[0].first_serial;
  ASSERT_OK_AND_ASSIGN(RedeemOutcome redeemed, Redeem({.serial = serial,
                                                       .venue_id = venue.id,
                                                       .terminal_id = "T-1",
                                                       .request_id = "r-1"}));
  ASSERT_EQ(redeemed.result, RedeemResult::kRedeemed);
  ASSERT_OK_AND_ASSIGN(RedeemOutcome refused, Redeem({.serial = 999,
                                                      .venue_id = venue.id,
                                                      .terminal_id = "T-1",
                                                      .request_id = "r-2"}));
  ASSERT_EQ(refused.result, RedeemResult::kUnknownSerial);
  ASSERT_OK_AND_ASSIGN(RedeemOutcome other, Redeem({.serial = serial + 1,
                                                    .venue_id = venue.id,
                                                    .terminal_id = "T-1",
                                                    .request_id = "r-3"}));
  ASSERT_EQ(other.result, RedeemResult::kRedeemed);
  ASSERT_OK_AND_ASSIGN(CancelOutcome cancelled, Cancel({.serial = serial + 1,
                                                        .venue_id = venue.id,
                                                        .terminal_id = "T-1",
                                                        .request_id = "r-4"}));
  ASSERT_EQ(cancelled.result, CancelResult::kCancelled);
  ASSERT_OK(store().CloseCycle().status());

  const Database& database = store().database();
  std::vector<std::pair<std::string, rocksdb::ColumnFamilyHandle*>> families;
  for (int i = 0; i < kFixedFamilyCount; ++i) {
    families.emplace_back(std::string(kFixedFamilyNames[i]),
                          database.Family(static_cast<FixedFamily>(i)));
  }
  for (uint32_t shard = 0; shard < database.shard_count(); ++shard) {
    families.emplace_back(PassShardFamilyName(shard),
                          database.PassShard(shard));
  }
  size_t values = 0;
  for (const auto& [name, family] : families) {
    std::unique_ptr<rocksdb::Iterator> it(
        database.db()->NewIterator(rocksdb::ReadOptions(), family));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ++values;
      const std::string value = it->value().ToString();
      if (name == "open_batches" || name == "venue_batches") {
        EXPECT_TRUE(value.empty()) << name << ": a key-only index";
        continue;
      }
      ASSERT_FALSE(value.empty()) << name;
      EXPECT_EQ(value[0], WrittenVersion(name))
          << name << " key " << it->key().ToString(true);
      absl::Status decoded;
      if (name == "default" && it->key() == kMetaClearingCycle) {
        decoded = DecodeClearingCycle(value).status();
      } else if (name == "default" &&
                 it->key().starts_with(kMetaPaymentFilePrefix)) {
        decoded = DecodePaymentFile(value).status();
      } else if (name == "default" &&
                 it->key().starts_with(kMetaVenueChangePrefix)) {
        decoded = DecodeVenueChange(value).status();
      } else if (name == "default" || name == "batch_log") {
        decoded = DecodeMetaNumber(value).status();
      } else if (name == "batches") {
        decoded = DecodeClaimBatch(value).status();
      } else if (name == "signing_keys") {
        decoded = DecodeSigningKey(value).status();
      } else if (name == "programmes") {
        decoded = DecodeProgramme(value).status();
      } else if (name == "booklets") {
        decoded = DecodeBooklet(value).status();
      } else if (name == "venues") {
        decoded = DecodeVenue(value).status();
      } else if (name == "issuances") {
        decoded = DecodeIssuance(value).status();
      } else if (name == "claims") {
        decoded = DecodeClaimLine(value).status();
      } else if (name == "journal") {
        decoded = DecodeJournalEntry(value).status();
      } else if (name == "idempotency") {
        decoded = DecodeStoredAnswer(value).status();
      } else if (name == "usage") {
        decoded = ReadProgrammeCounters(database, programme.id).status();
      } else {
        decoded = DecodePass(value).status();
      }
      EXPECT_TRUE(decoded.ok()) << name << ": " << decoded;
    }
    ASSERT_TRUE(it->status().ok()) << it->status().ToString();
  }
  // 2 (format, shards) + 4 counters + the clearing cycle + the store id in
  // meta,
  // 1 programme, 2 booklets, 1 venue, 1 claim line, 3 journal entries,
  // 4 answers, 10 passes, 1 issuance, 4 usage counters (issued, redeemed,
  // cancelled, claimed), 1 closed batch with its venue index entry and log
  // entry, and 1 signing key.
  EXPECT_EQ(values, 8u + 1 + 2 + 1 + 1 + 3 + 4 + 10 + 1 + 4 + 3 + 1);
}

}  // namespace
}  // namespace passclear::storage
