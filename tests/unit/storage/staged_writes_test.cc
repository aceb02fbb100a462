// A group's usage deltas are summed and merged once per counter at commit:
// the counters must read as if every delta had been merged on its own.
#include "storage/staged_writes.h"

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "storage/database.h"
#include "storage/usage_counters.h"
#include "tests/unit/storage/temp_database.h"

namespace passclear::storage {
namespace {

class StagedWritesTest : public TempDatabaseTest {
 protected:
  ProgrammeCounters Counters(uint64_t programme_id) {
    absl::StatusOr<ProgrammeCounters> counters =
        ReadProgrammeCounters(database(), programme_id);
    EXPECT_TRUE(counters.ok()) << counters.status();
    return counters.value_or(ProgrammeCounters{});
  }
};

TEST_F(StagedWritesTest, GroupDeltasAddUpPerProgrammeAndCounter) {
  {
    StagedWrites staged(database(), absl::Now());
    for (int i = 0; i < 3; ++i)
      staged.AddToUsage(7, UsageCounter::kRedeemed, 1);
    staged.AddToUsage(8, UsageCounter::kRedeemed, 1);
    // A redemption cancelled in the same group.
    staged.AddToUsage(7, UsageCounter::kRedeemed, -1);
    staged.AddToUsage(7, UsageCounter::kCancelled, 1);
    ASSERT_TRUE(staged.Commit(rocksdb::WriteOptions()).ok());
  }
  {
    StagedWrites staged(database(), absl::Now());
    staged.AddToUsage(7, UsageCounter::kRedeemed, 1);
    ASSERT_TRUE(staged.Commit(rocksdb::WriteOptions()).ok());
  }
  const ProgrammeCounters seven = Counters(7);
  EXPECT_EQ(seven.redeemed, 3);
  EXPECT_EQ(seven.cancelled, 1);
  EXPECT_EQ(seven.issued, 0);
  EXPECT_EQ(Counters(8).redeemed, 1);
}

// Deltas that cancel out leave nothing to write, but are still writes the
// lane must commit with the rest of their group.
TEST_F(StagedWritesTest, DeltasThatCancelOutWriteNothing) {
  StagedWrites staged(database(), absl::Now());
  EXPECT_EQ(staged.write_count(), 0u);
  staged.AddToUsage(7, UsageCounter::kRedeemed, 1);
  staged.AddToUsage(7, UsageCounter::kRedeemed, -1);
  EXPECT_EQ(staged.write_count(), 1u);
  ASSERT_TRUE(staged.Commit(rocksdb::WriteOptions()).ok());
  EXPECT_EQ(Counters(7).redeemed, 0);
}

}  // namespace
}  // namespace passclear::storage
