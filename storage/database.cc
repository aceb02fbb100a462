#include "storage/database.h"

#include <filesystem>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "rocksdb/cache.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/table.h"
#include "storage/key_codec.h"
#include "storage/owner_only.h"
#include "storage/record_codec.h"
#include "storage/rocksdb_status.h"
#include "storage/status_macros.h"
#include "storage/store_recovery.h"
#include "storage/usage_counters.h"

namespace passclear::storage {
namespace {

rocksdb::ColumnFamilyOptions FamilyOptions(
    const std::string& name, const std::shared_ptr<rocksdb::Cache>& cache,
    const AnswerExpiryFilter* answer_expiry) {
  rocksdb::ColumnFamilyOptions options;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  // Point lookups dominate (pass by serial, answer by request id): a bloom
  // filter saves the disk read of every miss, such as a new request id.
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  options.compression = rocksdb::kLZ4Compression;
  options.bottommost_compression = rocksdb::kZSTD;
  if (name == kFixedFamilyNames[static_cast<int>(FixedFamily::kIdempotency)] ||
      absl::StartsWith(name, kPassShardFamilyPrefix)) {
    // Every redemption looks up its pass and its request id, and most
    // lookups miss the memtable (the pass was issued long ago, the request
    // id is new): a whole-key bloom filter answers those misses without
    // walking the skip list (a fifth of the store's CPU in a RedeemBatch
    // profile). 1 % of the memtable's size.
    options.memtable_prefix_bloom_size_ratio = 0.01;
    options.memtable_whole_key_filtering = true;
  }
  if (name == kFixedFamilyNames[static_cast<int>(FixedFamily::kIdempotency)]) {
    options.compaction_filter = answer_expiry;
  }
  if (name == kFixedFamilyNames[static_cast<int>(FixedFamily::kUsage)]) {
    options.merge_operator = NewUsageMergeOperator();
    // Each redemption adds a merge operand; a small memtable bounds how many
    // a report adds up before a flush folds them together.
    options.write_buffer_size = size_t{4} << 20;
  }
  return options;
}

std::vector<std::string> ExpectedFamilies(uint32_t shard_count) {
  std::vector<std::string> names(kFixedFamilyNames.begin(),
                                 kFixedFamilyNames.end());
  for (uint32_t shard = 0; shard < shard_count; ++shard) {
    names.push_back(PassShardFamilyName(shard));
  }
  return names;
}

absl::StatusOr<uint64_t> ReadMetaNumber(rocksdb::DB& db, absl::string_view key,
                                        const std::string& path) {
  std::string value;
  rocksdb::Status status =
      db.Get(rocksdb::ReadOptions(), db.DefaultColumnFamily(),
             rocksdb::Slice(key.data(), key.size()), &value);
  if (status.IsNotFound()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "store at ", path, " has no '", key,
        "': it was not created by passclear or its creation was interrupted; "
        "move the directory away and start again"));
  }
  RETURN_IF_ERROR(FromRocksDb(status, absl::StrCat("reading ", key)));
  return DecodeMetaNumber(value);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Database>> Database::Open(
    const DatabaseOptions& options) {
  if (options.shard_count == 0 || options.shard_count > kMaxShardCount) {
    return absl::InvalidArgumentError(
        absl::StrCat("shard count must be between 1 and ", kMaxShardCount,
                     ", got ", options.shard_count));
  }
  // The store holds the programme keys that sign pass codes.
  ASSIGN_OR_RETURN(const std::string narrowed,
                   MakeOwnerOnlyDirectory(options.path));
  std::error_code error;
  const bool is_new = !std::filesystem::exists(
      std::filesystem::path(options.path) / "CURRENT", error);
  if (error) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot read data directory ", options.path, ": ", error.message()));
  }
  ASSIGN_OR_RETURN(StoreRecovery recovery,
                   StoreRecovery::Begin(options.path, is_new));

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = is_new;
  db_options.create_missing_column_families = is_new;
  db_options.max_background_jobs = 4;
  db_options.bytes_per_sync = 1 << 20;
  // Lets the WAL write of one write group overlap the memtable inserts of
  // the previous one (concurrent lanes are grouped into one WAL write and one
  // sync by RocksDB either way).
  db_options.enable_pipelined_write = true;
  // Tickers and histograms for monitoring, without the per-operation timers
  // that cost the most.
  auto statistics = rocksdb::CreateDBStatistics();
  statistics->set_stats_level(rocksdb::StatsLevel::kExceptDetailedTimers);
  db_options.statistics = statistics;
  auto database = std::unique_ptr<Database>(new Database());
  database->write_health_ =
      std::make_shared<WriteHealth>(options.path, options.min_free_disk_bytes);
  database->answer_expiry_ =
      std::make_unique<AnswerExpiryFilter>(options.answer_ttl, options.clock);
  db_options.listeners.push_back(database->write_health_);
  db_options.listeners.push_back(recovery.listener());
  if (!narrowed.empty()) {
    database->log_->Warning(absl::StrCat(
        narrowed, ": a store holds the keys that sign pass codes"));
  }

