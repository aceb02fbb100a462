// PassStore's admin calls: programmes, booklets, venues and voiding. Each
// validates its whole input first, then writes everything in one synced
// WriteBatch; voiding goes through the writer lanes, one pass at a time.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/blocking_counter.h"
#include "storage/code_tag.h"
#include "storage/key_codec.h"
#include "storage/pass_store.h"
#include "storage/record_codec.h"
#include "storage/record_writers.h"
#include "storage/redeem_rules.h"
#include "storage/rocksdb_status.h"
#include "storage/status_macros.h"
#include "storage/usage_counters.h"
#include "storage/venue_identifiers.h"

namespace passclear::storage {
namespace {

constexpr size_t kMaxNameBytes = 200;
constexpr int64_t kMaxFaceValueCents = 100'000;
constexpr absl::Duration kDefaultGracePeriod = absl::Hours(24 * 31);
constexpr absl::Duration kMaxGracePeriod = absl::Hours(24 * 366);
constexpr size_t kMaxAcceptedProgrammes = 1000;
constexpr absl::Duration kDefaultDistributionStop = absl::Hours(24 * 15);

// After closing, a programme is only read, cleared and refunded.
absl::Status RefuseIfClosed(const Programme& programme,
                            absl::string_view refused) {
  if (!programme.closed_at) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "programme ", programme.id, " was closed on ",
      FormatUtc(*programme.closed_at), ": ", refused,
      " is refused; after closing only reading, clearing what was redeemed "
      "and the refund remain"));
}

absl::Status CheckName(absl::string_view field, absl::string_view value) {
  if (value.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": required"));
  }
  if (value.size() > kMaxNameBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": at most ", kMaxNameBytes, " bytes, got ", value.size()));
  }
  return absl::OkStatus();
}

absl::string_view VenueStatusName(VenueStatus status) {
  switch (status) {
    case VenueStatus::kRegistered:
      return "registered (not labelled)";
    case VenueStatus::kLabelled:
      return "labelled";
    case VenueStatus::kSuspended:
      return "suspended";
  }
  return "unknown";
}

}  // namespace

absl::StatusOr<Programme> PassStore::CreateProgramme(
    const ProgrammeSpec& spec) {
  RETURN_IF_ERROR(CheckName("sponsor", spec.sponsor));
  RETURN_IF_ERROR(CheckName("name", spec.name));
  if (!spec.territory.empty()) {
    RETURN_IF_ERROR(CheckName("territory", spec.territory));
  }
  if (spec.face_value_cents < 1 || spec.face_value_cents > kMaxFaceValueCents) {
    return absl::InvalidArgumentError(
        absl::StrCat("face_value_cents: must be between 1 and ",
                     kMaxFaceValueCents, ", got ", spec.face_value_cents));
  }
  if (spec.valid_from == absl::InfinitePast()) {
    return absl::InvalidArgumentError("valid_from: required");
  }
  if (spec.valid_until == absl::InfinitePast()) {
    return absl::InvalidArgumentError("valid_until: required");
  }
  if (spec.valid_until <= spec.valid_from) {
    return absl::InvalidArgumentError(absl::StrCat(
        "valid_until: must be after valid_from (", FormatUtc(spec.valid_from),
        "), got ", FormatUtc(spec.valid_until)));
  }
  // Whole seconds, as stored: the programme must judge alike after a restart.
  const absl::Duration grace = absl::Trunc(
      spec.grace_period.value_or(kDefaultGracePeriod), absl::Seconds(1));
  if (grace < absl::ZeroDuration() || grace > kMaxGracePeriod) {
    return absl::InvalidArgumentError(
        absl::StrCat("grace_period_seconds: must be between 0 and ",
                     absl::ToInt64Seconds(kMaxGracePeriod), ", got ",
                     absl::ToInt64Seconds(grace)));
  }

  const absl::Duration stop =
      absl::Trunc(spec.distribution_stop.value_or(kDefaultDistributionStop),
                  absl::Seconds(1));
  // The default applies as it is, even to a programme shorter than it
  // (whose booklets then cannot be handed out); a chosen period must fit.
  if (spec.distribution_stop && (stop < absl::ZeroDuration() ||
                                 stop > spec.valid_until - spec.valid_from)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "distribution_stop_days: must be between 0 and the validity period (",
        absl::ToInt64Hours(spec.valid_until - spec.valid_from) / 24,
        " days), got ", absl::ToInt64Hours(stop) / 24));
  }

  absl::MutexLock lock(&admin_mu_);
  Programme programme{
      .id = next_programme_id_,
      .sponsor = spec.sponsor,
      .name = spec.name,
      .face_value_cents = spec.face_value_cents,
      .valid_from = ToStoredPrecision(spec.valid_from),
      .valid_until = ToStoredPrecision(spec.valid_until),
      .grace_period = grace,
      .keys = {{.version = 1, .secret = NewKeySecret(next_programme_id_, 1)}},
      .territory = spec.territory,
      .distribution_stop = stop};
  rocksdb::WriteBatch batch;
  batch.Put(database_->Family(FixedFamily::kProgrammes), IdKey(programme.id),
            EncodeProgramme(programme));
  batch.Put(kMetaNextProgrammeId, EncodeMetaNumber(programme.id + 1));
  RETURN_IF_ERROR(database_->WriteSynced(batch, "creating a programme"));
  next_programme_id_ = programme.id + 1;
  catalog_.PutProgramme(programme);
  return programme;
}

