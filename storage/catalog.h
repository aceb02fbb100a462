// The in-memory copy of programmes, venues and issuances, read on every
// redemption.
//
// They are few (a national scheme has about 200,000 venues) and change
// rarely, so the redemption path reads them from memory instead of RocksDB.
// The store loads the catalog at open and updates it after each durable
// admin write.
//
//   std::shared_ptr<const Venue> venue = catalog.FindVenue(7);
//   if (venue == nullptr) { ...unknown venue... }
#ifndef PASSCLEAR_STORAGE_CATALOG_H_
#define PASSCLEAR_STORAGE_CATALOG_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "storage/database.h"
#include "storage/records.h"

namespace passclear::storage {

class Catalog {
 public:
  // Reads every programme and venue of the store.
  [[nodiscard]] absl::Status Load(const Database& database);

  std::shared_ptr<const Programme> FindProgramme(uint64_t id) const;
  std::shared_ptr<const Venue> FindVenue(uint64_t id) const;

  // The venue registered with `siret` (the first one, in a store made
  // before SIRETs had to be unique); nullptr when none is.
  std::shared_ptr<const Venue> FindVenueBySiret(absl::string_view siret) const;
  // Up to `limit` venues with ids above `after_id` that `keep` accepts, by
  // id.
  std::vector<std::shared_ptr<const Venue>> ListVenues(
      uint64_t after_id, size_t limit,
      const std::function<bool(const Venue&)>& keep) const;

  // Every programme, by id.
  std::vector<std::shared_ptr<const Programme>> Programmes() const;

  // The issuance holding `serial`; nullopt when no issuance does.
  std::optional<Issuance> FindIssuance(uint64_t serial) const;
  // Every issuance of a programme, by first serial.
  std::vector<Issuance> IssuancesOf(uint64_t programme_id) const;

  void PutProgramme(Programme programme);
  void PutIssuance(const Issuance& issuance);
  void PutVenue(Venue venue);

 private:
  mutable absl::Mutex mu_;
  absl::flat_hash_map<uint64_t, std::shared_ptr<const Programme>> programmes_
      ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<uint64_t, std::shared_ptr<const Venue>> venues_
      ABSL_GUARDED_BY(mu_);
  // The same venues by id in order (listing), and by SIRET.
  absl::btree_map<uint64_t, std::shared_ptr<const Venue>> venues_by_id_
      ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, uint64_t> venue_by_siret_
      ABSL_GUARDED_BY(mu_);
  std::map<uint64_t, Issuance> issuances_ ABSL_GUARDED_BY(mu_);  // by first
};

}  // namespace passclear::storage

#endif  // PASSCLEAR_STORAGE_CATALOG_H_
