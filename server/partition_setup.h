// The flags that make a server one instance of a partitioned scheme
// (storage/partition_map.h): which shards it owns, and the scheme secret
// its programme keys and credentials derive from.
#ifndef PASSCLEAR_SERVER_PARTITION_SETUP_H_
#define PASSCLEAR_SERVER_PARTITION_SETUP_H_

#include <string>

#include "absl/status/status.h"
#include "storage/pass_store.h"

namespace passclear {

struct PartitionFlags {
  std::string partition_map;       // --partition_map; empty: not partitioned
  std::string instance;            // --instance: its name in the map
  std::string scheme_secret_file;  // --scheme_secret_file
  bool demo_data = false;          // --demo_data
};

// Reads the map and the scheme secret and narrows `options` to the shards
// the instance owns. INVALID_ARGUMENT naming the flag that is wrong: an
// instance the map does not name, a --shards the map disagrees with, a
// partitioned instance without a scheme secret, or demo data (it redeems
// passes of every shard).
[[nodiscard]] absl::Status ApplyPartitionFlags(
    const PartitionFlags& flags, storage::PassStoreOptions& options);

}  // namespace passclear

#endif  // PASSCLEAR_SERVER_PARTITION_SETUP_H_
