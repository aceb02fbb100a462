#include "storage/catalog.h"

#include <algorithm>

#include "storage/record_codec.h"
#include "storage/rocksdb_status.h"
#include "storage/status_macros.h"

namespace passclear::storage {
namespace {

// Calls `on_value` with every value of `family`.
template <typename OnValue>
absl::Status ForEachValue(const Database& database, FixedFamily family,
                          OnValue on_value) {
  std::unique_ptr<rocksdb::Iterator> it(database.db()->NewIterator(
      rocksdb::ReadOptions(), database.Family(family)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    RETURN_IF_ERROR(
        on_value(absl::string_view(it->value().data(), it->value().size())));
  }
  return FromRocksDb(it->status(), "loading the catalog");
}

}  // namespace

absl::Status Catalog::Load(const Database& database) {
  RETURN_IF_ERROR(ForEachValue(database, FixedFamily::kProgrammes,
                               [this](absl::string_view bytes) -> absl::Status {
                                 ASSIGN_OR_RETURN(Programme programme,
                                                  DecodeProgramme(bytes));
                                 PutProgramme(std::move(programme));
                                 return absl::OkStatus();
                               }));
  RETURN_IF_ERROR(ForEachValue(database, FixedFamily::kVenues,
                               [this](absl::string_view bytes) -> absl::Status {
                                 ASSIGN_OR_RETURN(Venue venue,
                                                  DecodeVenue(bytes));
                                 PutVenue(std::move(venue));
                                 return absl::OkStatus();
                               }));
  return ForEachValue(database, FixedFamily::kIssuances,
                      [this](absl::string_view bytes) -> absl::Status {
                        ASSIGN_OR_RETURN(Issuance issuance,
                                         DecodeIssuance(bytes));
                        PutIssuance(issuance);
                        return absl::OkStatus();
                      });
}

std::shared_ptr<const Programme> Catalog::FindProgramme(uint64_t id) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = programmes_.find(id);
  return it == programmes_.end() ? nullptr : it->second;
}

std::shared_ptr<const Venue> Catalog::FindVenue(uint64_t id) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = venues_.find(id);
  return it == venues_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<const Programme>> Catalog::Programmes() const {
  std::vector<std::shared_ptr<const Programme>> programmes;
  {
    absl::ReaderMutexLock lock(&mu_);
    for (const auto& [id, programme] : programmes_) {
      programmes.push_back(programme);
    }
  }
  std::sort(programmes.begin(), programmes.end(),
            [](const auto& a, const auto& b) { return a->id < b->id; });
  return programmes;
}

std::optional<Issuance> Catalog::FindIssuance(uint64_t serial) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = issuances_.upper_bound(serial);
  if (it == issuances_.begin()) return std::nullopt;
  --it;
  const Issuance& issuance = it->second;
  if (serial - issuance.first_serial >= issuance.count) return std::nullopt;
  return issuance;
}

std::vector<Issuance> Catalog::IssuancesOf(uint64_t programme_id) const {
  absl::MutexLock lock(&mu_);
  std::vector<Issuance> found;
  for (const auto& [first, issuance] : issuances_) {
    if (issuance.programme_id == programme_id) found.push_back(issuance);
  }
  return found;
}

void Catalog::PutIssuance(const Issuance& issuance) {
  absl::MutexLock lock(&mu_);
  issuances_[issuance.first_serial] = issuance;
}

void Catalog::PutProgramme(Programme programme) {
  auto shared = std::make_shared<const Programme>(std::move(programme));
  absl::MutexLock lock(&mu_);
  programmes_[shared->id] = std::move(shared);
}

std::shared_ptr<const Venue> Catalog::FindVenueBySiret(
    absl::string_view siret) const {
  absl::ReaderMutexLock lock(&mu_);
  auto id = venue_by_siret_.find(siret);
  if (id == venue_by_siret_.end()) return nullptr;
  auto venue = venues_.find(id->second);
  return venue == venues_.end() ? nullptr : venue->second;
}

std::vector<std::shared_ptr<const Venue>> Catalog::ListVenues(
    uint64_t after_id, size_t limit,
    const std::function<bool(const Venue&)>& keep) const {
  std::vector<std::shared_ptr<const Venue>> venues;
  absl::ReaderMutexLock lock(&mu_);
  for (auto it = venues_by_id_.upper_bound(after_id);
       it != venues_by_id_.end() && venues.size() < limit; ++it) {
    if (keep(*it->second)) venues.push_back(it->second);
  }
  return venues;
}

void Catalog::PutVenue(Venue venue) {
  auto shared = std::make_shared<const Venue>(std::move(venue));
  absl::MutexLock lock(&mu_);
  // A venue's SIRET never changes. The lowest id keeps a SIRET that older
  // stores gave several venues.
  auto [owner, inserted] = venue_by_siret_.emplace(shared->siret, shared->id);
  if (!inserted && owner->second > shared->id) owner->second = shared->id;
  venues_by_id_[shared->id] = shared;
  venues_[shared->id] = std::move(shared);
}

}  // namespace passclear::storage
