// Field checks shared by the handlers. Each error is INVALID_ARGUMENT and
// starts with the field's name as the client wrote it ("items[3].request_id:
// required"), so a developer sees at once what to fix.
#ifndef PASSCLEAR_SERVER_REQUEST_VALIDATION_H_
#define PASSCLEAR_SERVER_REQUEST_VALIDATION_H_

#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"

namespace passclear {

// How far in the future of the server's clock a terminal's scan time may be.
inline constexpr absl::Duration kMaxClockSkew = absl::Minutes(5);

// terminal_id, request_id: 1 to 64 printable ASCII characters, no spaces.
[[nodiscard]] absl::Status CheckIdentifier(absl::string_view field,
                                           absl::string_view value);

[[nodiscard]] absl::Status CheckVenueId(absl::string_view field,
                                        uint64_t venue_id);

// A well-formed protobuf Timestamp, as an absl::Time.
[[nodiscard]] absl::StatusOr<absl::Time> ParseTimestamp(
    absl::string_view field, const google::protobuf::Timestamp& timestamp);

// An optional scan time: nullopt when absent; refused when more than
// kMaxClockSkew after `now`.
[[nodiscard]] absl::StatusOr<std::optional<absl::Time>> ParseScanTime(
    absl::string_view field, bool present,
    const google::protobuf::Timestamp& timestamp, absl::Time now);

}  // namespace passclear

#endif  // PASSCLEAR_SERVER_REQUEST_VALIDATION_H_