absl::StatusOr<Programme> PassStore::ExtendProgramme(
    uint64_t programme_id, absl::Time valid_until,
    const std::string& reference) {
  RETURN_IF_ERROR(CheckName("reference", reference));
  absl::MutexLock lock(&admin_mu_);
  std::shared_ptr<const Programme> current =
      catalog_.FindProgramme(programme_id);
  if (current == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("programme_id: no programme ", programme_id));
  }
  if (current->closed_at) {
    return absl::FailedPreconditionError(absl::StrCat(
        "programme ", programme_id, " was closed on ",
        FormatUtc(*current->closed_at), "; it cannot be extended"));
  }
  valid_until = ToStoredPrecision(valid_until);
  if (valid_until <= current->valid_until) {
    return absl::InvalidArgumentError(absl::StrCat(
        "valid_until: an extension must end after the current end (",
        FormatUtc(current->valid_until), "), got ", FormatUtc(valid_until)));
  }
  Programme extended = *current;
  extended.amendments.push_back({.reference = reference,
                                 .recorded_at = ToStoredPrecision(Now()),
                                 .previous_valid_until = current->valid_until,
                                 .valid_until = valid_until});
  extended.valid_until = valid_until;
  RETURN_IF_ERROR(WriteProgrammeLocked(extended, "extending a programme"));
  return extended;
}

absl::StatusOr<Programme> PassStore::CloseProgramme(uint64_t programme_id) {
  absl::MutexLock lock(&admin_mu_);
  std::shared_ptr<const Programme> current =
      catalog_.FindProgramme(programme_id);
  if (current == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("programme_id: no programme ", programme_id));
  }
  if (current->closed_at) return *current;  // closing twice changes nothing
  Programme closed = *current;
  closed.closed_at = ToStoredPrecision(Now());
  RETURN_IF_ERROR(WriteProgrammeLocked(closed, "closing a programme"));
  return closed;
}

absl::Status PassStore::WriteProgrammeLocked(const Programme& programme,
                                             absl::string_view what) {
  rocksdb::WriteBatch batch;
  batch.Put(database_->Family(FixedFamily::kProgrammes), IdKey(programme.id),
            EncodeProgramme(programme));
  RETURN_IF_ERROR(database_->WriteSynced(batch, what));
  catalog_.PutProgramme(programme);
  return absl::OkStatus();
}

