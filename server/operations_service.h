// OperationsService: online backups of the store (storage/backup.h). A
// backup copies files for seconds to minutes, so backups run one after the
// other on a thread of the service's own, never on a gRPC thread.
#ifndef PASSCLEAR_SERVER_OPERATIONS_SERVICE_H_
#define PASSCLEAR_SERVER_OPERATIONS_SERVICE_H_

#include <deque>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "passclear/v1/operations.grpc.pb.h"
#include "server/guarded_service.h"
#include "storage/backup.h"
#include "storage/pass_store.h"

namespace passclear {

class OperationsService final : public GuardedService<v1::OperationsService> {
 public:
  OperationsService(storage::PassStore& store, storage::BackupArchive& archive,
                    AccessControl& access);
  ~OperationsService() override { Stop(); }

  // Finishes the backup under way; those still queued answer UNAVAILABLE.
  // Before the store closes.
  void Stop();

  grpc::ServerUnaryReactor* CreateBackup(grpc::CallbackServerContext* context,
                                         const v1::CreateBackupRequest* request,
                                         v1::Backup* response) override;
  grpc::ServerUnaryReactor* ListBackups(
      grpc::CallbackServerContext* context,
      const v1::ListBackupsRequest* request,
      v1::ListBackupsResponse* response) override;

 private:
  struct PendingBackup {
    grpc::ServerUnaryReactor* reactor;
    v1::Backup* response;
  };
  void RunBackups();

  storage::PassStore& store_;
  storage::BackupArchive& archive_;
  absl::Mutex mu_;
  std::deque<PendingBackup> pending_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread worker_;
};

}  // namespace passclear

#endif  // PASSCLEAR_SERVER_OPERATIONS_SERVICE_H_
