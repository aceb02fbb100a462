// The demo's distribution plan, from the source deliberations: a community
// of communes split 123 booklets between its 43 communes, one booklet each
// plus 65 by population, and kept 15 in reserve for justified extra
// requests.
//
//   for (const CommuneShare& share : DemoDistributionPlan()) { ... }
#ifndef PASSCLEAR_SERVER_DEMO_PLAN_H_
#define PASSCLEAR_SERVER_DEMO_PLAN_H_

#include <cstdint>
#include <string>
#include <vector>

namespace passclear {

inline constexpr uint32_t kDemoCommunes = 43;
inline constexpr uint32_t kDemoBookletsByPopulation = 65;
inline constexpr uint32_t kDemoReserveBooklets = 15;
inline constexpr uint32_t kDemoBooklets =
    kDemoCommunes + kDemoBookletsByPopulation + kDemoReserveBooklets;

struct CommuneShare {
  std::string name;       // "Mairie de ..."
  std::string reference;  // an INSEE-like commune code
  uint32_t booklets = 0;
};

// One share per commune, largest first; the shares add up to
// kDemoBooklets - kDemoReserveBooklets. The 65 booklets go by population,
// by largest remainder, so the plan is exact and stable.
std::vector<CommuneShare> DemoDistributionPlan();

}  // namespace passclear

#endif  // PASSCLEAR_SERVER_DEMO_PLAN_H_
