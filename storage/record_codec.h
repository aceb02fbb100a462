// The byte layout of every stored value.
//
// Every value starts with a format version byte: kRecordFormatV1, or the
// later version a record moved to (the constants below say which).
// Decoding checks the version, every enum value and the exact length: a
// corrupt or truncated value is a DataLoss error, never a crash or a guess.
//
//   std::string bytes = EncodePass(pass);
//   ASSIGN_OR_RETURN(PassRecord decoded, DecodePass(bytes));
//
// Caution: these layouts are on disk. To change one, add a new version byte
// and keep decoding the old one.
#ifndef PASSCLEAR_STORAGE_RECORD_CODEC_H_
#define PASSCLEAR_STORAGE_RECORD_CODEC_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage/records.h"

namespace passclear::storage {

inline constexpr uint8_t kRecordFormatV1 = 1;
// Journal entries are written in version 2 (version 1 plus a reason);
// version 1 entries still decode, with an empty reason.
inline constexpr uint8_t kJournalFormatV2 = 2;
// Programmes too (version 1 plus amendments and closing).
inline constexpr uint8_t kProgrammeFormatV2 = 2;
// And booklets (version 1 plus the distributor).
// Programme version 2 also holds the programme's code keys.
inline constexpr uint8_t kBookletFormatV2 = 2;
// And venues (version 1 plus address and payment details).
inline constexpr uint8_t kVenueFormatV2 = 2;
// Passes and stored answers in version 2 give their redemption's batch.
inline constexpr uint8_t kPassFormatV2 = 2;
inline constexpr uint8_t kStoredAnswerFormatV2 = 2;
// Programmes and venues in version 3 append their territories.
inline constexpr uint8_t kProgrammeFormatV3 = 3;
inline constexpr uint8_t kVenueFormatV3 = 3;
// Programmes in version 4 append their distribution stop.
inline constexpr uint8_t kProgrammeFormatV4 = 4;
// Claim batches in version 2 append their latest payment file.
inline constexpr uint8_t kClaimBatchFormatV2 = 2;

std::string EncodeProgramme(const Programme& programme);
[[nodiscard]] absl::StatusOr<Programme> DecodeProgramme(
    absl::string_view bytes);

std::string EncodeBooklet(const Booklet& booklet);
[[nodiscard]] absl::StatusOr<Booklet> DecodeBooklet(absl::string_view bytes);

std::string EncodeVenue(const Venue& venue);
[[nodiscard]] absl::StatusOr<Venue> DecodeVenue(absl::string_view bytes);

std::string EncodePass(const PassRecord& pass);
[[nodiscard]] absl::StatusOr<PassRecord> DecodePass(absl::string_view bytes);

std::string EncodeClaimLine(const ClaimLine& line);
[[nodiscard]] absl::StatusOr<ClaimLine> DecodeClaimLine(
    absl::string_view bytes);

std::string EncodeJournalEntry(const JournalEntry& entry);
[[nodiscard]] absl::StatusOr<JournalEntry> DecodeJournalEntry(
    absl::string_view bytes);

std::string EncodeStoredAnswer(const StoredAnswer& answer);
[[nodiscard]] absl::StatusOr<StoredAnswer> DecodeStoredAnswer(
    absl::string_view bytes);

std::string EncodeVenueChange(const VenueChange& change);
[[nodiscard]] absl::StatusOr<VenueChange> DecodeVenueChange(
    absl::string_view bytes);

std::string EncodePaymentFile(const PaymentFile& file);
[[nodiscard]] absl::StatusOr<PaymentFile> DecodePaymentFile(
    absl::string_view bytes);

std::string EncodeClaimBatch(const ClaimBatch& batch);
[[nodiscard]] absl::StatusOr<ClaimBatch> DecodeClaimBatch(
    absl::string_view bytes);

std::string EncodeClearingCycle(const ClearingCycle& cycle);
[[nodiscard]] absl::StatusOr<ClearingCycle> DecodeClearingCycle(
    absl::string_view bytes);

std::string EncodeSigningKey(const SigningKey& key);
[[nodiscard]] absl::StatusOr<SigningKey> DecodeSigningKey(
    absl::string_view bytes);

std::string EncodeIssuance(const Issuance& issuance);
[[nodiscard]] absl::StatusOr<Issuance> DecodeIssuance(absl::string_view bytes);

// Metadata counters and settings in the default family, and the batch ids
// of the batch log.
std::string EncodeMetaNumber(uint64_t value);
[[nodiscard]] absl::StatusOr<uint64_t> DecodeMetaNumber(
    absl::string_view bytes);

}  // namespace passclear::storage

#endif  // PASSCLEAR_STORAGE_RECORD_CODEC_H_
