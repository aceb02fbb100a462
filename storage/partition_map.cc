#include "storage/partition_map.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "storage/serial_shard.h"

namespace passclear::storage {
namespace {

// Shards a map may name: as many as a store may have.
constexpr uint32_t kMaxShards = 1024;
constexpr size_t kMaxInstanceNameChars = 16;

absl::Status LineError(size_t line, absl::string_view message) {
  return absl::InvalidArgumentError(
      absl::StrCat("partition map line ", line, ": ", message));
}

absl::StatusOr<PartitionInstance> ParseInstance(
    size_t line, const std::vector<absl::string_view>& words) {
  if (words.size() != 4) {
    return LineError(line,
                     "expected 'instance NAME ADDRESS FIRST-LAST' (e.g. "
                     "'instance pc-0 10.0.0.1:50051 0-15')");
  }
  PartitionInstance instance{.name = std::string(words[1]),
                             .address = std::string(words[2])};
  // The name goes into the ids of payment files (SEPA allows 35 characters
  // and few symbols).
  if (instance.name.size() > kMaxInstanceNameChars ||
      !std::all_of(instance.name.begin(), instance.name.end(),
                   [](char c) { return absl::ascii_isalnum(c) || c == '-'; })) {
    return LineError(
        line, absl::StrCat("instance name '", instance.name, "' must be 1 to ",
                           kMaxInstanceNameChars, " letters, digits or '-'"));
  }
  const std::vector<absl::string_view> range = absl::StrSplit(words[3], '-');
  if (range.size() != 2 || !absl::SimpleAtoi(range[0], &instance.first_shard) ||
      !absl::SimpleAtoi(range[1], &instance.last_shard) ||
      instance.first_shard > instance.last_shard) {
    return LineError(line, absl::StrCat("shard range '", words[3],
                                        "' is not FIRST-LAST with FIRST <= "
                                        "LAST (e.g. 0-15)"));
  }
  return instance;
}

// Every shard below `shard_count` owned exactly once.
absl::Status CheckCoverage(uint32_t shard_count,
                           std::vector<PartitionInstance>& instances) {
  std::sort(instances.begin(), instances.end(),
            [](const PartitionInstance& a, const PartitionInstance& b) {
              return a.first_shard < b.first_shard;
            });
  uint32_t next = 0;
  const PartitionInstance* previous = nullptr;
  for (const PartitionInstance& instance : instances) {
    if (instance.first_shard < next) {
      // Sorted by first shard, so the overlap starts here and ends at the
      // smaller of the two last shards.
      return absl::InvalidArgumentError(
          absl::StrCat("partition map: shards ", instance.first_shard, " to ",
                       std::min(instance.last_shard, previous->last_shard),
                       " are owned twice, by instances '", previous->name,
                       "' and '", instance.name, "'"));
    }
    if (instance.first_shard > next) {
      return absl::InvalidArgumentError(absl::StrCat(
          "partition map: shards ", next, " to ", instance.first_shard - 1,
          " have no owner (instance '", instance.name, "' starts at shard ",
          instance.first_shard, ")"));
    }
    next = instance.last_shard + 1;
    previous = &instance;
  }
  if (next != shard_count) {
    return absl::InvalidArgumentError(
        absl::StrCat("partition map: shards ", next, " to ", shard_count - 1,
                     " have no owner (shards ", shard_count, ")"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<PartitionMap> PartitionMap::Parse(absl::string_view text) {
  uint32_t shard_count = 0;
  std::vector<PartitionInstance> instances;
  size_t line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    const std::vector<absl::string_view> words =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (words[0] == "shards") {
      if (shard_count != 0) return LineError(line_number, "shards given twice");
      if (words.size() != 2 || !absl::SimpleAtoi(words[1], &shard_count) ||
          shard_count == 0 || shard_count > kMaxShards) {
        return LineError(line_number, absl::StrCat("expected 'shards N' with N "
                                                   "from 1 to ",
                                                   kMaxShards));
      }
    } else if (words[0] == "instance") {
      absl::StatusOr<PartitionInstance> instance =
          ParseInstance(line_number, words);
      if (!instance.ok()) return instance.status();
      for (const PartitionInstance& other : instances) {
        if (other.name == instance->name) {
          return LineError(line_number, absl::StrCat("instance '", other.name,
                                                     "' is named twice"));
        }
      }
      instances.push_back(*std::move(instance));
    } else {
      return LineError(line_number,
                       absl::StrCat("unknown keyword '", words[0],
                                    "' (expected 'shards' or 'instance')"));
    }
  }
  if (shard_count == 0) {
    return absl::InvalidArgumentError("partition map: no 'shards N' line");
  }
  if (instances.empty()) {
    return absl::InvalidArgumentError("partition map: no 'instance' line");
  }
  for (const PartitionInstance& instance : instances) {
    if (instance.last_shard >= shard_count) {
      return absl::InvalidArgumentError(absl::StrCat(
          "partition map: instance '", instance.name, "' owns shard ",
          instance.last_shard, " but there are only ", shard_count));
    }
  }
  if (absl::Status covered = CheckCoverage(shard_count, instances);
      !covered.ok()) {
    return covered;
  }
  return PartitionMap(shard_count, std::move(instances));
}

absl::StatusOr<PartitionMap> PartitionMap::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("cannot read the partition map ", path));
  }
  std::ostringstream text;
  text << in.rdbuf();
  absl::StatusOr<PartitionMap> map = Parse(text.str());
  if (!map.ok()) {
    return absl::Status(map.status().code(),
                        absl::StrCat(path, ": ", map.status().message()));
  }
  return map;
}

PartitionMap PartitionMap::SingleInstance(std::string address,
                                          uint32_t shard_count) {
  return PartitionMap(shard_count, {{.name = "passclear",
                                     .address = std::move(address),
                                     .first_shard = 0,
                                     .last_shard = shard_count - 1}});
}

size_t PartitionMap::IndexOfSerial(uint64_t serial) const {
  const uint32_t shard = ShardOfSerial(serial, shard_count_);
  // Few instances: a linear scan beats a search.
  for (size_t i = 0; i < instances_.size(); ++i) {
    if (instances_[i].Owns(shard)) return i;
  }
  return 0;  // unreachable: Parse() checked every shard has an owner
}

const PartitionInstance* PartitionMap::Find(absl::string_view name) const {
  for (const PartitionInstance& instance : instances_) {
    if (instance.name == name) return &instance;
  }
  return nullptr;
}

}  // namespace passclear::storage
