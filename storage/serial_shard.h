// Which pass shard a serial lives in: the store's column family, and in a
// partitioned scheme the instance that owns it (storage/partition_map.h).
#ifndef PASSCLEAR_STORAGE_SERIAL_SHARD_H_
#define PASSCLEAR_STORAGE_SERIAL_SHARD_H_

#include <cstdint>

namespace passclear::storage {

// A stable hash (not absl::Hash, which is seeded per process) so that
// consecutive serials of a booklet spread over all shards. Caution:
// changing it orphans every pass of existing stores.
uint32_t ShardOfSerial(uint64_t serial, uint32_t shard_count);

}  // namespace passclear::storage

#endif  // PASSCLEAR_STORAGE_SERIAL_SHARD_H_
