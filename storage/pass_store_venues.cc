// PassStore's venue records after registration: changes with their
// history, listing, and the rule that a SIRET is registered once.
#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "storage/key_codec.h"
#include "storage/pass_store.h"
#include "storage/record_codec.h"
#include "storage/rocksdb_status.h"
#include "storage/status_macros.h"

namespace passclear::storage {
namespace {

constexpr size_t kMaxReasonBytes = 200;

std::string VenueChangeKey(uint64_t venue_id, uint64_t number) {
  return absl::StrCat(kMetaVenueChangePrefix, IdKey(venue_id), IdKey(number));
}

std::string VenueChangePrefix(uint64_t venue_id) {
  return absl::StrCat(kMetaVenueChangePrefix, IdKey(venue_id));
}

// The fields UpdateVenue may change, as the history writes them.
std::vector<std::pair<std::string, std::string>> ChangeableFields(
    const Venue& venue) {
  return {
      {"name", venue.name},
      {"address", venue.address},
      {"iban", venue.iban},
      {"bic", venue.bic},
      {"accepted_programme_ids",
       absl::StrJoin(venue.accepted_programme_ids, ",")},
      {"accepted_territories", absl::StrJoin(venue.accepted_territories, ",")}};
}

}  // namespace

absl::Status PassStore::CheckSiretsUnusedLocked(
    const std::vector<Venue>& venues) const {
  const bool several = venues.size() > 1;
  // A bulk registration holds up to hundreds of thousands of venues: each
  // SIRET is looked up once, not compared with every earlier one.
  absl::flat_hash_map<absl::string_view, size_t> first_with_siret;
  first_with_siret.reserve(venues.size());
  for (size_t i = 0; i < venues.size(); ++i) {
    const std::string field =
        several ? absl::StrCat("venues[", i, "].siret") : "siret";
    const std::string& siret = venues[i].siret;
    if (std::shared_ptr<const Venue> existing =
            catalog_.FindVenueBySiret(siret)) {
      return absl::AlreadyExistsError(
          absl::StrCat(field, ": SIRET ", siret, " is venue ", existing->id,
                       "'s ('", existing->name,
                       "'); an establishment is registered once: change venue ",
                       existing->id, " with UpdateVenue instead"));
    }
    if (auto [earlier, inserted] = first_with_siret.emplace(siret, i);
        !inserted) {
      return absl::AlreadyExistsError(absl::StrCat(
          field, ": SIRET ", siret, " is also venues[", earlier->second,
          "]'s; an establishment is registered once"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<PassStore::VenueUpdated> PassStore::UpdateVenue(
    uint64_t venue_id, const VenueUpdate& update) {
  if (update.reason.empty() || update.reason.size() > kMaxReasonBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("reason: 1 to ", kMaxReasonBytes, " bytes, got ",
                     update.reason.size()));
  }
  absl::MutexLock lock(&admin_mu_);
  std::shared_ptr<const Venue> current = catalog_.FindVenue(venue_id);
  if (current == nullptr) {
    return absl::NotFoundError(absl::StrCat("venue_id: no venue ", venue_id));
  }
  // Validated as a registration of the changed venue would be.
  VenueSpec spec{
      .name = update.name.value_or(current->name),
      .accepted_programme_ids = update.accepted_programme_ids.value_or(
          current->accepted_programme_ids),
      .accepted_territories =
          update.accepted_territories.value_or(current->accepted_territories),
      .address = update.address.value_or(current->address),
      .siret = current->siret,
      .iban = update.iban.value_or(current->iban),
      .bic = update.bic.value_or(current->bic)};
  ASSIGN_OR_RETURN(Venue changed, VenueFromSpec(spec));
  changed.id = current->id;
  changed.status = current->status;

  ASSIGN_OR_RETURN(std::vector<VenueChange> history, VenueHistory(venue_id));
  const auto before = ChangeableFields(*current);
  const auto after = ChangeableFields(changed);
  const absl::Time now = ToStoredPrecision(Now());
  VenueUpdated updated{.venue = std::move(changed)};
  rocksdb::WriteBatch writes;
  for (size_t i = 0; i < before.size(); ++i) {
    if (before[i].second == after[i].second) continue;
    VenueChange change{.at = now,
                       .changed_by = update.changed_by,
                       .field = before[i].first,
                       .old_value = before[i].second,
                       .new_value = after[i].second,
                       .reason = update.reason};
    writes.Put(
        VenueChangeKey(venue_id, history.size() + updated.changes.size() + 1),
        EncodeVenueChange(change));
    updated.changes.push_back(std::move(change));
  }
  if (updated.changes.empty()) return VenueUpdated{.venue = *current};
  writes.Put(database_->Family(FixedFamily::kVenues), IdKey(venue_id),
             EncodeVenue(updated.venue));
  RETURN_IF_ERROR(database_->WriteSynced(writes, "changing a venue"));
  catalog_.PutVenue(updated.venue);
  return updated;
}

absl::StatusOr<std::vector<VenueChange>> PassStore::VenueHistory(
    uint64_t venue_id) const {
  const std::string prefix = VenueChangePrefix(venue_id);
  std::unique_ptr<rocksdb::Iterator> it(
      database_->db()->NewIterator(rocksdb::ReadOptions()));
  std::vector<VenueChange> changes;
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
       it->Next()) {
    ASSIGN_OR_RETURN(VenueChange change,
                     DecodeVenueChange(absl::string_view(it->value().data(),
                                                         it->value().size())));
    changes.push_back(std::move(change));
  }
  RETURN_IF_ERROR(FromRocksDb(it->status(), "reading a venue's history"));
  return changes;
}

std::vector<std::shared_ptr<const Venue>> PassStore::ListVenues(
    uint64_t after_id, size_t limit, const VenueFilter& filter) const {
  return catalog_.ListVenues(after_id, limit, [&](const Venue& venue) {
    if (filter.status && venue.status != *filter.status) return false;
    if (filter.programme_id &&
        std::find(venue.accepted_programme_ids.begin(),
                  venue.accepted_programme_ids.end(),
                  *filter.programme_id) == venue.accepted_programme_ids.end()) {
      return false;
    }
    return !filter.territory ||
           std::find(venue.accepted_territories.begin(),
                     venue.accepted_territories.end(),
                     *filter.territory) != venue.accepted_territories.end();
  });
}

}  // namespace passclear::storage
