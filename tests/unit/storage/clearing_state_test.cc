// ClearingState, the in-memory side of clearing: which batch a venue's next
// line goes to, across cycles, size limits, failed openings and restarts.
#include "storage/clearing_state.h"

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace passclear::storage {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'700'000'000);

ClearingState NewState(uint32_t max_lines = 3) {
  return ClearingState(max_lines, [](uint64_t) { return uint32_t{0}; });
}

TEST(ClearingStateTest, LinesGoToTheVenuesOpenBatchUntilItIsFull) {
  ClearingState state = NewState(2);
  (void)state.Load({.number = 1, .opened_at = kNow}, 10, {});
  ClearingState::LineSlot first = *state.AddLine(7, kNow);
  EXPECT_EQ(first.batch_id, 10u);
  ASSERT_TRUE(first.opened.has_value());
  EXPECT_EQ(first.opened->venue_id, 7u);
  EXPECT_EQ(first.opened->cycle, 1u);
  EXPECT_EQ(state.AddLine(7, kNow)->batch_id, 10u);
  ClearingState::LineSlot third = *state.AddLine(7, kNow);
  EXPECT_EQ(third.batch_id, 11u);
  EXPECT_EQ(third.full_batch_id, 10u);
  EXPECT_EQ(state.AddLine(8, kNow)->batch_id, 12u) << "one batch per venue";
}

TEST(ClearingStateTest, OpeningIsStagedAgainUntilKnownDurable) {
  ClearingState state = NewState();
  (void)state.Load({.number = 1, .opened_at = kNow}, 1, {});
  EXPECT_TRUE(state.AddLine(7, kNow)->opened.has_value());
  EXPECT_TRUE(state.AddLine(7, kNow)->opened.has_value());
  state.MarkOpened(7, 1);
  EXPECT_FALSE(state.AddLine(7, kNow)->opened.has_value());
}

TEST(ClearingStateTest, AdvancingTheCycleHandsOverEveryOpenBatch) {
  ClearingState state = NewState();
  (void)state.Load({.number = 1, .opened_at = kNow}, 1, {});
  const uint64_t batch = state.AddLine(7, kNow)->batch_id;
  EXPECT_TRUE(state.RemoveLine(7, batch));
  std::vector<uint64_t> left_open =
      state.AdvanceCycle({.number = 2, .opened_at = kNow});
  EXPECT_EQ(left_open, std::vector<uint64_t>{batch});
  EXPECT_FALSE(state.RemoveLine(7, batch)) << "its cycle is closing";
  ClearingState::LineSlot next = *state.AddLine(7, kNow);
  EXPECT_NE(next.batch_id, batch);
  EXPECT_EQ(next.opened->cycle, 2u);
  EXPECT_FALSE(next.full_batch_id.has_value()) << "the cycle close owns it";
}

TEST(ClearingStateTest, LoadReturnsTheOpenBatchesThatAreNotTheNewest) {
  ClearingState state = NewState();
  std::vector<uint64_t> to_close =
      state.Load({.number = 2, .opened_at = kNow}, 20,
                 {{.id = 5, .venue_id = 7, .cycle = 2},
                  {.id = 3, .venue_id = 7, .cycle = 2},
                  {.id = 4, .venue_id = 8, .cycle = 2}});
  EXPECT_EQ(to_close, std::vector<uint64_t>{3});
  EXPECT_EQ(state.AddLine(7, kNow)->batch_id, 5u);
  EXPECT_EQ(state.OpenBatchCount(), 2u);
}

TEST(ClearingStateTest, ForgottenBatchIsReplacedByANewOne) {
  ClearingState state = NewState();
  (void)state.Load({.number = 1, .opened_at = kNow}, 1, {});
  const uint64_t lost = state.AddLine(7, kNow)->batch_id;
  state.ForgetBatch(lost);
  EXPECT_NE(state.AddLine(7, kNow)->batch_id, lost);
}

}  // namespace
}  // namespace passclear::storage
