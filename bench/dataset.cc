// passclear-dataset: builds a national-size store to benchmark against and
// the redemption workload to replay on it (passclear-load --workload).
//
//   passclear-dataset --data_dir=/tmp/national --passes=100000000
//       --venues=200000 --requests=1000000 --workload=/tmp/national.workload
//
// The store is opened directly (no server may be running on it). It gets
// one programme per territory, valid now, sharing the passes, and one that
// expired last year holding --expired_share of them; --venues venues spread
// evenly over the territories, each accepting its territory's programmes;
// and enough voided booklets for the voided scans. Passes are bulk-ingested
// (SST files), 10 million per call.
//
// The workload mixes, as issue 7 asks: 95 % first scans of passes drawn
// uniformly over the whole store, 2 % second scans of a pass scanned before,
// 1 % expired passes, 0.5 % serials never issued, 0.5 % counterfeit codes
// (a wrong authenticity tag), 0.5 % voided passes and 0.5 % scans at a venue
// of another territory. The venue of a scan is drawn Zipf (s = 1) among its
// territory's venues. Each venue that appears gets one enrolled terminal,
// whose token the workload file carries.
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench/workload.h"
#include "bench/zipf.h"
#include "server/pass_code.h"
#include "storage/code_tag.h"
#include "storage/identity_store.h"
#include "storage/pass_store.h"
#include "storage/status_macros.h"
#include "storage/venue_identifiers.h"

