#include "clients/passctl_venues.h"

#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "clients/passctl_output.h"
#include "passclear/v1/admin.grpc.pb.h"

ABSL_FLAG(std::string, address, "", "register-venue, update-venue: address");
ABSL_FLAG(std::string, siret, "", "register-venue: SIRET, 14 digits");
ABSL_FLAG(std::string, iban, "",
          "register-venue, update-venue: IBAN of the venue's account");
ABSL_FLAG(std::string, bic, "",
          "register-venue, update-venue: BIC of the venue's bank");
ABSL_FLAG(bool, labelled, true,
          "register-venue: label the venue at once (else 'label-venue' "
          "labels it later)");
ABSL_FLAG(std::vector<std::string>, territories, {},
          "register-venue, update-venue: comma-separated territories whose "
          "programmes the venue accepts");
ABSL_FLAG(std::string, status, "",
          "list-venues: only venues of this status (labelled, suspended, "
          "registered)");
// Defined in passctl_main.cc.
ABSL_DECLARE_FLAG(uint64_t, venue);
ABSL_DECLARE_FLAG(uint64_t, programme);
ABSL_DECLARE_FLAG(std::string, name);
ABSL_DECLARE_FLAG(std::string, reason);
ABSL_DECLARE_FLAG(std::string, territory);
ABSL_DECLARE_FLAG(std::vector<std::string>, programmes);

