#include "server/demo_plan.h"

#include <algorithm>
#include <array>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace passclear {
namespace {

struct Commune {
  const char* name;
  uint32_t population;
};

// Fictional communes of the demo community, largest first.
constexpr std::array<Commune, kDemoCommunes> kCommunes = {{
    {"Val-Démo", 6840},
    {"Saint-Martin-du-Val", 3120},
    {"Beaulieu-sur-Sèvre", 2710},
    {"La Chapelle-Démo", 2240},
    {"Fontaine-le-Val", 1980},
    {"Montigny-Démo", 1730},
    {"Villeneuve-du-Val", 1520},
    {"Sainte-Marie-Démo", 1390},
    {"Champagné-le-Val", 1210},
    {"Aiffres-Démo", 1105},
    {"Les Ouches", 990},
    {"Saint-Rémy-du-Val", 920},
    {"Chauray-Démo", 870},
    {"La Crèche-Démo", 815},
    {"Breloux", 760},
    {"Romans-Démo", 705},
    {"Sainte-Néomaye", 660},
    {"Cherveux-Démo", 615},
    {"Saint-Gelais-du-Val", 580},
    {"Échiré-Démo", 545},
    {"François-Démo", 510},
    {"Vouillé-le-Val", 480},
    {"Augé-Démo", 450},
    {"Azay-le-Val", 420},
    {"Chavagné", 395},
    {"Germond-Démo", 370},
    {"Saint-Maxire-du-Val", 350},
    {"Surin-Démo", 330},
    {"Verruyes-Démo", 310},
    {"Mazières-le-Val", 290},
    {"Saivres-Démo", 275},
    {"Soudan-Démo", 260},
    {"Exireuil-le-Val", 245},
    {"Nanteuil-Démo", 230},
    {"Fomperron", 215},
    {"Clavé-Démo", 200},
    {"Vautebis-le-Val", 185},
    {"Salles-Démo", 170},
    {"Pamplie", 155},
    {"Ménigoute-Démo", 140},
    {"Reffannes-le-Val", 125},
    {"Vasles-Démo", 110},
    {"Les Forges-du-Val", 95},
}};

}  // namespace

std::vector<CommuneShare> DemoDistributionPlan() {
  const uint64_t total_population =
      std::accumulate(kCommunes.begin(), kCommunes.end(), uint64_t{0},
                      [](uint64_t sum, const Commune& commune) {
                        return sum + commune.population;
                      });
  std::vector<CommuneShare> plan;
  std::vector<std::pair<uint64_t, size_t>> remainders;  // (remainder, index)
  uint32_t given = 0;
  for (size_t i = 0; i < kCommunes.size(); ++i) {
    const uint64_t exact =
        uint64_t{kDemoBookletsByPopulation} * kCommunes[i].population;
    const uint32_t by_population =
        static_cast<uint32_t>(exact / total_population);
    given += by_population;
    remainders.emplace_back(exact % total_population, i);
    plan.push_back({.name = absl::StrCat("Mairie de ", kCommunes[i].name),
                    .reference = absl::StrFormat("79D%02d", i + 1),
                    .booklets = 1 + by_population});
  }
  // Largest remainders first; ties to the larger commune (lower index).
  std::sort(
      remainders.begin(), remainders.end(), [](const auto& a, const auto& b) {
        return a.first != b.first ? a.first > b.first : a.second < b.second;
      });
  for (size_t i = 0; given < kDemoBookletsByPopulation; ++i, ++given) {
    ++plan[remainders[i].second].booklets;
  }
  return plan;
}

}  // namespace passclear
