// The demo's distribution plan reproduces the source deliberation: 123
// booklets, one per commune for 43 communes, 65 more by population, 15 in
// reserve.
#include "server/demo_plan.h"

#include <set>

#include "gtest/gtest.h"

namespace passclear {
namespace {

TEST(DemoPlanTest, FortyThreeCommunesShareAllButFifteenBooklets) {
  const std::vector<CommuneShare> plan = DemoDistributionPlan();
  ASSERT_EQ(plan.size(), 43u);
  uint32_t total = 0;
  std::set<std::string> references;
  for (const CommuneShare& share : plan) {
    EXPECT_GE(share.booklets, 1u) << share.name;
    total += share.booklets;
    references.insert(share.reference);
  }
  EXPECT_EQ(total, 123u - 15u);
  EXPECT_EQ(references.size(), 43u) << "references are unique";
}

TEST(DemoPlanTest, LargerCommunesGetAtLeastAsManyBooklets) {
  const std::vector<CommuneShare> plan = DemoDistributionPlan();
  for (size_t i = 1; i < plan.size(); ++i) {
    EXPECT_GE(plan[i - 1].booklets, plan[i].booklets) << plan[i].name;
  }
  EXPECT_GT(plan.front().booklets, 1u);
  EXPECT_EQ(plan.back().booklets, 1u);
}

}  // namespace
}  // namespace passclear
