// Online backup and restore with the real binaries: a backup taken while
// terminals keep redeeming holds every redemption acknowledged before it
// began, restores with passclear-restore into a new directory, and the
// restored store reconciles with no breach and keeps serving.
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "passclear/v1/clearing.grpc.pb.h"
#include "passclear/v1/operations.grpc.pb.h"
#include "tests/integration/server_fixture.h"
#include "tests/integration/store_checks.h"

namespace passclear::testing {
namespace {

struct ToolRun {
  int exit_code;
  std::string output;
};

// Runs passclear-restore with `flags`; its exit code and what it printed.
ToolRun Restore(const std::string& flags, const std::string& output_file) {
  const int status = std::system(absl::StrCat(PASSCLEAR_RESTORE_BINARY, " ",
                                              flags, " >", output_file, " 2>&1")
                                     .c_str());
  std::ifstream in(output_file);
  std::stringstream output;
  output << in.rdbuf();
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output.str()};
}

using BackupTest = ServerFixture;

TEST_F(BackupTest, BackupUnderLoadRestoresEveryAcknowledgedRedemption) {
  const Scheme busy = SetUpScheme(*admin_, /*booklets=*/100);
  constexpr int kClients = 4;
  absl::Mutex mu;
  std::map<std::string, std::string> acknowledged;  // code -> terminal
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int client = 0; client < kClients; ++client) {
    clients.emplace_back([&, client] {
      auto stub = v1::RedemptionService::NewStub(server_->Channel());
      const std::string terminal = absl::StrCat("B-", client);
      for (size_t i = client; i < busy.codes.size() && !stop.load();
           i += kClients) {
        v1::RedeemResponse response;
        grpc::ClientContext context;
        if (!stub->Redeem(&context,
                          MakeRedeemRequest(busy.codes[i], busy.venue_id,
                                            terminal, absl::StrCat("b-", i)),
                          &response)
                 .ok()) {
          continue;
        }
        ASSERT_EQ(response.result(), v1::REDEEM_RESULT_REDEEMED);
        absl::MutexLock lock(&mu);
        acknowledged[busy.codes[i]] = terminal;
      }
    });
  }
  auto count = [&] {
    absl::MutexLock lock(&mu);
    return acknowledged.size();
  };
  while (count() < 100)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::map<std::string, std::string> before_backup;
  {
    absl::MutexLock lock(&mu);
    before_backup = acknowledged;
  }
  auto operations = v1::OperationsService::NewStub(server_->Channel());
  v1::Backup backup;
  {
    grpc::ClientContext context;
    grpc::Status status = operations->CreateBackup(&context, {}, &backup);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  const size_t at_backup_end = count();
  stop.store(true);
  for (std::thread& client : clients) client.join();
  EXPECT_LT(at_backup_end, busy.codes.size())
      << "the load ended before the backup";
  EXPECT_EQ(backup.backup_id(), 1u);
  EXPECT_EQ(backup.backup_dir(), data_dir_ + "-backups");
  EXPECT_GT(backup.size_bytes(), 0u);
  {
    v1::ListBackupsResponse listed;
    grpc::ClientContext context;
    ASSERT_TRUE(operations->ListBackups(&context, {}, &listed).ok());
    ASSERT_EQ(listed.backups_size(), 1);
    EXPECT_EQ(listed.backups(0).backup_id(), backup.backup_id());
  }
  operations.reset();
  ASSERT_EQ(StopServer(), 0);

  const std::string restored = temp_dir_ + "/restored";
  const std::string flags = absl::StrCat("--backup_dir=", backup.backup_dir(),
                                         " --data_dir=", restored);
  ToolRun first = Restore(flags, temp_dir_ + "/restore.out");
  ASSERT_EQ(first.exit_code, 0) << first.output;
  // A restore never writes over a store.
  ToolRun again = Restore(flags, temp_dir_ + "/restore-again.out");
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.output.find("is not empty"), std::string::npos)
      << again.output;

  // The admin token file is the operator's, not the store's: it comes along.
  std::filesystem::copy_file(data_dir_ + "/admin-token",
                             restored + "/admin-token");
  data_dir_ = restored;
  StartServer();
  ExpectRedeemedBy(*redemption_, before_backup);
  ExpectReconciled(*v1::ClearingService::NewStub(server_->Channel()));
  // The restored store serves: a pass never scanned redeems.
  v1::RedeemResponse fresh = Redeem(
      MakeRedeemRequest(scheme_.codes[0], scheme_.venue_id, "T-1", "after"));
  EXPECT_EQ(fresh.result(), v1::REDEEM_RESULT_REDEEMED) << fresh.message();
}

TEST_F(BackupTest, RestoreNamesWhatIsMissing) {
  ToolRun run = Restore(absl::StrCat("--backup_dir=", temp_dir_,
                                     "/nowhere --data_dir=", temp_dir_, "/new"),
                        temp_dir_ + "/restore.out");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.output.find("no backup directory"), std::string::npos)
      << run.output;
  run = Restore("--backup_dir=x", temp_dir_ + "/restore.out");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.output.find("--data_dir"), std::string::npos) << run.output;
}

}  // namespace
}  // namespace passclear::testing
