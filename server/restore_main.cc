// passclear-restore: restores a backup made by CreateBackup (passctl
// backup) into a new data directory, then opens the restored store once to
// check that this passclear reads it. The server must not run on the
// target; it is started on it afterwards.
//
//   passclear-restore --backup_dir=/srv/passclear-backups
//       --data_dir=/srv/passclear-restored [--backup_id=7] [--shards=16]
//
// Exit codes: 0 restored, 1 the restore failed (the message says why),
// 2 usage error.
#include <sys/stat.h>

#include <cstdint>
#include <iostream>
#include <optional>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "storage/backup.h"
#include "storage/pass_store.h"

ABSL_FLAG(std::string, backup_dir, "",
          "directory of the backups (the server's --backup_dir)");
ABSL_FLAG(std::string, data_dir, "",
          "new data directory to restore into; must not exist or be empty");
ABSL_FLAG(uint32_t, backup_id, 0, "backup to restore; 0: the latest");
ABSL_FLAG(uint32_t, shards, 16,
          "pass shards of the backed-up store (the server's --shards)");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "passclear-restore --backup_dir=DIR --data_dir=NEW_DIR [--backup_id=N]: "
      "restores a passclear backup into a new data directory.");
  // The restored store holds the keys that sign pass codes: its user's only,
  // whatever the umask.
  umask(S_IRWXG | S_IRWXO);
  absl::ParseCommandLine(argc, argv);
  const std::string backup_dir = absl::GetFlag(FLAGS_backup_dir);
  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  if (backup_dir.empty() || data_dir.empty()) {
    std::cerr
        << "passclear-restore: --backup_dir and --data_dir are required\n";
    return 2;
  }
  const uint32_t id = absl::GetFlag(FLAGS_backup_id);
  absl::Status restored = passclear::storage::RestoreBackup(
      backup_dir, id == 0 ? std::nullopt : std::optional<uint32_t>(id),
      data_dir);
  if (!restored.ok()) {
    std::cerr << "passclear-restore: " << restored.message() << "\n";
    return 1;
  }
  // Opening checks the format version and the shard layout, and replays the
  // backed-up write-ahead log.
  absl::StatusOr<std::unique_ptr<passclear::storage::PassStore>> store =
      passclear::storage::PassStore::Open(
          {.path = data_dir, .shard_count = absl::GetFlag(FLAGS_shards)});
  if (!store.ok()) {
    std::cerr << "passclear-restore: restored, but the store does not open: "
              << store.status().message() << "\n";
    return 1;
  }
  std::cout << "restored " << backup_dir << " into " << data_dir
            << "; start passclear-server with --data_dir=" << data_dir << "\n";
  return 0;
}
