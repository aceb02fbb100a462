#include "clients/passctl_operations.h"

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "clients/passctl_output.h"
#include "passclear/v1/operations.grpc.pb.h"

namespace passclear::passctl {
namespace {

std::unique_ptr<v1::OperationsService::Stub> Stub() {
  return v1::OperationsService::NewStub(Connect());
}

std::vector<std::string> BackupRow(const v1::Backup& backup) {
  return {absl::StrCat(backup.backup_id()),
          FormatTimestamp(backup.created_at()),
          absl::StrFormat("%.1f MiB", backup.size_bytes() / 1048576.0),
          absl::StrCat(backup.file_count())};
}

int CreateBackup() {
  v1::Backup backup;
  grpc::ClientContext context;  // copies the store: no short deadline
  grpc::Status status =
      Stub()->CreateBackup(&context, v1::CreateBackupRequest(), &backup);
  if (!status.ok()) return CallFailed(status);
  Print(absl::GetFlag(FLAGS_json), backup,
        absl::StrFormat("backup %d written to %s (%.1f MiB in %d files); "
                        "restore it with passclear-restore --backup_dir=%s "
                        "--data_dir=NEW_DIR --backup_id=%d",
                        backup.backup_id(), backup.backup_dir(),
                        backup.size_bytes() / 1048576.0, backup.file_count(),
                        backup.backup_dir(), backup.backup_id()));
  return kDone;
}

int ListBackups() {
  v1::ListBackupsResponse response;
  grpc::Status status = Stub()->ListBackups(
      NewContext().get(), v1::ListBackupsRequest(), &response);
  if (!status.ok()) return CallFailed(status);
  std::vector<std::vector<std::string>> rows = {
      {"ID", "CREATED", "SIZE", "FILES"}};
  for (const v1::Backup& backup : response.backups()) {
    rows.push_back(BackupRow(backup));
  }
  Print(absl::GetFlag(FLAGS_json), response,
        response.backups().empty() ? "no backup yet" : FormatTable(rows));
  return kDone;
}

}  // namespace

const std::map<std::string, Command>& OperationsCommands() {
  static const auto* commands = new std::map<std::string, Command>{
      {"backup",
       {"backup",
        "Backs the store up into the server's --backup_dir while it keeps "
        "serving; prints the passclear-restore command that restores it."}},
      {"backups",
       {"backups", "Lists the backups in the server's --backup_dir."}},
  };
  return *commands;
}

int RunOperationsCommand(const std::string& name) {
  if (name == "backup") return CreateBackup();
  return ListBackups();
}

}  // namespace passclear::passctl
