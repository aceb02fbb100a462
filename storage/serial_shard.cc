#include "storage/serial_shard.h"

namespace passclear::storage {

uint32_t ShardOfSerial(uint64_t serial, uint32_t shard_count) {
  // The SplitMix64 finaliser: cheap, and every input bit affects the output.
  uint64_t z = serial + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return static_cast<uint32_t>(z % shard_count);
}

}  // namespace passclear::storage
