#include "storage/key_codec.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "storage/status_macros.h"

namespace passclear::storage {
namespace {

void AppendLengthPrefixed(std::string& out, absl::string_view part) {
  out.push_back(static_cast<char>(static_cast<uint8_t>(part.size())));
  out.append(part.data(), part.size());
}

bool ReadLengthPrefixed(absl::string_view& in, std::string& part) {
  if (in.empty()) return false;
  size_t length = static_cast<uint8_t>(in[0]);
  if (in.size() < 1 + length) return false;
  part.assign(in.data() + 1, length);
  in.remove_prefix(1 + length);
  return true;
}

}  // namespace

void AppendBigEndian64(std::string& out, uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((value >> shift) & 0xff));
  }
}

absl::StatusOr<uint64_t> ReadBigEndian64(absl::string_view bytes) {
  if (bytes.size() < 8) {
    return absl::DataLossError(absl::StrCat(
        "key too short for a 64-bit integer: ", bytes.size(), " bytes"));
  }
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) {
    value = (value << 8) | static_cast<uint8_t>(bytes[i]);
  }
  return value;
}

std::string PassKey(uint64_t serial) { return IdKey(serial); }

absl::StatusOr<uint64_t> ParsePassKey(absl::string_view key) {
  return ParseIdKey(key);
}

std::string IdKey(uint64_t id) {
  std::string key;
  key.reserve(8);
  AppendBigEndian64(key, id);
  return key;
}

absl::StatusOr<uint64_t> ParseIdKey(absl::string_view key) {
  if (key.size() != 8) {
    return absl::DataLossError(
        absl::StrCat("id key must be 8 bytes, got ", key.size()));
  }
  return ReadBigEndian64(key);
}

namespace {

// Two big-endian ids, the layout of claim and venue-batch keys.
std::string PairKey(uint64_t first, uint64_t second) {
  std::string key;
  key.reserve(16);
  AppendBigEndian64(key, first);
  AppendBigEndian64(key, second);
  return key;
}

absl::StatusOr<std::pair<uint64_t, uint64_t>> ParsePairKey(
    absl::string_view key, absl::string_view what) {
  if (key.size() != 16) {
    return absl::DataLossError(
        absl::StrCat(what, " key must be 16 bytes, got ", key.size()));
  }
  return std::pair{*ReadBigEndian64(key), *ReadBigEndian64(key.substr(8))};
}

}  // namespace

std::string ClaimKey(uint64_t batch_id, uint64_t seq) {
  return PairKey(batch_id, seq);
}

absl::StatusOr<ClaimKeyParts> ParseClaimKey(absl::string_view key) {
  ASSIGN_OR_RETURN(auto parts, ParsePairKey(key, "claim"));
  return ClaimKeyParts{.batch_id = parts.first, .seq = parts.second};
}

std::string VenueBatchKey(uint64_t venue_id, uint64_t batch_id) {
  return PairKey(venue_id, batch_id);
}

absl::StatusOr<VenueBatchKeyParts> ParseVenueBatchKey(absl::string_view key) {
  ASSIGN_OR_RETURN(auto parts, ParsePairKey(key, "venue batch"));
  return VenueBatchKeyParts{.venue_id = parts.first, .batch_id = parts.second};
}

std::string IdempotencyKey(absl::string_view terminal_id,
                           absl::string_view request_id) {
  std::string key;
  key.reserve(2 + terminal_id.size() + request_id.size());
  AppendLengthPrefixed(key, terminal_id);
  AppendLengthPrefixed(key, request_id);
  return key;
}

absl::StatusOr<IdempotencyKeyParts> ParseIdempotencyKey(absl::string_view key) {
  IdempotencyKeyParts parts;
  if (!ReadLengthPrefixed(key, parts.terminal_id) ||
      !ReadLengthPrefixed(key, parts.request_id) || !key.empty()) {
    return absl::DataLossError("malformed idempotency key");
  }
  return parts;
}

}  // namespace passclear::storage