absl::StatusOr<UsageReport> PassStore::Usage(uint64_t programme_id) const {
  std::shared_ptr<const Programme> programme =
      catalog_.FindProgramme(programme_id);
  if (programme == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("programme_id: no programme ", programme_id));
  }
  ASSIGN_OR_RETURN(ProgrammeCounters counters,
                   ReadProgrammeCounters(*database_, programme_id));
  return SummariseUsage(*programme, std::move(counters),
                        ToStoredPrecision(Now()));
}

absl::StatusOr<Programme> PassStore::RotateProgrammeKey(uint64_t programme_id) {
  absl::MutexLock lock(&admin_mu_);
  std::shared_ptr<const Programme> current =
      catalog_.FindProgramme(programme_id);
  if (current == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("programme_id: no programme ", programme_id));
  }
  RETURN_IF_ERROR(RefuseIfClosed(*current, "a new key"));
  Programme rotated = *current;
  const uint32_t version =
      rotated.keys.empty() ? 1 : rotated.keys.back().version + 1;
  rotated.keys.push_back(
      {.version = version, .secret = NewKeySecret(rotated.id, version)});
  RETURN_IF_ERROR(WriteProgrammeLocked(rotated, "adding a programme key"));
  return rotated;
}

absl::StatusOr<std::vector<Booklet>> PassStore::IssueBooklets(
    uint64_t programme_id, uint32_t booklet_count, uint32_t booklet_size) {
  std::shared_ptr<const Programme> programme =
      catalog_.FindProgramme(programme_id);
  if (programme == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("programme_id: no programme ", programme_id));
  }
  RETURN_IF_ERROR(RefuseIfClosed(*programme, "issuing booklets"));
  if (booklet_count < 1 || booklet_count > kMaxBookletsPerIssue) {
    return absl::InvalidArgumentError(
        absl::StrCat("booklet_count: must be between 1 and ",
                     kMaxBookletsPerIssue, ", got ", booklet_count));
  }
  if (booklet_size != 5 && booklet_size != 10) {
    return absl::InvalidArgumentError(absl::StrCat(
        "booklet_size: must be 10, or 5 for seniors' booklets, got ",
        booklet_size));
  }

  absl::MutexLock lock(&admin_mu_);
  const uint64_t pass_count = uint64_t{booklet_count} * booklet_size;
  if (next_serial_ + pass_count - 1 > kMaxSerial) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "the 12-digit serial space has ", kMaxSerial - next_serial_ + 1,
        " serials left; ", pass_count, " were requested"));
  }
  // Large issuances are written as SST files and ingested: no WAL, no
  // memtable. Both ways are atomic and durable.
  std::unique_ptr<RecordWriter> writer;
  if (pass_count >= kBulkIssueThreshold) {
    ASSIGN_OR_RETURN(writer, IngestRecordWriter::Create(*database_));
  } else {
    writer = std::make_unique<BatchRecordWriter>(*database_);
  }
  // Every family's keys are written in ascending order, as SST files need:
  // booklet ids and serials grow, and "next_booklet_id" < "next_serial".
  std::vector<Booklet> booklets;
  booklets.reserve(booklet_count);
  uint64_t serial = next_serial_;
  int64_t owned_passes = 0;
  for (uint32_t i = 0; i < booklet_count; ++i) {
    Booklet booklet{.id = next_booklet_id_ + i,
                    .programme_id = programme_id,
                    .first_serial = serial,
                    .size = booklet_size};
    RETURN_IF_ERROR(writer->Put(database_->Family(FixedFamily::kBooklets),
                                IdKey(booklet.id), EncodeBooklet(booklet)));
    const std::string pass =
        EncodePass({.programme_id = programme_id, .booklet_id = booklet.id});
    for (uint32_t j = 0; j < booklet_size; ++j, ++serial) {
      if (!OwnsSerial(serial)) continue;  // another instance's
      RETURN_IF_ERROR(
          writer->Put(database_->PassFamily(serial), PassKey(serial), pass));
      ++owned_passes;
    }
    booklets.push_back(booklet);
  }
  // The programme's current key, read under the admin lock so that a
  // concurrent rotation is either wholly before or after this issuance.
  const Issuance issuance{
      .first_serial = next_serial_,
      .count = pass_count,
      .programme_id = programme_id,
      .key_version = catalog_.FindProgramme(programme_id)->keys.back().version};
  RETURN_IF_ERROR(writer->Put(database_->Family(FixedFamily::kIssuances),
                              IdKey(issuance.first_serial),
                              EncodeIssuance(issuance)));
  RETURN_IF_ERROR(writer->Merge(database_->Family(FixedFamily::kUsage),
                                UsageKey(programme_id, UsageCounter::kIssued),
                                EncodeUsageDelta(owned_passes)));
  rocksdb::ColumnFamilyHandle* meta = database_->Family(FixedFamily::kMeta);
  RETURN_IF_ERROR(
      writer->Put(meta, kMetaNextBookletId,
                  EncodeMetaNumber(next_booklet_id_ + booklet_count)));
  RETURN_IF_ERROR(writer->Put(meta, kMetaNextSerial, EncodeMetaNumber(serial)));
  RETURN_IF_ERROR(writer->Commit());
  next_booklet_id_ += booklet_count;
  next_serial_ = serial;
  catalog_.PutIssuance(issuance);
  return booklets;
}

