#include "storage/column_families.h"

#include "absl/strings/str_format.h"

namespace passclear::storage {

std::string PassShardFamilyName(uint32_t shard) {
  return absl::StrFormat("%s%03d", kPassShardFamilyPrefix, shard);
}
}  // namespace passclear::storage
