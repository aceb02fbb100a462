// What opening a store recovered from the previous stop, said in the
// store's log (store_log.h): whether that stop was clean, what RocksDB
// replayed from the write-ahead log, and the leftovers of interrupted work
// it removed.
//
// A clean stop is known by a marker file, kOpenMarkerFile: written, durably,
// once the store is open, and removed once it is closed cleanly (flushed, so
// that a clean stop leaves nothing to replay). Found at open, it means the
// last process to open the store did not close it: it was killed, crashed,
// or the machine lost power.
//
//   ASSIGN_OR_RETURN(StoreRecovery recovery, StoreRecovery::Begin(path,
//   false)); db_options.listeners.push_back(recovery.listener());
//   ... rocksdb::DB::Open(db_options, path, ...) ...
//   RETURN_IF_ERROR(recovery.Finish(*db, log));
//   ... and after a clean rocksdb::DB::Close:
//   RETURN_IF_ERROR(MarkClosedCleanly(path));
#ifndef PASSCLEAR_STORAGE_STORE_RECOVERY_H_
#define PASSCLEAR_STORAGE_STORE_RECOVERY_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "rocksdb/db.h"
#include "rocksdb/listener.h"
#include "storage/store_log.h"

namespace passclear::storage {

// Present in a store's directory while a process has it open.
inline constexpr char kOpenMarkerFile[] = "passclear-open";
// Large issuances write their SST files in "<store>/ingest-<16 hex digits>"
// (record_writers.h) before RocksDB ingests them; a folder left by a process
// that stopped meanwhile was never part of the store.
inline constexpr char kIngestFolderPrefix[] = "ingest-";

// Counts the tables RocksDB writes while it replays the write-ahead log at
// open (it flushes what it replayed).
class ReplayCounter : public rocksdb::EventListener {
 public:
  void OnTableFileCreated(const rocksdb::TableFileCreationInfo& info) override;
  uint64_t tables() const { return tables_.load(); }
  uint64_t entries() const { return entries_.load(); }

 private:
  std::atomic<uint64_t> tables_{0};
  std::atomic<uint64_t> entries_{0};
};

class StoreRecovery {
 public:
  // Looks at the store's directory before RocksDB opens it; `is_new` when
  // it holds no store yet.
  [[nodiscard]] static absl::StatusOr<StoreRecovery> Begin(
      const std::string& path, bool is_new);

  std::shared_ptr<rocksdb::EventListener> listener() const { return replay_; }

  // Once `db` is open: marks the store open, removes leftover ingest
  // folders, and says in `log` what was found and done.
  [[nodiscard]] absl::Status Finish(rocksdb::DB& db, StoreLog& log);

 private:
  StoreRecovery() = default;

  std::string path_;
  bool is_new_ = false;
  // The marker's text when the previous process did not close the store.
  std::optional<std::string> left_open_by_;
  uint64_t wal_files_ = 0;
  uint64_t wal_bytes_ = 0;
  std::shared_ptr<ReplayCounter> replay_ = std::make_shared<ReplayCounter>();
};

// Records, durably, that the store at `path` was closed cleanly.
[[nodiscard]] absl::Status MarkClosedCleanly(const std::string& path);

}  // namespace passclear::storage

#endif  // PASSCLEAR_STORAGE_STORE_RECOVERY_H_