absl::StatusOr<Venue> PassStore::VenueFromSpec(const VenueSpec& spec) const {
  const std::vector<uint64_t>& programme_ids = spec.accepted_programme_ids;
  RETURN_IF_ERROR(CheckName("name", spec.name));
  RETURN_IF_ERROR(CheckName("address", spec.address));
  RETURN_IF_ERROR(CheckSiret("siret", spec.siret));
  ASSIGN_OR_RETURN(std::string iban, NormalizeIban("iban", spec.iban));
  RETURN_IF_ERROR(CheckBic("bic", spec.bic));
  const std::vector<std::string>& territories = spec.accepted_territories;
  if (programme_ids.empty() && territories.empty()) {
    return absl::InvalidArgumentError(
        "accepted_programme_ids: at least one programme, or one of "
        "accepted_territories, is required");
  }
  if (territories.size() > kMaxAcceptedProgrammes) {
    return absl::InvalidArgumentError(
        absl::StrCat("accepted_territories: at most ", kMaxAcceptedProgrammes,
                     ", got ", territories.size()));
  }
  for (size_t i = 0; i < territories.size(); ++i) {
    RETURN_IF_ERROR(CheckName("accepted_territories", territories[i]));
    for (size_t j = 0; j < i; ++j) {
      if (territories[j] == territories[i]) {
        return absl::InvalidArgumentError(absl::StrCat(
            "accepted_territories: '", territories[i], "' is listed twice"));
      }
    }
  }
  if (programme_ids.size() > kMaxAcceptedProgrammes) {
    return absl::InvalidArgumentError(
        absl::StrCat("accepted_programme_ids: at most ", kMaxAcceptedProgrammes,
                     ", got ", programme_ids.size()));
  }
  for (size_t i = 0; i < programme_ids.size(); ++i) {
    if (catalog_.FindProgramme(programme_ids[i]) == nullptr) {
      return absl::NotFoundError(absl::StrCat(
          "accepted_programme_ids: no programme ", programme_ids[i]));
    }
    for (size_t j = 0; j < i; ++j) {
      if (programme_ids[j] == programme_ids[i]) {
        return absl::InvalidArgumentError(
            absl::StrCat("accepted_programme_ids: programme ", programme_ids[i],
                         " is listed twice"));
      }
    }
  }
  return Venue{.name = spec.name,
               .status = spec.labelled ? VenueStatus::kLabelled
                                       : VenueStatus::kRegistered,
               .accepted_programme_ids = programme_ids,
               .accepted_territories = territories,
               .address = spec.address,
               .siret = spec.siret,
               .iban = std::move(iban),
               .bic = spec.bic};
}

