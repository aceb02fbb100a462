// Every key layout of the store.
//
// Integers are fixed-width big-endian so that keys sort numerically; a
// variable-length part is prefixed with its length (one byte, parts are at
// most 255 bytes) so that no key is a prefix of another by accident.
//
//   std::string key = ClaimKey(batch_id, seq);
//   ASSIGN_OR_RETURN(ClaimKeyParts parts, ParseClaimKey(key));
//
// Caution: these layouts are on disk; changing one breaks existing stores.
#ifndef PASSCLEAR_STORAGE_KEY_CODEC_H_
#define PASSCLEAR_STORAGE_KEY_CODEC_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace passclear::storage {

// Big-endian fixed-width integers, the building block of every key.
void AppendBigEndian64(std::string& out, uint64_t value);
[[nodiscard]] absl::StatusOr<uint64_t> ReadBigEndian64(absl::string_view bytes);

// Pass shards: serial.
std::string PassKey(uint64_t serial);
[[nodiscard]] absl::StatusOr<uint64_t> ParsePassKey(absl::string_view key);

// Programmes, booklets, venues and the journal: their 64-bit id.
std::string IdKey(uint64_t id);
[[nodiscard]] absl::StatusOr<uint64_t> ParseIdKey(absl::string_view key);

// Claims: batch id then redemption sequence number, so that one batch's
// lines are contiguous and in redemption order. Sequence numbers are taken
// when a lane decides and lanes commit independently, so a batch's lines are
// only final once it is closed (closing waits for every lane).
std::string ClaimKey(uint64_t batch_id, uint64_t seq);
struct ClaimKeyParts {
  uint64_t batch_id;
  uint64_t seq;
};
[[nodiscard]] absl::StatusOr<ClaimKeyParts> ParseClaimKey(
    absl::string_view key);

// A venue's batches: venue id then batch id.
std::string VenueBatchKey(uint64_t venue_id, uint64_t batch_id);
struct VenueBatchKeyParts {
  uint64_t venue_id;
  uint64_t batch_id;
};
[[nodiscard]] absl::StatusOr<VenueBatchKeyParts> ParseVenueBatchKey(
    absl::string_view key);

// Idempotency: terminal id then request id, each length-prefixed.
inline constexpr size_t kMaxIdLength = 64;
std::string IdempotencyKey(absl::string_view terminal_id,
                           absl::string_view request_id);
struct IdempotencyKeyParts {
  std::string terminal_id;
  std::string request_id;
};
[[nodiscard]] absl::StatusOr<IdempotencyKeyParts> ParseIdempotencyKey(
    absl::string_view key);

// Metadata keys in the default family.
inline constexpr char kMetaFormatVersion[] = "format_version";
inline constexpr char kMetaShardCount[] = "shard_count";
inline constexpr char kMetaNextProgrammeId[] = "next_programme_id";
inline constexpr char kMetaNextBookletId[] = "next_booklet_id";
inline constexpr char kMetaNextVenueId[] = "next_venue_id";
inline constexpr char kMetaNextSerial[] = "next_serial";
inline constexpr char kMetaClearingCycle[] = "clearing_cycle";
// Followed by a venue id and a change number (IdKey each): VenueChange.
inline constexpr char kMetaVenueChangePrefix[] = "venue_change/";
inline constexpr char kMetaStoreId[] = "store_id";
inline constexpr char kMetaNextPaymentFile[] = "next_payment_file";
// Followed by a payment file's message id: the PaymentFile.
inline constexpr char kMetaPaymentFilePrefix[] = "payment_file/";
// Followed by a programme id (IdKey): its history is being or was purged.
inline constexpr char kMetaPurgedProgrammePrefix[] = "purged_programme/";

}  // namespace passclear::storage

#endif  // PASSCLEAR_STORAGE_KEY_CODEC_H_
