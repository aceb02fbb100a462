#include "server/demo_data.h"

#include <fstream>

#include "absl/strings/str_cat.h"
#include "server/code_check.h"
#include "server/demo_plan.h"
#include "server/log.h"
#include "storage/status_macros.h"

namespace passclear {
namespace {

constexpr char kDemoProgrammeName[] = "Pass Numérique (démo)";
constexpr uint32_t kDemoBookletSize = 10;
constexpr uint64_t kDemoPasses = kDemoBooklets * kDemoBookletSize;

absl::StatusOr<storage::Programme> CreateDemoProgramme(
    storage::PassStore& store) {
  // Valid from 1 January of this year to 31 December of the next, so that
  // the demo works whatever the date.
  const absl::TimeZone utc = absl::UTCTimeZone();
  const int64_t year = absl::ToCivilYear(store.Now(), utc).year();
  return store.CreateProgramme(
      {.sponsor = "Communauté de communes du Val Démo",
       .name = kDemoProgrammeName,
       .face_value_cents = 1000,
       .valid_from = absl::FromCivil(absl::CivilDay(year, 1, 1), utc),
       .valid_until = absl::FromCivil(
           absl::CivilSecond(year + 1, 12, 31, 23, 59, 59), utc)});
}

// Hands booklets 1 to 108 to the communes by the plan, in order; 109 to 123
// stay in the reserve. Booklet 108 is handed out last: while it is in the
// reserve, the plan is (re)applied to the booklets still there, so a start
// interrupted half-way is mended by the next one.
absl::Status DistributeBooklets(storage::PassStore& store) {
  constexpr uint32_t kDistributed = kDemoBooklets - kDemoReserveBooklets;
  ASSIGN_OR_RETURN(std::vector<storage::Booklet> booklets,
                   store.ListBooklets(1, kDistributed));
  if (booklets.size() != kDistributed || booklets.back().distributor) {
    return absl::OkStatus();
  }
  size_t next = 0;
  for (const CommuneShare& share : DemoDistributionPlan()) {
    for (uint32_t i = 0; i < share.booklets; ++i, ++next) {
      if (booklets[next].distributor) continue;
      RETURN_IF_ERROR(
          store.AllocateBooklet(booklets[next].id, share.name, share.reference)
              .status());
    }
  }
  return absl::OkStatus();
}

absl::Status WriteCodes(const storage::PassStore& store,
                        const std::string& path) {
  std::ofstream codes(path);
  for (uint64_t serial = 1; serial <= kDemoPasses; ++serial) {
    ASSIGN_OR_RETURN(std::string code, PrintableCode(store, serial));
    codes << code << '\n';
  }
  codes.close();
  if (!codes) {
    return absl::UnavailableError(
        absl::StrCat("cannot write demo codes to ", path));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status LoadDemoData(storage::PassStore& store,
                          const std::string& codes_path) {
  std::shared_ptr<const storage::Programme> programme = store.FindProgramme(1);
  if (programme == nullptr) {
    ASSIGN_OR_RETURN(storage::Programme created, CreateDemoProgramme(store));
    programme = std::make_shared<const storage::Programme>(created);
  }
  if (programme->id != 1 || programme->name != kDemoProgrammeName) {
    return absl::OkStatus();  // a real store: no demo data
  }
  // The demo's passes are serials 1 to 1,230, the first ever issued.
  ASSIGN_OR_RETURN(storage::PassStatus last, store.Check(kDemoPasses, {}));
  if (!last.known) {
    RETURN_IF_ERROR(
        store.IssueBooklets(programme->id, kDemoBooklets, kDemoBookletSize)
            .status());
  }
  RETURN_IF_ERROR(DistributeBooklets(store));
  if (store.FindVenue(1) == nullptr) {
    RETURN_IF_ERROR(
        store
            .RegisterVenue({.name = "Médiathèque du Val Démo, espace numérique",
                            .accepted_programme_ids = {programme->id},
                            .address = "1 place de la Mairie, 79000 Val-Démo",
                            .siret = "73282932000074",
                            .iban = "FR76 3000 6000 0112 3456 7890 189",
                            .bic = "AGRIFRPP"})
            .status());
  }
  RETURN_IF_ERROR(WriteCodes(store, codes_path));
  ASSIGN_OR_RETURN(std::string first_code, PrintableCode(store, 1));
  LogInfo(absl::StrCat("demo data: programme 1, ", kDemoBooklets,
                       " booklets of 10 passes (serials 1 to ", kDemoPasses,
                       ") shared by ", kDemoCommunes, " communes with ",
                       kDemoReserveBooklets, " in reserve, venue 1; codes in ",
                       codes_path, ", the first is ", first_code));
  return absl::OkStatus();
}

}  // namespace passclear
