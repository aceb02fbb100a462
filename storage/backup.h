// Online backups of a store with RocksDB's BackupEngine, and restores.
//
//   BackupArchive archive("/srv/passclear-backups");
//   ASSIGN_OR_RETURN(BackupInfo made, archive.Create(database));  // online
//   ... later, with the server stopped, on an empty directory:
//   RETURN_IF_ERROR(RestoreBackup("/srv/passclear-backups", made.id,
//   "/srv/new"));
//
// A backup is the store as of one instant: the live SST files (shared
// between backups, copied once) plus the write-ahead log, so redemptions
// acknowledged before Create began are in it; redemptions continue while it
// copies. Each file is checksummed; a restore verifies them. The backup
// directory and a restored store are their owner's only (owner_only.h).
#ifndef PASSCLEAR_STORAGE_BACKUP_H_
#define PASSCLEAR_STORAGE_BACKUP_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "storage/database.h"

namespace passclear::storage {

struct BackupInfo {
  uint32_t id = 0;
  absl::Time created_at;
  uint64_t size_bytes = 0;
  uint32_t file_count = 0;
};

// The backups in one directory. Thread-safe: backups are made one at a time.
class BackupArchive {
 public:
  explicit BackupArchive(std::string directory)
      : directory_(std::move(directory)) {}

  const std::string& directory() const { return directory_; }

  // A new backup of `database`, which keeps serving meanwhile.
  [[nodiscard]] absl::StatusOr<BackupInfo> Create(const Database& database);
  // Every backup in the directory, oldest first.
  [[nodiscard]] absl::StatusOr<std::vector<BackupInfo>> List() const;

 private:
  const std::string directory_;
  absl::Mutex mu_;  // one backup at a time
};

// Restores backup `id` (the latest when unset) of `backup_dir` into
// `data_dir`, which must not exist or be empty: a restore never overwrites a
// store.
[[nodiscard]] absl::Status RestoreBackup(const std::string& backup_dir,
                                         std::optional<uint32_t> id,
                                         const std::string& data_dir);

}  // namespace passclear::storage

#endif  // PASSCLEAR_STORAGE_BACKUP_H_
