// Opens, validates and owns the RocksDB instance of a passclear store.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<Database> db,
//                    Database::Open({.path = "/var/lib/passclear",
//                                    .shard_count = 16}));
//   rocksdb::ColumnFamilyHandle* shard = db->PassFamily(serial);
//
// A new store records its format version and shard count. Reopening checks
// both: a store written by another format, or opened with another shard
// count, is refused with a message saying what to do, never silently misread.
//
// The store's directory is its owner's only (owner_only.h). Opening says in
// log() whether the previous stop was clean and what recovery did
// (store_recovery.h); closing flushes, so that a clean stop leaves nothing
// to replay.
#ifndef PASSCLEAR_STORAGE_DATABASE_H_
#define PASSCLEAR_STORAGE_DATABASE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "rocksdb/db.h"
#include "rocksdb/statistics.h"
#include "storage/answer_expiry.h"
#include "storage/column_families.h"
#include "storage/store_log.h"
#include "storage/write_health.h"

namespace passclear::storage {

// The version of the store's layout as a whole (families, keys, values).
// Caution: bump it, with a migration, when any on-disk layout changes.
// 2: the "issuances" family and programme keys (authenticated codes).
// 3: the "usage" family (merged per-programme counters), programme and
//    venue territories, claim batches (claim lines keyed by batch, the
//    batch, index, log and signing key families, passes and answers
//    naming their batch).
// 4: the "identities" family (terminals, accounts, credential hashes).
inline constexpr uint64_t kStoreFormatVersion = 4;
inline constexpr uint32_t kMaxShardCount = 1024;

struct DatabaseOptions {
  std::string path;
  uint32_t shard_count = 16;
  // Shared by every family; sized for the hot pass records.
  size_t block_cache_bytes = size_t{512} << 20;
  // Writes are refused while the data disk has less free space than this
  // (see write_health.h).
  uint64_t min_free_disk_bytes = uint64_t{256} << 20;
  // Stored answers older than this are dropped by compactions
  // (answer_expiry.h), by this clock.
  absl::Duration answer_ttl = absl::Hours(24 * 30);
  std::function<absl::Time()> clock = [] { return absl::Now(); };
};

class Database {
 public:
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Database>> Open(
      const DatabaseOptions& options);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  rocksdb::DB* db() const { return db_.get(); }
  // Every write of the store: refused with UNAVAILABLE while the store is
  // not writable (disk full), else RocksDB's status mapped, `what` naming it.
  [[nodiscard]] absl::Status Write(const rocksdb::WriteOptions& options,
                                   rocksdb::WriteBatch* batch,
                                   absl::string_view what) const;
  // Write with the WAL synced first: what every acknowledged change uses.
  [[nodiscard]] absl::Status WriteSynced(rocksdb::WriteBatch& batch,
                                         absl::string_view what) const;
  rocksdb::ColumnFamilyHandle* Family(FixedFamily family) const {
    return fixed_[static_cast<int>(family)];
  }
  uint32_t shard_count() const { return static_cast<uint32_t>(shards_.size()); }
  rocksdb::ColumnFamilyHandle* PassShard(uint32_t shard) const {
    return shards_[shard];
  }
  rocksdb::ColumnFamilyHandle* PassFamily(uint64_t serial) const {
    return shards_[ShardOfSerial(serial, shard_count())];
  }
  const std::string& path() const { return path_; }
  // RocksDB's tickers and histograms (cache hits, stalls, WAL syncs).
  rocksdb::Statistics& statistics() const { return *statistics_; }
  // Whether writes are accepted (not after a disk-full error, until space
  // is freed).
  const WriteHealth& write_health() const { return *write_health_; }
  // What the store did by itself that the operator should read (recovery at
  // open, interrupted work finished); the server attaches its log.
  StoreLog& log() const { return *log_; }

 private:
  Database() = default;

  std::string path_;
  std::shared_ptr<rocksdb::Statistics> statistics_;
  std::shared_ptr<WriteHealth> write_health_;
  std::unique_ptr<StoreLog> log_ = std::make_unique<StoreLog>();
  // Outlives db_: RocksDB holds a plain pointer to it.
  std::unique_ptr<AnswerExpiryFilter> answer_expiry_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;  // owned, closed in dtor
  std::vector<rocksdb::ColumnFamilyHandle*> fixed_;
  std::vector<rocksdb::ColumnFamilyHandle*> shards_;
};

// The last key of a family keyed by big-endian ids, plus one; 1 when empty.
[[nodiscard]] absl::StatusOr<uint64_t> NextIdAfterLast(const Database& database,
                                                       FixedFamily family);

}  // namespace passclear::storage

#endif  // PASSCLEAR_STORAGE_DATABASE_H_
