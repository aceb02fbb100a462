// How a scheme too big for one machine splits its serials across several
// passclear-server instances. Every instance, and every client, reads the
// same map:
//
//   # comment lines start with '#'
//   shards 48
//   instance passclear-0 passclear-0.passclear:50051 0-15
//   instance passclear-1 passclear-1.passclear:50051 16-31
//   instance passclear-2 passclear-2.passclear:50051 32-47
//
// `shards N` is the scheme's pass shard count (every instance's --shards).
// An instance's name is 1 to 16 letters, digits or '-' (it goes into the
// ids of payment files).
// Each instance owns a contiguous range of shards; the ranges cover 0 to
// N-1 exactly once. A serial belongs to the instance owning
// ShardOfSerial(serial, N): only that instance stores and redeems it.
// Programmes, booklets, venues and identities are on every instance.
//
//   ASSIGN_OR_RETURN(PartitionMap map, PartitionMap::Load(path));
//   const PartitionInstance& owner = map.OwnerOfSerial(serial);
#ifndef PASSCLEAR_STORAGE_PARTITION_MAP_H_
#define PASSCLEAR_STORAGE_PARTITION_MAP_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace passclear::storage {

struct PartitionInstance {
  std::string name;
  std::string address;  // host:port of its gRPC API
  uint32_t first_shard = 0;
  uint32_t last_shard = 0;  // included

  bool Owns(uint32_t shard) const {
    return shard >= first_shard && shard <= last_shard;
  }
};

class PartitionMap {
 public:
  // INVALID_ARGUMENT naming the line and what is wrong with it.
  static absl::StatusOr<PartitionMap> Parse(absl::string_view text);
  static absl::StatusOr<PartitionMap> Load(const std::string& path);
  // One instance owning every shard: the unpartitioned deployment.
  static PartitionMap SingleInstance(std::string address, uint32_t shard_count);

  uint32_t shard_count() const { return shard_count_; }
  // In shard order.
  const std::vector<PartitionInstance>& instances() const { return instances_; }
  size_t IndexOfSerial(uint64_t serial) const;
  const PartitionInstance& OwnerOfSerial(uint64_t serial) const {
    return instances_[IndexOfSerial(serial)];
  }
  // Null when no instance has this name.
  const PartitionInstance* Find(absl::string_view name) const;

 private:
  PartitionMap(uint32_t shard_count, std::vector<PartitionInstance> instances)
      : shard_count_(shard_count), instances_(std::move(instances)) {}

  uint32_t shard_count_;
  std::vector<PartitionInstance> instances_;
};

}  // namespace passclear::storage

#endif  // PASSCLEAR_STORAGE_PARTITION_MAP_H_
