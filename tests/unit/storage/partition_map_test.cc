// The partition map every instance and client of a partitioned scheme
// reads: what it accepts, what it refuses (naming the line), and which
// instance a serial belongs to.
#include "storage/partition_map.h"

#include <set>

#include "gtest/gtest.h"
#include "storage/serial_shard.h"

namespace passclear::storage {
namespace {

constexpr char kThreeInstances[] = R"(# the demo cluster
shards 12

instance c 127.0.0.1:50053 8-11
instance a 127.0.0.1:50051 0-3
instance b 127.0.0.1:50052 4-7
)";

TEST(PartitionMapTest, ParsesAndSortsInstancesByShard) {
  absl::StatusOr<PartitionMap> map = PartitionMap::Parse(kThreeInstances);
  ASSERT_TRUE(map.ok()) << map.status();
  EXPECT_EQ(map->shard_count(), 12u);
  ASSERT_EQ(map->instances().size(), 3u);
  EXPECT_EQ(map->instances()[0].name, "a");
  EXPECT_EQ(map->instances()[1].address, "127.0.0.1:50052");
  EXPECT_EQ(map->instances()[2].first_shard, 8u);
  ASSERT_NE(map->Find("b"), nullptr);
  EXPECT_EQ(map->Find("b")->last_shard, 7u);
  EXPECT_EQ(map->Find("d"), nullptr);
}

TEST(PartitionMapTest, EverySerialGoesToTheInstanceOwningItsShard) {
  absl::StatusOr<PartitionMap> map = PartitionMap::Parse(kThreeInstances);
  ASSERT_TRUE(map.ok()) << map.status();
  std::set<std::string> owners;
  for (uint64_t serial = 1; serial <= 1000; ++serial) {
    const PartitionInstance& owner = map->OwnerOfSerial(serial);
    EXPECT_TRUE(owner.Owns(ShardOfSerial(serial, 12))) << serial;
    owners.insert(owner.name);
  }
  // A booklet's consecutive serials spread over every instance.
  EXPECT_EQ(owners.size(), 3u);
}

TEST(PartitionMapTest, SingleInstanceOwnsEverything) {
  const PartitionMap map = PartitionMap::SingleInstance("localhost:1", 16);
  EXPECT_EQ(map.OwnerOfSerial(123456).address, "localhost:1");
  EXPECT_EQ(map.instances()[0].last_shard, 15u);
}

void ExpectRefused(const std::string& text, const std::string& message) {
  absl::StatusOr<PartitionMap> map = PartitionMap::Parse(text);
  ASSERT_FALSE(map.ok()) << text;
  EXPECT_EQ(map.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(map.status().message().find(message), absl::string_view::npos)
      << map.status().message();
}

TEST(PartitionMapTest, RefusesMapsThatLoseOrDoubleShards) {
  ExpectRefused("shards 8\ninstance a h:1 0-3\n",
                "shards 4 to 7 have no owner");
  ExpectRefused("shards 8\ninstance a h:1 0-4\ninstance b h:2 4-7\n",
                "shards 4 to 4 are owned twice, by instances 'a' and 'b'");
  ExpectRefused("shards 8\ninstance a h:1 0-2\ninstance b h:2 4-7\n",
                "shards 3 to 3 have no owner (instance 'b' starts at shard 4)");
}

TEST(PartitionMapTest, NamesTheWholeOverlapOfTwoRanges) {
  // Listed out of order: the overlap is found after sorting by first shard.
  ExpectRefused(
      "shards 12\ninstance c h:3 8-11\ninstance a h:1 0-3\n"
      "instance b h:2 4-9\n",
      "shards 8 to 9 are owned twice, by instances 'b' and 'c'");
  // One range inside another.
  ExpectRefused("shards 12\ninstance a h:1 0-11\ninstance b h:2 2-5\n",
                "shards 2 to 5 are owned twice, by instances 'a' and 'b'");
  ExpectRefused("shards 8\ninstance a h:1 0-8\n", "owns shard 8");
}

TEST(PartitionMapTest, RefusesMalformedLinesNamingThem) {
  ExpectRefused("shards 8\ninstance a h:1 3-1\n", "line 2: shard range '3-1'");
  ExpectRefused("shards eight\n", "line 1: expected 'shards N'");
  ExpectRefused("shards 8\ninstance a h:1\n", "line 2: expected 'instance");
  ExpectRefused("shards 8\nreplica a h:1 0-7\n", "unknown keyword 'replica'");
  ExpectRefused("shards 8\ninstance a h:1 0-3\ninstance a h:2 4-7\n",
                "line 3: instance 'a' is named twice");
  ExpectRefused("shards 8\ninstance a_b h:1 0-7\n",
                "line 2: instance name 'a_b' must be 1 to 16 letters");
  ExpectRefused("instance a h:1 0-7\n", "no 'shards N' line");
  ExpectRefused("shards 8\n", "no 'instance' line");
}

}  // namespace
}  // namespace passclear::storage
