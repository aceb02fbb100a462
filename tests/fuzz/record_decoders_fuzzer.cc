// libFuzzer target: corrupt bytes fed to every stored-value decoder are an
// error, never a crash or an over-read (the target runs under ASan and
// UBSan); a value that decodes re-encodes to bytes that decode to the same
// record.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "storage/identity_store.h"
#include "storage/record_codec.h"
#include "storage/usage_counters.h"

namespace {

using namespace passclear::storage;

template <typename Record>
void RoundTrip(absl::StatusOr<Record> (*decode)(absl::string_view),
               std::string (*encode)(const Record&), absl::string_view bytes) {
  absl::StatusOr<Record> record = decode(bytes);
  if (!record.ok()) return;
  absl::StatusOr<Record> again = decode(encode(*record));
  if (!again.ok() || !(*again == *record)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte picks the decoder; the rest is the stored value.
  const absl::string_view bytes(reinterpret_cast<const char*>(data) + 1,
                                size - 1);
  switch (data[0] % 12) {
    case 0:
      RoundTrip(&DecodeProgramme, &EncodeProgramme, bytes);
      break;
    case 1:
      RoundTrip(&DecodeBooklet, &EncodeBooklet, bytes);
      break;
    case 2:
      RoundTrip(&DecodeVenue, &EncodeVenue, bytes);
      break;
    case 3:
      RoundTrip(&DecodePass, &EncodePass, bytes);
      break;
    case 4:
      RoundTrip(&DecodeClaimLine, &EncodeClaimLine, bytes);
      break;
    case 5:
      RoundTrip(&DecodeJournalEntry, &EncodeJournalEntry, bytes);
      break;
    case 6:
      RoundTrip(&DecodeStoredAnswer, &EncodeStoredAnswer, bytes);
      break;
    case 7:
      RoundTrip(&DecodeIssuance, &EncodeIssuance, bytes);
      break;
    case 8:
      RoundTrip(&DecodeClaimBatch, &EncodeClaimBatch, bytes);
      break;
    case 9:
      RoundTrip(&DecodeSigningKey, &EncodeSigningKey, bytes);
      break;
    case 11: {
      // Identity has no operator==: its encoding must be stable instead.
      absl::StatusOr<Identity> identity = DecodeIdentity("fuzz", bytes);
      if (!identity.ok()) break;
      const std::string encoded = EncodeIdentity(*identity);
      absl::StatusOr<Identity> again = DecodeIdentity("fuzz", encoded);
      if (!again.ok() || EncodeIdentity(*again) != encoded) std::abort();
      break;
    }
    default: {
      int64_t count = 0;
      (void)DecodeUsageCount(bytes, count);
      (void)DecodeMetaNumber(bytes);
      (void)DecodeClearingCycle(bytes);
      break;
    }
  }
  return 0;
}
