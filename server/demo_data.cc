#include "server/demo_data.h"

#include <fstream>

#include "absl/strings/str_cat.h"
#include "server/log.h"
#include "server/pass_code.h"
#include "storage/status_macros.h"

namespace passclear {

absl::Status LoadDemoDataIfEmpty(storage::PassStore& store,
                                 const std::string& codes_path) {
  if (store.FindProgramme(1) != nullptr) return absl::OkStatus();
  // Valid from 1 January of this year to 31 December of the next, so that
  // the demo works whatever the date.
  const absl::TimeZone utc = absl::UTCTimeZone();
  const int64_t year = absl::ToCivilYear(store.Now(), utc).year();
  ASSIGN_OR_RETURN(
      storage::Programme programme,
      store.CreateProgramme(
          {.sponsor = "Communauté de communes du Val Démo",
           .name = "Pass Numérique (démo)",
           .face_value_cents = 1000,
           .valid_from = absl::FromCivil(absl::CivilDay(year, 1, 1), utc),
           .valid_until = absl::FromCivil(
               absl::CivilSecond(year + 1, 12, 31, 23, 59, 59), utc)}));
  ASSIGN_OR_RETURN(std::vector<storage::Booklet> booklets,
                   store.IssueBooklets(programme.id, 123, 10));
  ASSIGN_OR_RETURN(storage::Venue venue,
                   store.RegisterVenue("Médiathèque du Val Démo, espace "
                                       "numérique",
                                       {programme.id}));
  std::ofstream codes(codes_path);
  for (const storage::Booklet& booklet : booklets) {
    for (uint32_t i = 0; i < booklet.size; ++i) {
      codes << FormatPassCode(booklet.first_serial + i) << '\n';
    }
  }
  codes.close();
  if (!codes) {
    return absl::UnavailableError(
        absl::StrCat("cannot write demo codes to ", codes_path));
  }
  LogInfo(absl::StrCat("demo data loaded: programme ", programme.id, ", ",
                       booklets.size(), " booklets of 10 passes, venue ",
                       venue.id, "; codes in ", codes_path, ", the first is ",
                       FormatPassCode(booklets.front().first_serial)));
  return absl::OkStatus();
}

}  // namespace passclear
