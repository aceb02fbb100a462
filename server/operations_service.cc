#include "server/operations_service.h"

#include "server/grpc_status.h"
#include "server/proto_convert.h"

namespace passclear {
namespace {

void FillBackup(const storage::BackupInfo& info, const std::string& directory,
                v1::Backup* backup) {
  backup->set_backup_id(info.id);
  SetTimestamp(info.created_at, backup->mutable_created_at());
  backup->set_size_bytes(info.size_bytes);
  backup->set_file_count(info.file_count);
  backup->set_backup_dir(directory);
}

}  // namespace

OperationsService::OperationsService(storage::PassStore& store,
                                     storage::BackupArchive& archive,
                                     AccessControl& access)
    : GuardedService(access), store_(store), archive_(archive) {
  Guard("CreateBackup", &OperationsService::CreateBackup);
  Guard("ListBackups", &OperationsService::ListBackups);
  RequireEveryMethodGuarded();
  worker_ = std::thread([this] { RunBackups(); });
}

void OperationsService::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (worker_.joinable()) worker_.join();
}

void OperationsService::RunBackups() {
  while (true) {
    PendingBackup backup;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](OperationsService* self)
               ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
                 return self->stopping_ || !self->pending_.empty();
               },
          this));
      if (stopping_) {
        for (const PendingBackup& queued : pending_) {
          queued.reactor->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                              "the server is shutting down"));
        }
        return;
      }
      backup = pending_.front();
      pending_.pop_front();
    }
    absl::StatusOr<storage::BackupInfo> made =
        archive_.Create(store_.database());
    if (made.ok()) FillBackup(*made, archive_.directory(), backup.response);
    backup.reactor->Finish(ToGrpcStatus(made.status()));
  }
}

grpc::ServerUnaryReactor* OperationsService::CreateBackup(
    grpc::CallbackServerContext* context, const v1::CreateBackupRequest*,
    v1::Backup* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::MutexLock lock(&mu_);
  pending_.push_back({reactor, response});
  return reactor;
}

grpc::ServerUnaryReactor* OperationsService::ListBackups(
    grpc::CallbackServerContext* context, const v1::ListBackupsRequest*,
    v1::ListBackupsResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<std::vector<storage::BackupInfo>> backups = archive_.List();
  if (backups.ok()) {
    for (const storage::BackupInfo& info : *backups) {
      FillBackup(info, archive_.directory(), response->add_backups());
    }
  }
  reactor->Finish(ToGrpcStatus(backups.status()));
  return reactor;
}

}  // namespace passclear