absl::StatusOr<Venue> PassStore::RegisterVenue(const VenueSpec& spec) {
  ASSIGN_OR_RETURN(Venue venue, VenueFromSpec(spec));
  ASSIGN_OR_RETURN(std::vector<Venue> registered,
                   WriteNewVenues({std::move(venue)}));
  return std::move(registered.front());
}

absl::StatusOr<std::vector<Venue>> PassStore::RegisterVenues(
    const std::vector<VenueSpec>& specs) {
  if (specs.empty() || specs.size() > kMaxVenuesPerRegistration) {
    return absl::InvalidArgumentError(
        absl::StrCat("venues: 1 to ", kMaxVenuesPerRegistration,
                     " per registration, got ", specs.size()));
  }
  std::vector<Venue> venues;
  venues.reserve(specs.size());
  for (size_t i = 0; i < specs.size(); ++i) {
    absl::StatusOr<Venue> venue = VenueFromSpec(specs[i]);
    if (!venue.ok()) {
      return absl::Status(
          venue.status().code(),
          absl::StrCat("venues[", i, "].", venue.status().message()));
    }
    venues.push_back(*std::move(venue));
  }
  return WriteNewVenues(std::move(venues));
}

absl::StatusOr<std::vector<Venue>> PassStore::WriteNewVenues(
    std::vector<Venue> venues) {
  absl::MutexLock lock(&admin_mu_);
  RETURN_IF_ERROR(CheckSiretsUnusedLocked(venues));
  rocksdb::WriteBatch batch;
  uint64_t id = next_venue_id_;
  for (Venue& venue : venues) {
    venue.id = id++;
    batch.Put(database_->Family(FixedFamily::kVenues), IdKey(venue.id),
              EncodeVenue(venue));
  }
  batch.Put(kMetaNextVenueId, EncodeMetaNumber(id));
  RETURN_IF_ERROR(database_->WriteSynced(batch, "registering venues"));
  next_venue_id_ = id;
  for (const Venue& venue : venues) catalog_.PutVenue(venue);
  return venues;
}

absl::StatusOr<Venue> PassStore::LabelVenue(uint64_t venue_id) {
  return ChangeVenueStatus(venue_id, VenueStatus::kRegistered,
                           VenueStatus::kLabelled);
}

absl::StatusOr<Venue> PassStore::SuspendVenue(uint64_t venue_id) {
  return ChangeVenueStatus(venue_id, VenueStatus::kLabelled,
                           VenueStatus::kSuspended);
}

absl::StatusOr<Venue> PassStore::ReinstateVenue(uint64_t venue_id) {
  return ChangeVenueStatus(venue_id, VenueStatus::kSuspended,
                           VenueStatus::kLabelled);
}

absl::StatusOr<Venue> PassStore::ChangeVenueStatus(uint64_t venue_id,
                                                   VenueStatus from,
                                                   VenueStatus to) {
  // Under the admin lock: two changes of one venue never interleave.
  absl::MutexLock lock(&admin_mu_);
  std::shared_ptr<const Venue> current = catalog_.FindVenue(venue_id);
  if (current == nullptr) {
    return absl::NotFoundError(absl::StrCat("venue_id: no venue ", venue_id));
  }
  if (current->status != from) {
    return absl::FailedPreconditionError(absl::StrCat(
        "venue ", venue_id, " is ", VenueStatusName(current->status), ", not ",
        VenueStatusName(from)));
  }
  Venue changed = *current;
  changed.status = to;
  rocksdb::WriteBatch batch;
  batch.Put(database_->Family(FixedFamily::kVenues), IdKey(venue_id),
            EncodeVenue(changed));
  RETURN_IF_ERROR(database_->WriteSynced(batch, "changing a venue's status"));
  catalog_.PutVenue(changed);
  return changed;
}