ABSL_FLAG(std::string, data_dir, "", "the new store's folder (must not exist)");
ABSL_FLAG(uint64_t, passes, 1'000'000, "passes in the store");
ABSL_FLAG(uint32_t, venues, 200'000, "labelled venues");
ABSL_FLAG(uint32_t, territories, 8, "territories, one programme each");
ABSL_FLAG(double, expired_share, 0.01,
          "share of the passes in the programme that expired last year");
ABSL_FLAG(uint32_t, shards, 16, "pass shards (as passclear-server --shards)");
ABSL_FLAG(uint64_t, requests, 200'000, "requests in the workload");
ABSL_FLAG(std::string, workload, "", "the workload file to write");
ABSL_FLAG(uint64_t, seed, 42, "random seed: the same flags give the same data");

namespace passclear {
namespace {

using storage::PassStore;

// Passes issued in one IssueBooklets call: consecutive serials and booklet
// ids, booklets of kBookletSize.
struct IssuedRange {
  uint64_t first_serial = 0;
  uint64_t first_booklet_id = 0;
  uint64_t booklets = 0;
};

constexpr uint32_t kBookletSize = 10;
// First scans between a pass's first scan and its second.
constexpr size_t kSecondScanDistance = 1000;

struct Territory {
  std::string name;
  std::vector<IssuedRange> ranges;
  uint64_t passes = 0;
  std::vector<uint64_t> venue_ids;  // in Zipf rank order: [0] is busiest
};

// What the store holds, as the workload generator needs it.
struct Scheme {
  std::vector<Territory> territories;
  IssuedRange expired;  // in territory 0
  uint64_t last_serial = 0;
};

absl::StatusOr<IssuedRange> Issue(PassStore& store, uint64_t programme_id,
                                  uint64_t passes) {
  IssuedRange range;
  for (uint64_t left = passes / kBookletSize; left > 0;) {
    const uint32_t count = static_cast<uint32_t>(
        std::min<uint64_t>(left, storage::kMaxBookletsPerIssue));
    ASSIGN_OR_RETURN(std::vector<storage::Booklet> booklets,
                     store.IssueBooklets(programme_id, count, kBookletSize));
    if (range.booklets == 0) {
      range.first_serial = booklets.front().first_serial;
      range.first_booklet_id = booklets.front().id;
    }
    // Consecutive calls on an otherwise idle store continue the sequences.
    if (booklets.front().id != range.first_booklet_id + range.booklets ||
        booklets.front().first_serial !=
            range.first_serial + range.booklets * kBookletSize) {
      return absl::InternalError("issued serials are not consecutive");
    }
    range.booklets += count;
    left -= count;
  }
  return range;
}

absl::StatusOr<uint64_t> CreateProgramme(PassStore& store,
                                         const std::string& territory,
                                         absl::Time from, absl::Time until) {
  ASSIGN_OR_RETURN(
      storage::Programme programme,
      store.CreateProgramme(
          {.sponsor = absl::StrCat("Conseil departemental ", territory),
           .name =
               absl::StrCat("Pass Numerique ", territory, " ",
                            absl::FormatTime("%Y", from, absl::UTCTimeZone())),
           .face_value_cents = 1000,
           .valid_from = from,
           .valid_until = until,
           .territory = territory}));
  return programme.id;
}

absl::StatusOr<Scheme> BuildStore(PassStore& store, std::mt19937_64& random) {
  const uint32_t territory_count = absl::GetFlag(FLAGS_territories);
  const uint64_t passes = absl::GetFlag(FLAGS_passes);
  const uint64_t expired_passes =
      static_cast<uint64_t>(passes * absl::GetFlag(FLAGS_expired_share));
  const absl::Time now = absl::Now();
  const absl::Duration year = absl::Hours(24 * 365);
  Scheme scheme;
  scheme.territories.resize(territory_count);
  for (uint32_t t = 0; t < territory_count; ++t) {
    Territory& territory = scheme.territories[t];
    territory.name = absl::StrFormat("FR-%02d", t + 1);
    ASSIGN_OR_RETURN(
        uint64_t programme,
        CreateProgramme(store, territory.name, now - year, now + year));
    territory.passes = (passes - expired_passes) / territory_count;
    ASSIGN_OR_RETURN(IssuedRange range,
                     Issue(store, programme, territory.passes));
    territory.ranges.push_back(range);
    territory.passes = range.booklets * kBookletSize;
  }
  ASSIGN_OR_RETURN(uint64_t expired_programme,
                   CreateProgramme(store, scheme.territories[0].name,
                                   now - 2 * year, now - year));
  ASSIGN_OR_RETURN(scheme.expired,
                   Issue(store, expired_programme, expired_passes));
  scheme.last_serial =
      scheme.expired.first_serial + scheme.expired.booklets * kBookletSize - 1;

  std::vector<storage::VenueSpec> specs;
  for (uint32_t v = 0; v < absl::GetFlag(FLAGS_venues); ++v) {
    specs.push_back(
        {.name = absl::StrCat("Espace numerique ", v + 1),
         .accepted_territories = {scheme.territories[v % territory_count].name},
         .address = "1 place de la Mairie, 79000 Niort",
         .siret = storage::SiretOfNumber(v + 1),
         .iban = "FR7630006000011234567890189",
         .bic = "AGRIFRPP"});
  }
  ASSIGN_OR_RETURN(std::vector<storage::Venue> venues,
                   store.RegisterVenues(specs));
  for (size_t v = 0; v < venues.size(); ++v) {
    scheme.territories[v % territory_count].venue_ids.push_back(venues[v].id);
  }
  // Busy venues are anywhere in the id space, as they would be.
  for (Territory& territory : scheme.territories) {
    std::shuffle(territory.venue_ids.begin(), territory.venue_ids.end(),
                 random);
  }
  return scheme;
}

// Draws the workload's passes and venues; see the file comment for the mix.
class WorkloadDrawer {
 public:
  WorkloadDrawer(PassStore& store, const Scheme& scheme,
                 std::mt19937_64& random)
      : store_(store),
        scheme_(scheme),
        random_(random),
        zipf_(scheme.territories[0].venue_ids.size()) {
    for (const Territory& territory : scheme.territories) {
      active_passes_ += territory.passes;
    }
  }

  absl::Status VoidBooklets(uint64_t count) {
    for (uint64_t i = 0; i < count; ++i) {
      const auto [territory, serial] = UniformActive();
      const IssuedRange& range = scheme_.territories[territory].ranges[0];
      const uint64_t booklet = (serial - range.first_serial) / kBookletSize;
      RETURN_IF_ERROR(store_
                          .VoidBooklet(range.first_booklet_id + booklet,
                                       "benchmark data set: reported lost")
                          .status());
      const uint64_t first = range.first_serial + booklet * kBookletSize;
      voided_.push_back({territory, first});
      voided_first_serials_.insert(first);
    }
    return absl::OkStatus();
  }

  absl::StatusOr<WorkloadRequest> Next() {
    const double draw = std::uniform_real_distribution<double>(0, 100)(random_);
    // A second scan names a pass scanned well before it, so that replaying
    // clients never send it ahead of the first.
    if (draw < 95 || first_scans_.size() <= kSecondScanDistance) {
      return FirstScan();
    }
    if (draw < 97) {
      const WorkloadRequest& first =
          first_scans_[Below(first_scans_.size() - kSecondScanDistance)];
      return WorkloadRequest{first.code, first.venue_id,
                             "REDEEM_RESULT_ALREADY_REDEEMED"};
    }
    if (draw < 98) {
      const uint64_t serial = scheme_.expired.first_serial +
                              Below(scheme_.expired.booklets * kBookletSize);
      return Request(serial, Venue(0), "REDEEM_RESULT_EXPIRED");
    }
    if (draw < 98.5) {
      const uint64_t serial = scheme_.last_serial + 1 + Below(1'000'000'000);
      return WorkloadRequest{
          FormatPassCode(
              {.serial = serial, .tag = Below(storage::kTagModulus)}),
          Venue(0), "REDEEM_RESULT_UNKNOWN_SERIAL"};
    }
    if (draw < 99) {
      const auto [territory, serial] = UnusedActive();
      ASSIGN_OR_RETURN(uint64_t tag, store_.TagFor(serial));
      const uint64_t forged =
          (tag + 1 + Below(storage::kTagModulus - 1)) % storage::kTagModulus;
      return WorkloadRequest{FormatPassCode({.serial = serial, .tag = forged}),
                             Venue(territory), "REDEEM_RESULT_COUNTERFEIT"};
    }
    if (draw < 99.5) {
      const auto [territory, first] = voided_[Below(voided_.size())];
      return Request(first + Below(kBookletSize), Venue(territory),
                     "REDEEM_RESULT_VOIDED");
    }
    const auto [territory, serial] = UnusedActive();
    const size_t other =
        (territory + 1 + Below(scheme_.territories.size() - 1)) %
        scheme_.territories.size();
    return Request(serial, Venue(other), "REDEEM_RESULT_VENUE_NOT_ALLOWED");
  }

 private:
  uint64_t Below(uint64_t bound) {
    return std::uniform_int_distribution<uint64_t>(0, bound - 1)(random_);
  }

  uint64_t Venue(size_t territory) {
    return scheme_.territories[territory].venue_ids[zipf_.Next(random_)];
  }

  // A pass of an active programme, uniformly over all of them.
  std::pair<size_t, uint64_t> UniformActive() {
    uint64_t index = Below(active_passes_);
    for (size_t t = 0;; ++t) {
      const Territory& territory = scheme_.territories[t];
      if (index < territory.passes) {
        return {t, territory.ranges[0].first_serial + index};
      }
      index -= territory.passes;
    }
  }

  // An active pass no request redeemed or named before, and not voided.
  std::pair<size_t, uint64_t> UnusedActive() {
    while (true) {
      const auto [territory, serial] = UniformActive();
      const IssuedRange& range = scheme_.territories[territory].ranges[0];
      const uint64_t booklet_first =
          serial - (serial - range.first_serial) % kBookletSize;
      if (voided_first_serials_.contains(booklet_first)) continue;
      if (used_.insert(serial).second) return {territory, serial};
    }
  }

  absl::StatusOr<WorkloadRequest> Request(uint64_t serial, uint64_t venue_id,
                                          std::string expected) {
    ASSIGN_OR_RETURN(uint64_t tag, store_.TagFor(serial));
    return WorkloadRequest{FormatPassCode({.serial = serial, .tag = tag}),
                           venue_id, std::move(expected)};
  }

  absl::StatusOr<WorkloadRequest> FirstScan() {
    const auto [territory, serial] = UnusedActive();
    ASSIGN_OR_RETURN(
        WorkloadRequest request,
        Request(serial, Venue(territory), "REDEEM_RESULT_REDEEMED"));
    first_scans_.push_back(request);
    return request;
  }

  PassStore& store_;
  const Scheme& scheme_;
  std::mt19937_64& random_;
  const Zipf zipf_;
  uint64_t active_passes_ = 0;
  absl::flat_hash_set<uint64_t> used_;
  std::vector<std::pair<size_t, uint64_t>> voided_;  // territory, first serial
  absl::flat_hash_set<uint64_t> voided_first_serials_;
  std::vector<WorkloadRequest> first_scans_;
};

// One enrolled, activated terminal per venue the requests name.
absl::Status EnrolTerminals(const PassStore& store, Workload& workload) {
  ASSIGN_OR_RETURN(std::unique_ptr<storage::IdentityStore> identities,
                   storage::IdentityStore::Open(store.database(),
                                                [] { return absl::Now(); }));
  for (const WorkloadRequest& request : workload.requests) {
    if (workload.terminals.contains(request.venue_id)) continue;
    const std::string terminal_id = absl::StrCat("V", request.venue_id, "-T1");
    ASSIGN_OR_RETURN(storage::Enrolment enrolment,
                     identities->EnrollTerminal(terminal_id, request.venue_id));
    ASSIGN_OR_RETURN(storage::IssuedCredential credential,
                     identities->ActivateTerminal(enrolment.activation_code));
    workload.terminals[request.venue_id] = {terminal_id, credential.token};
  }
  return absl::OkStatus();
}

absl::Status Run() {
  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  const std::string workload_path = absl::GetFlag(FLAGS_workload);
  if (data_dir.empty() || workload_path.empty()) {
    return absl::InvalidArgumentError("--data_dir and --workload are required");
  }
  if (absl::GetFlag(FLAGS_territories) < 2 ||
      absl::GetFlag(FLAGS_venues) < absl::GetFlag(FLAGS_territories)) {
    return absl::InvalidArgumentError(
        "--territories: at least 2, and at most --venues");
  }
  if (std::filesystem::exists(data_dir)) {
    return absl::AlreadyExistsError(absl::StrCat(
        "--data_dir: ", data_dir, " exists; the store must be new"));
  }
  std::mt19937_64 random(absl::GetFlag(FLAGS_seed));
  const absl::Time began = absl::Now();
  ASSIGN_OR_RETURN(
      std::unique_ptr<PassStore> store,
      PassStore::Open(
          {.path = data_dir, .shard_count = absl::GetFlag(FLAGS_shards)}));
  ASSIGN_OR_RETURN(Scheme scheme, BuildStore(*store, random));
  const absl::Time built = absl::Now();

  const uint64_t requests = absl::GetFlag(FLAGS_requests);
  WorkloadDrawer drawer(*store, scheme, random);
  RETURN_IF_ERROR(drawer.VoidBooklets(requests / 200 / kBookletSize + 1));
  Workload workload;
  workload.requests.reserve(requests);
  for (uint64_t i = 0; i < requests; ++i) {
    ASSIGN_OR_RETURN(WorkloadRequest request, drawer.Next());
    workload.requests.push_back(std::move(request));
  }
  RETURN_IF_ERROR(EnrolTerminals(*store, workload));
  RETURN_IF_ERROR(WriteWorkload(workload_path, workload));
  store.reset();  // a clean close: the server opens it next
  std::cout << absl::StrFormat(
      "store of %d passes, %d venues built in %.1f s; workload of %d "
      "requests, %d terminals, in %.1f s\n",
      scheme.last_serial, absl::GetFlag(FLAGS_venues),
      absl::ToDoubleSeconds(built - began), workload.requests.size(),
      workload.terminals.size(), absl::ToDoubleSeconds(absl::Now() - built));
  return absl::OkStatus();
}

}  // namespace
}  // namespace passclear

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  if (absl::Status status = passclear::Run(); !status.ok()) {
    std::cerr << "passclear-dataset: " << status.message() << "\n";
    return 1;
  }
  return 0;
}
