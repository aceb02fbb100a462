#include "server/request_validation.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "storage/key_codec.h"

namespace passclear {
namespace {

// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, the range protobuf's
// Timestamp documents.
constexpr int64_t kMinTimestampSeconds = -62135596800;
constexpr int64_t kMaxTimestampSeconds = 253402300799;

absl::Status Invalid(absl::string_view field, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", problem));
}

}  // namespace

absl::Status CheckIdentifier(absl::string_view field, absl::string_view value) {
  if (value.empty()) return Invalid(field, "required");
  if (value.size() > storage::kMaxIdLength) {
    return Invalid(field, absl::StrCat("at most ", storage::kMaxIdLength,
                                       " characters, got ", value.size()));
  }
  for (char c : value) {
    if (c <= ' ' || c > '~') {
      return Invalid(field,
                     "only printable ASCII characters without spaces allowed");
    }
  }
  return absl::OkStatus();
}

absl::Status CheckVenueId(absl::string_view field, uint64_t venue_id) {
  if (venue_id == 0) return Invalid(field, "required");
  return absl::OkStatus();
}

absl::StatusOr<absl::Time> ParseTimestamp(
    absl::string_view field, const google::protobuf::Timestamp& timestamp) {
  if (timestamp.seconds() < kMinTimestampSeconds ||
      timestamp.seconds() > kMaxTimestampSeconds || timestamp.nanos() < 0 ||
      timestamp.nanos() > 999'999'999) {
    return Invalid(field, "not a valid timestamp");
  }
  return absl::FromUnixSeconds(timestamp.seconds()) +
         absl::Nanoseconds(timestamp.nanos());
}

absl::StatusOr<std::optional<absl::Time>> ParseScanTime(
    absl::string_view field, bool present,
    const google::protobuf::Timestamp& timestamp, absl::Time now) {
  if (!present) return std::nullopt;
  absl::StatusOr<absl::Time> time = ParseTimestamp(field, timestamp);
  if (!time.ok()) return time.status();
  if (*time > now + kMaxClockSkew) {
    return Invalid(field, absl::StrCat("is more than ",
                                       absl::FormatDuration(kMaxClockSkew),
                                       " ahead of the server's clock; check "
                                       "the terminal's clock"));
  }
  return *time;
}

}  // namespace passclear