namespace passclear::passctl {
namespace {

std::unique_ptr<v1::AdminService::Stub> Stub() {
  return v1::AdminService::NewStub(Connect());
}

// Whether the flag was given a value other than its default: each of
// update-venue's fields is changed only when given (none may be empty).
template <typename T>
bool Given(const absl::Flag<T>& flag) {
  const absl::CommandLineFlag& handle = absl::GetFlagReflectionHandle(flag);
  return handle.CurrentValue() != handle.DefaultValue();
}

// --programmes as ids; a usage error names the word that is not one.
absl::StatusOr<std::vector<uint64_t>> ProgrammeIds() {
  std::vector<uint64_t> ids;
  for (const std::string& text : absl::GetFlag(FLAGS_programmes)) {
    uint64_t id = 0;
    if (!absl::SimpleAtoi(text, &id)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--programmes: '", text, "' is not a programme id"));
    }
    ids.push_back(id);
  }
  return ids;
}

std::string Describe(const v1::Venue& venue) {
  std::string text = absl::StrCat(
      "venue ", venue.venue_id(), ": ", venue.name(), "\n",
      "status:      ", v1::VenueStatus_Name(venue.status()), "\n",
      "address:     ", venue.address(), "\n", "siret:       ", venue.siret(),
      "\n", "iban:        ", venue.iban(), " (", venue.bic(), ")\n",
      "programmes:  ", absl::StrJoin(venue.accepted_programme_ids(), ","), "\n",
      "territories: ", absl::StrJoin(venue.accepted_territories(), ","));
  for (const v1::VenueChange& change : venue.history()) {
    absl::StrAppend(&text, "\n", FormatTimestamp(change.changed_at()), " ",
                    change.changed_by(), " changed ", change.field(), ": '",
                    change.old_value(), "' -> '", change.new_value(), "' (",
                    change.reason(), ")");
  }
  return text;
}

int RegisterVenue() {
  absl::StatusOr<std::vector<uint64_t>> ids = ProgrammeIds();
  if (!ids.ok()) return UsageError(std::string(ids.status().message()));
  v1::RegisterVenueRequest request;
  request.set_name(absl::GetFlag(FLAGS_name));
  for (uint64_t id : *ids) request.add_accepted_programme_ids(id);
  for (const std::string& territory : absl::GetFlag(FLAGS_territories)) {
    request.add_accepted_territories(territory);
  }
  request.set_labelled(absl::GetFlag(FLAGS_labelled));
  request.set_address(absl::GetFlag(FLAGS_address));
  request.set_siret(absl::GetFlag(FLAGS_siret));
  request.set_iban(absl::GetFlag(FLAGS_iban));
  request.set_bic(absl::GetFlag(FLAGS_bic));
  v1::Venue response;
  grpc::Status status =
      Stub()->RegisterVenue(NewContext().get(), request, &response);
  if (!status.ok()) return CallFailed(status);
  Print(absl::GetFlag(FLAGS_json), response,
        absl::StrCat("venue ", response.venue_id(), " registered"));
  return kDone;
}

// label-venue, suspend-venue, reinstate-venue.
int ChangeVenueStatus(const std::string& command) {
  v1::VenueRef request;
  request.set_venue_id(absl::GetFlag(FLAGS_venue));
  v1::Venue response;
  auto stub = Stub();
  auto context = NewContext();
  grpc::Status status =
      command == "label-venue"
          ? stub->LabelVenue(context.get(), request, &response)
      : command == "suspend-venue"
          ? stub->SuspendVenue(context.get(), request, &response)
          : stub->ReinstateVenue(context.get(), request, &response);
  if (!status.ok()) return CallFailed(status);
  Print(absl::GetFlag(FLAGS_json), response,
        absl::StrCat("venue ", response.venue_id(), ": ",
                     v1::VenueStatus_Name(response.status())));
  return kDone;
}

int GetVenue() {
  v1::VenueRef request;
  request.set_venue_id(absl::GetFlag(FLAGS_venue));
  v1::Venue response;
  grpc::Status status =
      Stub()->GetVenue(NewContext().get(), request, &response);
  if (!status.ok()) return CallFailed(status);
  Print(absl::GetFlag(FLAGS_json), response, Describe(response));
  return kDone;
}

// Every page, one table.
int ListVenues() {
  v1::ListVenuesRequest request;
  request.set_page_size(1000);
  request.set_territory(absl::GetFlag(FLAGS_territory));
  request.set_programme_id(absl::GetFlag(FLAGS_programme));
  if (const std::string status = absl::GetFlag(FLAGS_status); !status.empty()) {
    v1::VenueStatus value;
    if (!v1::VenueStatus_Parse(
            absl::StrCat("VENUE_STATUS_", absl::AsciiStrToUpper(status)),
            &value)) {
      return UsageError(absl::StrCat(
          "--status: '", status, "' is not labelled, suspended or registered"));
    }
    request.set_status(value);
  }
  v1::ListVenuesResponse all;
  auto stub = Stub();
  do {
    v1::ListVenuesResponse page;
    grpc::Status status = stub->ListVenues(NewContext().get(), request, &page);
    if (!status.ok()) return CallFailed(status);
    all.mutable_venues()->MergeFrom(page.venues());
    request.set_after_venue_id(page.next_after_venue_id());
  } while (request.after_venue_id() != 0);
  std::vector<std::vector<std::string>> rows = {
      {"ID", "NAME", "STATUS", "SIRET", "IBAN", "PROGRAMMES", "TERRITORIES"}};
  for (const v1::Venue& venue : all.venues()) {
    rows.push_back({absl::StrCat(venue.venue_id()), venue.name(),
                    v1::VenueStatus_Name(venue.status()), venue.siret(),
                    venue.iban(),
                    absl::StrJoin(venue.accepted_programme_ids(), ","),
                    absl::StrJoin(venue.accepted_territories(), ",")});
  }
  Print(absl::GetFlag(FLAGS_json), all,
        all.venues().empty() ? "no venue" : FormatTable(rows));
  return kDone;
}

int UpdateVenue() {
  v1::UpdateVenueRequest request;
  request.set_venue_id(absl::GetFlag(FLAGS_venue));
  request.set_reason(absl::GetFlag(FLAGS_reason));
  if (Given(FLAGS_name)) request.set_name(absl::GetFlag(FLAGS_name));
  if (Given(FLAGS_address)) request.set_address(absl::GetFlag(FLAGS_address));
  if (Given(FLAGS_iban)) request.set_iban(absl::GetFlag(FLAGS_iban));
  if (Given(FLAGS_bic)) request.set_bic(absl::GetFlag(FLAGS_bic));
  if (Given(FLAGS_programmes)) {
    absl::StatusOr<std::vector<uint64_t>> ids = ProgrammeIds();
    if (!ids.ok()) return UsageError(std::string(ids.status().message()));
    for (uint64_t id : *ids) {
      request.mutable_accepted_programme_ids()->add_ids(id);
    }
  }
  if (Given(FLAGS_territories)) {
    v1::TerritoryList* territories = request.mutable_accepted_territories();
    for (const std::string& territory : absl::GetFlag(FLAGS_territories)) {
      territories->add_territories(territory);
    }
  }
  v1::Venue response;
  grpc::Status status =
      Stub()->UpdateVenue(NewContext().get(), request, &response);
  if (!status.ok()) return CallFailed(status);
  Print(absl::GetFlag(FLAGS_json), response, Describe(response));
  return kDone;
}

}  // namespace

const std::map<std::string, Command>& VenueCommands() {
  static const auto* commands = new std::map<std::string, Command>{
      {"register-venue",
       {"register-venue --name=N (--programmes=ID[,ID...] | "
        "--territories=T[,T...]) --address=A --siret=S --iban=I --bic=B "
        "[--labelled=false]",
        "Registers a venue, labelled unless --labelled=false, and prints its "
        "id. It accepts the listed programmes and every programme of the "
        "listed territories. A SIRET is registered once."}},
      {"label-venue", {"label-venue --venue=ID", "Labels a registered venue."}},
      {"suspend-venue",
       {"suspend-venue --venue=ID",
        "Suspends a labelled venue: its scans are refused."}},
      {"reinstate-venue",
       {"reinstate-venue --venue=ID", "Reinstates a suspended venue."}},
      {"get-venue",
       {"get-venue --venue=ID",
        "Prints a venue and the history of its changes."}},
      {"list-venues",
       {"list-venues [--territory=T] [--programme=ID] [--status=S]",
        "Lists the venues, optionally of one territory, programme or status "
        "(labelled, suspended, registered)."}},
      {"update-venue",
       {"update-venue --venue=ID --reason=R [--name=N] [--address=A] "
        "[--iban=I] [--bic=B] [--programmes=ID[,ID...]] "
        "[--territories=T[,T...]]",
        "Changes the fields given (the lists replaced whole) and keeps each "
        "change in the venue's history; a new IBAN pays the batches exported "
        "from now on, a resubmitted one included."}},
  };
  return *commands;
}

int RunVenueCommand(const std::string& name) {
  if (name == "register-venue") return RegisterVenue();
  if (name == "get-venue") return GetVenue();
  if (name == "list-venues") return ListVenues();
  if (name == "update-venue") return UpdateVenue();
  return ChangeVenueStatus(name);
}

}  // namespace passclear::passctl
