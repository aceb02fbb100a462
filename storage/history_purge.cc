#include "storage/history_purge.h"

#include <algorithm>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
#include "storage/key_codec.h"
#include "storage/record_codec.h"
#include "storage/rocksdb_status.h"
#include "storage/status_macros.h"

namespace passclear::storage {
namespace {

// Deletes are committed this many at a time.
constexpr int kChunk = 10'000;
// Marker values.
constexpr uint64_t kPurgeStarted = 1;
constexpr uint64_t kPurgeDone = 2;

std::string MarkerKey(uint64_t programme_id) {
  return absl::StrCat(kMetaPurgedProgrammePrefix, IdKey(programme_id));
}

rocksdb::WriteOptions Durable() {
  rocksdb::WriteOptions options;
  options.sync = true;
  return options;
}

absl::Status PutMarker(const Database& database, uint64_t programme_id,
                       uint64_t state) {
  rocksdb::WriteBatch batch;
  batch.Put(MarkerKey(programme_id), EncodeMetaNumber(state));
  return database.Write(Durable(), &batch, "recording a history purge");
}

// Deletes, in chunks, the keys of `family` whose value `matches`.
template <class Matches>
absl::StatusOr<uint64_t> DeleteMatching(const Database& database,
                                        rocksdb::ColumnFamilyHandle* family,
                                        Matches matches,
                                        absl::string_view what) {
  uint64_t deleted = 0;
  rocksdb::WriteBatch batch;
  std::unique_ptr<rocksdb::Iterator> it(
      database.db()->NewIterator(rocksdb::ReadOptions(), family));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (!matches(absl::string_view(it->value().data(), it->value().size()))) {
      continue;
    }
    batch.Delete(family, it->key());
    if (++deleted % kChunk == 0) {
      RETURN_IF_ERROR(database.Write(Durable(), &batch, what));
      batch.Clear();
    }
  }
  RETURN_IF_ERROR(FromRocksDb(it->status(), what));
  RETURN_IF_ERROR(database.Write(Durable(), &batch, what));
  return deleted;
}

absl::Status Purge(const Database& database, const Catalog& catalog,
                   uint64_t programme_id, PurgeReport& report) {
  RETURN_IF_ERROR(PutMarker(database, programme_id, kPurgeStarted));
  const std::vector<Issuance> issuances = catalog.IssuancesOf(programme_id);
  auto issued_here = [&issuances](uint64_t serial) {
    return std::any_of(issuances.begin(), issuances.end(),
                       [serial](const Issuance& issuance) {
                         return serial >= issuance.first_serial &&
                                serial - issuance.first_serial < issuance.count;
                       });
  };
  ASSIGN_OR_RETURN(uint64_t lines,
                   DeleteMatching(
                       database, database.Family(FixedFamily::kClaims),
                       [programme_id](absl::string_view value) {
                         absl::StatusOr<ClaimLine> line =
                             DecodeClaimLine(value);
                         return line.ok() && line->programme_id == programme_id;
                       },
                       "purging claim lines"));
  ASSIGN_OR_RETURN(uint64_t entries,
                   DeleteMatching(
                       database, database.Family(FixedFamily::kJournal),
                       [&issued_here](absl::string_view value) {
                         absl::StatusOr<JournalEntry> entry =
                             DecodeJournalEntry(value);
                         return entry.ok() && issued_here(entry->serial);
                       },
                       "purging journal entries"));
  rocksdb::WriteBatch ranges;
  for (const Issuance& issuance : issuances) {
    for (uint32_t shard = 0; shard < database.shard_count(); ++shard) {
      ranges.DeleteRange(database.PassShard(shard),
                         PassKey(issuance.first_serial),
                         PassKey(issuance.first_serial + issuance.count));
    }
  }
  std::string first, end;
  AppendBigEndian64(first, programme_id);
  AppendBigEndian64(end, programme_id + 1);
  ranges.DeleteRange(database.Family(FixedFamily::kUsage), first, end);
  ranges.Put(MarkerKey(programme_id), EncodeMetaNumber(kPurgeDone));
  RETURN_IF_ERROR(database.Write(Durable(), &ranges, "purging pass records"));
  report.programmes.push_back(programme_id);
  report.claim_lines += lines;
  report.journal_entries += entries;
  return absl::OkStatus();
}

}  // namespace

absl::Time PurgeableFrom(const Programme& programme, absl::Duration retention) {
  absl::Time closed = programme.accepted_until();
  if (programme.closed_at) closed = std::min(closed, *programme.closed_at);
  return closed + retention;
}

absl::StatusOr<PurgeReport> PurgeExpiredHistory(const Database& database,
                                                const Catalog& catalog,
                                                absl::Duration retention,
                                                absl::Time now) {
  PurgeReport report;
  for (const auto& programme : catalog.Programmes()) {
    if (now < PurgeableFrom(*programme, retention)) continue;
    std::string state;
    rocksdb::Status read = database.db()->Get(rocksdb::ReadOptions(),
                                              MarkerKey(programme->id), &state);
    bool resumed = false;
    if (read.ok()) {
      ASSIGN_OR_RETURN(uint64_t value, DecodeMetaNumber(state));
      if (value == kPurgeDone) continue;
      resumed = true;
    } else if (!read.IsNotFound()) {
      RETURN_IF_ERROR(FromRocksDb(read, "reading a history purge marker"));
    }
    const uint64_t lines_before = report.claim_lines;
    const uint64_t entries_before = report.journal_entries;
    RETURN_IF_ERROR(Purge(database, catalog, programme->id, report));
    if (resumed) {
      database.log().Info(absl::StrCat(
          "recovery: finished the history purge of programme ", programme->id,
          " that a stop or a failed write had interrupted (",
          report.claim_lines - lines_before, " claim lines and ",
          report.journal_entries - entries_before,
          " journal entries were left to delete)"));
    }
  }
  return report;
}

absl::StatusOr<absl::flat_hash_set<uint64_t>> PurgedProgrammes(
    const Database& database, const rocksdb::ReadOptions& read) {
  absl::flat_hash_set<uint64_t> purged;
  std::unique_ptr<rocksdb::Iterator> it(database.db()->NewIterator(read));
  for (it->Seek(kMetaPurgedProgrammePrefix);
       it->Valid() &&
       absl::StartsWith(absl::string_view(it->key().data(), it->key().size()),
                        kMetaPurgedProgrammePrefix);
       it->Next()) {
    absl::string_view key(it->key().data(), it->key().size());
    key.remove_prefix(sizeof(kMetaPurgedProgrammePrefix) - 1);
    ASSIGN_OR_RETURN(uint64_t id, ParseIdKey(key));
    purged.insert(id);
  }
  RETURN_IF_ERROR(FromRocksDb(it->status(), "reading history purge markers"));
  return purged;
}

}  // namespace passclear::storage