  std::vector<std::string> names;
  if (is_new) {
    names = ExpectedFamilies(options.shard_count);
  } else {
    RETURN_IF_ERROR(FromRocksDb(
        rocksdb::DB::ListColumnFamilies(db_options, options.path, &names),
        absl::StrCat("listing column families of ", options.path)));
  }

  auto cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : names) {
    descriptors.emplace_back(
        name, FamilyOptions(name, cache, database->answer_expiry_.get()));
  }

  database->path_ = options.path;
  database->statistics_ = std::move(statistics);
  rocksdb::DB* raw_db = nullptr;
  RETURN_IF_ERROR(
      FromRocksDb(rocksdb::DB::Open(db_options, options.path, descriptors,
                                    &database->handles_, &raw_db),
                  absl::StrCat("opening store at ", options.path)));
  database->db_.reset(raw_db);
  RETURN_IF_ERROR(recovery.Finish(*raw_db, *database->log_));
  database->write_health_->StartWatching(raw_db);

  absl::flat_hash_map<std::string, rocksdb::ColumnFamilyHandle*> by_name;
  for (rocksdb::ColumnFamilyHandle* handle : database->handles_) {
    by_name[handle->GetName()] = handle;
  }
  rocksdb::DB& db = *database->db_;

  if (is_new) {
    rocksdb::WriteBatch batch;
    batch.Put(kMetaFormatVersion, EncodeMetaNumber(kStoreFormatVersion));
    batch.Put(kMetaShardCount, EncodeMetaNumber(options.shard_count));
    rocksdb::WriteOptions write_options;
    write_options.sync = true;
    RETURN_IF_ERROR(FromRocksDb(db.Write(write_options, &batch),
                                "writing the new store's metadata"));
  }

  ASSIGN_OR_RETURN(uint64_t format,
                   ReadMetaNumber(db, kMetaFormatVersion, options.path));
  if (format != kStoreFormatVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "store at ", options.path, " has format version ", format,
        "; this passclear reads format version ", kStoreFormatVersion,
        ". Use the passclear release that wrote it, or migrate it"));
  }
  ASSIGN_OR_RETURN(uint64_t stored_shards,
                   ReadMetaNumber(db, kMetaShardCount, options.path));
  if (stored_shards != options.shard_count) {
    return absl::FailedPreconditionError(absl::StrCat(
        "store at ", options.path, " was created with ", stored_shards,
        " pass shards but ", options.shard_count,
        " were requested; the shard count is fixed when a store is created, "
        "so start with --shards=",
        stored_shards));
  }
  for (const std::string& name : ExpectedFamilies(options.shard_count)) {
    if (!by_name.contains(name)) {
      return absl::DataLossError(absl::StrCat(
          "store at ", options.path, " lacks column family '", name, "'"));
    }
  }
  if (by_name.size() != kFixedFamilyCount + options.shard_count) {
    return absl::DataLossError(
        absl::StrCat("store at ", options.path, " has ", by_name.size(),
                     " column families; expected ",
                     kFixedFamilyCount + options.shard_count));
  }
  for (absl::string_view name : kFixedFamilyNames) {
    database->fixed_.push_back(by_name.at(std::string(name)));
  }
  for (uint32_t shard = 0; shard < options.shard_count; ++shard) {
    database->shards_.push_back(by_name.at(PassShardFamilyName(shard)));
  }
  return database;
}

absl::Status Database::WriteSynced(rocksdb::WriteBatch& batch,
                                   absl::string_view what) const {
  rocksdb::WriteOptions options;
  options.sync = true;
  return Write(options, &batch, what);
}

absl::Status Database::Write(const rocksdb::WriteOptions& options,
                             rocksdb::WriteBatch* batch,
                             absl::string_view what) const {
  RETURN_IF_ERROR(write_health_->CheckWritable());
  return FromRocksDb(db_->Write(options, batch), what);
}

Database::~Database() {
  if (write_health_) write_health_->Stop();
  if (!db_) return;
  // Flushed, the write-ahead log holds nothing the next open must replay: a
  // clean stop is followed by a start with nothing to recover.
  db_->Flush(rocksdb::FlushOptions(), handles_).PermitUncheckedError();
  for (rocksdb::ColumnFamilyHandle* handle : handles_) {
    db_->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
  }
  if (db_->Close().ok()) MarkClosedCleanly(path_).IgnoreError();
}

absl::StatusOr<uint64_t> NextIdAfterLast(const Database& database,
                                         FixedFamily family) {
  std::unique_ptr<rocksdb::Iterator> it(database.db()->NewIterator(
      rocksdb::ReadOptions(), database.Family(family)));
  it->SeekToLast();
  RETURN_IF_ERROR(FromRocksDb(it->status(), "finding the last id"));
  if (!it->Valid()) return 1;
  ASSIGN_OR_RETURN(uint64_t last, ParseIdKey(absl::string_view(
                                      it->key().data(), it->key().size())));
  return last + 1;
}

}  // namespace passclear::storage