absl::StatusOr<std::vector<VoidOutcome>> PassStore::VoidPass(
    uint64_t serial, const std::string& reason) {
  if (!OwnsSerial(serial)) return NotOwnedError(serial);
  return VoidSerials(serial, 1, reason);
}

absl::StatusOr<std::vector<VoidOutcome>> PassStore::VoidBooklet(
    uint64_t booklet_id, const std::string& reason) {
  ASSIGN_OR_RETURN(Booklet booklet, ReadBooklet(booklet_id));
  return VoidSerials(booklet.first_serial, booklet.size, reason);
}

absl::StatusOr<std::vector<Booklet>> PassStore::ListBooklets(
    uint64_t first_booklet_id, size_t limit) const {
  std::unique_ptr<rocksdb::Iterator> it(database_->db()->NewIterator(
      rocksdb::ReadOptions(), database_->Family(FixedFamily::kBooklets)));
  std::vector<Booklet> booklets;
  for (it->Seek(IdKey(first_booklet_id));
       it->Valid() && booklets.size() < limit; it->Next()) {
    ASSIGN_OR_RETURN(Booklet booklet,
                     DecodeBooklet(absl::string_view(it->value().data(),
                                                     it->value().size())));
    booklets.push_back(std::move(booklet));
  }
  RETURN_IF_ERROR(FromRocksDb(it->status(), "listing booklets"));
  return booklets;
}

absl::StatusOr<Booklet> PassStore::ReadBooklet(uint64_t booklet_id) const {
  std::string bytes;
  rocksdb::Status read = database_->db()->Get(
      rocksdb::ReadOptions(), database_->Family(FixedFamily::kBooklets),
      IdKey(booklet_id), &bytes);
  if (read.IsNotFound()) {
    return absl::NotFoundError(
        absl::StrCat("booklet_id: no booklet ", booklet_id));
  }
  RETURN_IF_ERROR(FromRocksDb(read, "reading a booklet"));
  return DecodeBooklet(bytes);
}

absl::StatusOr<Booklet> PassStore::AllocateBooklet(
    uint64_t booklet_id, const std::string& distributor_name,
    const std::string& distributor_reference) {
  RETURN_IF_ERROR(CheckName("distributor_name", distributor_name));
  RETURN_IF_ERROR(CheckName("distributor_reference", distributor_reference));
  absl::MutexLock lock(&admin_mu_);
  ASSIGN_OR_RETURN(Booklet booklet, ReadBooklet(booklet_id));
  if (booklet.distributor) {
    return absl::FailedPreconditionError(absl::StrCat(
        "booklet ", booklet_id, " was handed to ", booklet.distributor->name,
        " (", booklet.distributor->reference, ") on ",
        FormatUtc(booklet.distributor->allocated_at),
        "; take it back to the reserve first"));
  }
  RETURN_IF_ERROR(CheckDistributable(booklet));
  booklet.distributor = Distributor{.name = distributor_name,
                                    .reference = distributor_reference,
                                    .allocated_at = ToStoredPrecision(Now())};
  const Distributor distributor = *booklet.distributor;
  const int64_t passes = OwnedPasses(booklet);
  return WriteAllocationLocked(std::move(booklet), distributor, passes,
                               "allocating a booklet");
}

int64_t PassStore::OwnedPasses(const Booklet& booklet) const {
  int64_t owned = 0;
  for (uint64_t serial = booklet.first_serial;
       serial < booklet.first_serial + booklet.size; ++serial) {
    if (OwnsSerial(serial)) ++owned;
  }
  return owned;
}

