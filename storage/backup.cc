#include "storage/backup.h"

#include <filesystem>
#include <memory>

#include "absl/strings/str_cat.h"
#include "rocksdb/env.h"
#include "rocksdb/utilities/backup_engine.h"
#include "storage/owner_only.h"
#include "storage/rocksdb_status.h"
#include "storage/status_macros.h"

namespace passclear::storage {
namespace {

BackupInfo FromRocksDb(const rocksdb::BackupInfo& info) {
  return {.id = info.backup_id,
          .created_at = absl::FromUnixSeconds(info.timestamp),
          .size_bytes = info.size,
          .file_count = info.number_files};
}

absl::Status OpenError(const rocksdb::IOStatus& status,
                       const std::string& directory) {
  return storage::FromRocksDb(
      status, absl::StrCat("opening the backup directory ", directory));
}

}  // namespace

absl::StatusOr<BackupInfo> BackupArchive::Create(const Database& database) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(const std::string narrowed,
                   MakeOwnerOnlyDirectory(directory_));
  if (!narrowed.empty()) {
    database.log().Warning(
        absl::StrCat(narrowed, ": backups hold the keys that sign pass codes"));
  }
  rocksdb::BackupEngine* raw = nullptr;
  rocksdb::IOStatus opened = rocksdb::BackupEngine::Open(
      rocksdb::Env::Default(), rocksdb::BackupEngineOptions(directory_), &raw);
  if (!opened.ok()) return OpenError(opened, directory_);
  std::unique_ptr<rocksdb::BackupEngine> engine(raw);
  rocksdb::CreateBackupOptions options;
  // The WAL is copied with the SST files: no flush, so no stall of the
  // redemptions, and what was acknowledged is in the backup.
  options.flush_before_backup = false;
  rocksdb::BackupID id = 0;
  RETURN_IF_ERROR(
      storage::FromRocksDb(engine->CreateNewBackup(options, database.db(), &id),
                           absl::StrCat("backing up into ", directory_)));
  rocksdb::BackupInfo info;
  RETURN_IF_ERROR(storage::FromRocksDb(engine->GetBackupInfo(id, &info),
                                       "reading the new backup's details"));
  return FromRocksDb(info);
}

absl::StatusOr<std::vector<BackupInfo>> BackupArchive::List() const {
  std::error_code error;
  if (!std::filesystem::exists(directory_, error)) {
    return std::vector<BackupInfo>{};
  }
  rocksdb::BackupEngineReadOnly* raw = nullptr;
  rocksdb::IOStatus opened = rocksdb::BackupEngineReadOnly::Open(
      rocksdb::Env::Default(), rocksdb::BackupEngineOptions(directory_), &raw);
  if (!opened.ok()) return OpenError(opened, directory_);
  std::unique_ptr<rocksdb::BackupEngineReadOnly> engine(raw);
  std::vector<rocksdb::BackupInfo> infos;
  engine->GetBackupInfo(&infos);
  std::vector<BackupInfo> backups;
  for (const rocksdb::BackupInfo& info : infos) {
    backups.push_back(FromRocksDb(info));
  }
  return backups;
}

absl::Status RestoreBackup(const std::string& backup_dir,
                           std::optional<uint32_t> id,
                           const std::string& data_dir) {
  std::error_code error;
  if (std::filesystem::exists(data_dir, error) &&
      !std::filesystem::is_empty(data_dir, error)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "data directory ", data_dir,
        " is not empty: a restore only writes into a new or empty directory"));
  }
  if (!std::filesystem::exists(backup_dir, error)) {
    return absl::NotFoundError(
        absl::StrCat("no backup directory ", backup_dir));
  }
  rocksdb::BackupEngineReadOnly* raw = nullptr;
  rocksdb::IOStatus opened = rocksdb::BackupEngineReadOnly::Open(
      rocksdb::Env::Default(), rocksdb::BackupEngineOptions(backup_dir), &raw);
  if (!opened.ok()) return OpenError(opened, backup_dir);
  std::unique_ptr<rocksdb::BackupEngineReadOnly> engine(raw);
  std::vector<rocksdb::BackupInfo> infos;
  engine->GetBackupInfo(&infos);
  if (infos.empty()) {
    return absl::NotFoundError(
        absl::StrCat("backup directory ", backup_dir, " holds no backup"));
  }
  const rocksdb::BackupID chosen = id.value_or(infos.back().backup_id);
  // 0700 whatever the umask, before the first file of the store lands in it.
  RETURN_IF_ERROR(MakeOwnerOnlyDirectory(data_dir).status());
  RETURN_IF_ERROR(storage::FromRocksDb(
      engine->VerifyBackup(chosen, /*verify_with_checksum=*/true),
      absl::StrCat("verifying backup ", chosen, " of ", backup_dir)));
  return storage::FromRocksDb(
      engine->RestoreDBFromBackup(rocksdb::RestoreOptions(), chosen, data_dir,
                                  data_dir),
      absl::StrCat("restoring backup ", chosen, " into ", data_dir));
}

}  // namespace passclear::storage
