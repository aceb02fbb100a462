#include "storage/usage_counters.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "storage/key_codec.h"
#include "storage/record_codec.h"
#include "storage/rocksdb_status.h"
#include "storage/status_macros.h"
#include "storage/value_encoding.h"

namespace passclear::storage {
namespace {

// Key kinds after the programme id, besides the UsageCounter values.
constexpr uint8_t kDistributorPassesKind = 16;
constexpr uint8_t kDistributorNameKind = 17;

std::string ProgrammePrefix(uint64_t programme_id) {
  std::string key;
  AppendBigEndian64(key, programme_id);
  return key;
}

std::string DistributorKey(uint64_t programme_id, uint8_t kind,
                           absl::string_view reference) {
  std::string key = ProgrammePrefix(programme_id);
  key.push_back(static_cast<char>(kind));
  // References are at most 200 bytes (checked by the admin calls).
  key.push_back(static_cast<char>(static_cast<uint8_t>(reference.size())));
  key.append(reference.data(), reference.size());
  return key;
}

absl::string_view ToView(const rocksdb::Slice& slice) {
  return absl::string_view(slice.data(), slice.size());
}

bool DecodeName(const rocksdb::Slice& bytes, std::string& name) {
  ValueReader reader(absl::string_view(bytes.data(), bytes.size()));
  uint8_t version = 0;
  return reader.U8(version) && version == kRecordFormatV1 &&
         reader.String(name) && reader.AtEnd();
}

class UsageMergeOperator final : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice& /*key*/,
             const rocksdb::Slice* existing_value, const rocksdb::Slice& value,
             std::string* new_value,
             rocksdb::Logger* /*logger*/) const override {
    int64_t total = 0;
    int64_t delta = 0;
    // A malformed operand makes RocksDB report corruption for the key.
    if (existing_value != nullptr &&
        !DecodeUsageCount(ToView(*existing_value), total)) {
      return false;
    }
    if (!DecodeUsageCount(ToView(value), delta)) return false;
    *new_value = EncodeUsageDelta(total + delta);
    return true;
  }
  const char* Name() const override { return "passclear.UsageAdd"; }
};

}  // namespace

std::string UsageKey(uint64_t programme_id, UsageCounter counter) {
  std::string key = ProgrammePrefix(programme_id);
  key.push_back(static_cast<char>(counter));
  return key;
}

std::string DistributorPassesKey(uint64_t programme_id,
                                 absl::string_view reference) {
  return DistributorKey(programme_id, kDistributorPassesKind, reference);
}

std::string DistributorNameKey(uint64_t programme_id,
                               absl::string_view reference) {
  return DistributorKey(programme_id, kDistributorNameKind, reference);
}

// Usage values start with a version byte, as every stored value does.
bool DecodeUsageCount(absl::string_view bytes, int64_t& count) {
  ValueReader reader(bytes);
  uint8_t version = 0;
  return reader.U8(version) && version == kRecordFormatV1 &&
         reader.I64(count) && reader.AtEnd();
}

std::string EncodeUsageDelta(int64_t delta) {
  return ValueWriter().U8(kRecordFormatV1).I64(delta).Finish();
}

std::string EncodeDistributorName(absl::string_view name) {
  return ValueWriter().U8(kRecordFormatV1).String(name).Finish();
}

std::shared_ptr<rocksdb::MergeOperator> NewUsageMergeOperator() {
  return std::make_shared<UsageMergeOperator>();
}

absl::StatusOr<ProgrammeCounters> ReadProgrammeCounters(
    const Database& database, uint64_t programme_id) {
  const std::string prefix = ProgrammePrefix(programme_id);
  std::unique_ptr<rocksdb::Iterator> it(database.db()->NewIterator(
      rocksdb::ReadOptions(), database.Family(FixedFamily::kUsage)));
  ProgrammeCounters counters;
  std::map<std::string, DistributorCounters> distributors;
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
       it->Next()) {
    absl::string_view rest(it->key().data() + prefix.size(),
                           it->key().size() - prefix.size());
    const rocksdb::Slice value = it->value();
    if (rest.empty()) {
      return absl::DataLossError("corrupt usage key: no counter kind");
    }
    const uint8_t kind = static_cast<uint8_t>(rest[0]);
    rest.remove_prefix(1);
    if (kind == kDistributorNameKind || kind == kDistributorPassesKind) {
      if (rest.empty() || static_cast<uint8_t>(rest[0]) + 1u != rest.size()) {
        return absl::DataLossError("corrupt usage key: bad distributor part");
      }
      DistributorCounters& distributor =
          distributors[std::string(rest.substr(1))];
      distributor.reference = std::string(rest.substr(1));
      const bool decoded =
          kind == kDistributorNameKind
              ? DecodeName(value, distributor.name)
              : DecodeUsageCount(ToView(value), distributor.passes);
      if (!decoded) return absl::DataLossError("corrupt usage value");
      continue;
    }
    int64_t count = 0;
    if (!DecodeUsageCount(ToView(value), count)) {
      return absl::DataLossError("corrupt usage counter value");
    }
    switch (static_cast<UsageCounter>(kind)) {
      case UsageCounter::kIssued:
        counters.issued = count;
        break;
      case UsageCounter::kAllocated:
        counters.allocated = count;
        break;
      case UsageCounter::kRedeemed:
        counters.redeemed = count;
        break;
      case UsageCounter::kCancelled:
        counters.cancelled = count;
        break;
      case UsageCounter::kVoided:
        counters.voided = count;
        break;
      case UsageCounter::kClaimed:
        counters.claimed = count;
        break;
      case UsageCounter::kPaid:
        counters.paid = count;
        break;
      default:
        return absl::DataLossError(
            absl::StrCat("corrupt usage key: unknown counter kind ", kind));
    }
  }
  RETURN_IF_ERROR(FromRocksDb(it->status(), "reading usage counters"));
  for (auto& [reference, distributor] : distributors) {
    if (distributor.passes != 0) {
      counters.distributors.push_back(std::move(distributor));
    }
  }
  return counters;
}

}  // namespace passclear::storage