absl::Status PassStore::CheckDistributable(const Booklet& booklet) const {
  std::shared_ptr<const Programme> programme =
      catalog_.FindProgramme(booklet.programme_id);
  if (programme == nullptr) {
    return absl::DataLossError(absl::StrCat("booklet ", booklet.id,
                                            " names no programme (",
                                            booklet.programme_id, ")"));
  }
  RETURN_IF_ERROR(RefuseIfClosed(*programme, "handing out a booklet"));
  if (Now() >= programme->distribution_ends()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "programme ", programme->id, " is valid until ",
        FormatUtc(programme->valid_until), ": distribution stopped on ",
        FormatUtc(programme->distribution_ends()), ", ",
        FormatDays(programme->distribution_stop),
        " before the end, so that holders can still use their passes; "
        "extend the programme by amendment to hand out more"));
  }
  // A booklet reported lost or stolen (its passes voided) stays out of
  // circulation: handed out, its passes would count as distributed.
  // Each instance judges the passes it owns.
  ASSIGN_OR_RETURN(BookletPasses passes, CountBookletPasses(booklet));
  if (!passes.voided_serials.empty()) {
    std::vector<std::string> serials;
    for (uint64_t serial : passes.voided_serials) {
      serials.push_back(FormatSerial(serial));
    }
    return absl::FailedPreconditionError(
        absl::StrCat("booklet ", booklet.id, " holds voided passes (",
                     absl::StrJoin(serials, ", "),
                     "): a booklet reported lost or stolen is not handed out"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Booklet> PassStore::ReturnBooklet(uint64_t booklet_id) {
  absl::MutexLock lock(&admin_mu_);
  ASSIGN_OR_RETURN(Booklet booklet, ReadBooklet(booklet_id));
  if (!booklet.distributor) {
    return absl::FailedPreconditionError(absl::StrCat(
        "booklet ", booklet_id, " is already in the sponsor's reserve"));
  }
  const Distributor distributor = *booklet.distributor;
  const int64_t passes = OwnedPasses(booklet);
  booklet.distributor.reset();
  return WriteAllocationLocked(std::move(booklet), distributor, -passes,
                               "returning a booklet");
}

absl::StatusOr<Booklet> PassStore::WriteAllocationLocked(
    Booklet booklet, const Distributor& distributor, int64_t passes,
    absl::string_view what) {
  rocksdb::WriteBatch batch;
  batch.Put(database_->Family(FixedFamily::kBooklets), IdKey(booklet.id),
            EncodeBooklet(booklet));
  rocksdb::ColumnFamilyHandle* usage = database_->Family(FixedFamily::kUsage);
  const std::string delta = EncodeUsageDelta(passes);
  batch.Merge(usage, UsageKey(booklet.programme_id, UsageCounter::kAllocated),
              delta);
  batch.Merge(usage,
              DistributorPassesKey(booklet.programme_id, distributor.reference),
              delta);
  batch.Put(usage,
            DistributorNameKey(booklet.programme_id, distributor.reference),
            EncodeDistributorName(distributor.name));
  RETURN_IF_ERROR(database_->WriteSynced(batch, what));
  return booklet;
}

absl::StatusOr<std::vector<VoidOutcome>> PassStore::VoidSerials(
    uint64_t first_serial, uint32_t count, const std::string& reason) {
  RETURN_IF_ERROR(CheckName("reason", reason));
  // The other serials are other instances' to void.
  std::vector<uint64_t> serials;
  for (uint64_t serial = first_serial; serial < first_serial + count;
       ++serial) {
    if (OwnsSerial(serial)) serials.push_back(serial);
  }
  std::vector<absl::StatusOr<VoidOutcome>> results(serials.size());
  absl::BlockingCounter pending(static_cast<int>(serials.size()));
  for (size_t i = 0; i < serials.size(); ++i) {
    LaneFor(serials[i])
        .Submit(std::make_unique<VoidOperation>(
            operation_context_,
            VoidCommand{.serial = serials[i], .reason = reason},
            [&results, &pending, i](absl::StatusOr<VoidOutcome> outcome) {
              results[i] = std::move(outcome);
              pending.DecrementCount();
            }));
  }
  pending.Wait();
  std::vector<VoidOutcome> outcomes;
  for (absl::StatusOr<VoidOutcome>& result : results) {
    if (!result.ok()) return result.status();
    outcomes.push_back(*std::move(result));
  }
  return outcomes;
}

}  // namespace passclear::storage
