// The files the real server writes: readable by its own user only, whatever
// the umask it was started with (the store holds the keys that sign pass
// codes), and no leftover of an issuance killed halfway survives a restart.
#include <signal.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "passclear/v1/operations.grpc.pb.h"
#include "tests/integration/server_fixture.h"
#include "tests/integration/server_log.h"

namespace passclear::testing {
namespace {

namespace fs = std::filesystem;

// `root` and every file and folder under it, with its mode, when the mode
// has group or other bits.
std::vector<std::string> ReadableByOthers(const fs::path& root) {
  std::vector<std::string> wide;
  auto check = [&wide](const fs::path& path) {
    struct stat status {};
    if (lstat(path.c_str(), &status) != 0) return;  // gone meanwhile
    if (S_ISLNK(status.st_mode) || (status.st_mode & 077) == 0) return;
    char mode[8];
    snprintf(mode, sizeof mode, "%04o", status.st_mode & 07777);
    wide.push_back(absl::StrCat(mode, " ", path.string()));
  };
  check(root);
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    check(entry.path());
  }
  return wide;
}

size_t CountEntries(const fs::path& root) {
  size_t count = 0;
  for ([[maybe_unused]] const auto& entry :
       fs::recursive_directory_iterator(root)) {
    ++count;
  }
  return count;
}

std::vector<fs::path> IngestFolders(const std::string& data_dir) {
  std::vector<fs::path> folders;
  for (const auto& entry : fs::directory_iterator(data_dir)) {
    if (absl::StartsWith(entry.path().filename().string(), "ingest-")) {
      folders.push_back(entry.path());
    }
  }
  return folders;
}

uint64_t SizeOf(const fs::path& folder) {
  uint64_t bytes = 0;
  for (const auto& entry : fs::recursive_directory_iterator(folder)) {
    std::error_code ignored;
    if (entry.is_regular_file(ignored)) bytes += entry.file_size(ignored);
  }
  return bytes;
}

v1::IssueBookletsRequest IssueRequest(uint64_t programme_id,
                                      uint32_t booklets) {
  v1::IssueBookletsRequest request;
  request.set_programme_id(programme_id);
  request.set_booklet_count(booklets);
  request.set_booklet_size(10);
  return request;
}

// The whole run, from the first start, under umask 0: the most permissive
// a server can inherit.
class StoreFilesTest : public ServerFixture {
 protected:
  void SetUp() override {
    saved_umask_ = umask(0);
    ServerFixture::SetUp();
  }
  void TearDown() override {
    ServerFixture::TearDown();
    umask(saved_umask_);
  }

  mode_t saved_umask_ = 0;
};

TEST_F(StoreFilesTest, EverythingTheServerWritesIsItsUsersOnly) {
  // Demo data writes demo-codes.txt; restart to load it (a new store only).
  ASSERT_EQ(StopServer(), 0);
  fs::remove_all(data_dir_);
  StartServer({"--demo_data=true"});
  scheme_ = SetUpScheme(*admin_, /*booklets=*/3);

  // Redemptions, a bulk issuance (SST files ingested), a refused call (the
  // audit log) and a backup.
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(Redeem(MakeRedeemRequest(scheme_.codes[i], scheme_.venue_id,
                                       "T-1", absl::StrCat("r-", i)))
                  .result(),
              v1::REDEEM_RESULT_REDEEMED);
  }
  {
    v1::IssueBookletsResponse issued;
    grpc::ClientContext context;
    grpc::Status status = admin_->IssueBooklets(
        &context, IssueRequest(scheme_.programme_id, 5000), &issued);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(issued.pass_count(), 50000u);
  }
  {
    auto anonymous = v1::AdminService::NewStub(server_->PlainChannel());
    v1::ListProgrammesResponse listed;
    grpc::ClientContext context;
    EXPECT_EQ(anonymous->ListProgrammes(&context, {}, &listed).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  v1::Backup backup;
  {
    auto operations = v1::OperationsService::NewStub(server_->Channel());
    grpc::ClientContext context;
    grpc::Status status = operations->CreateBackup(&context, {}, &backup);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  ASSERT_EQ(StopServer(), 0);

  // What it wrote is there...
  for (const char* name :
       {"admin-token", "demo-codes.txt", "audit.log", "CURRENT", "LOG"}) {
    EXPECT_TRUE(fs::exists(fs::path(data_dir_) / name)) << name;
  }
  EXPECT_FALSE(ReadFile(data_dir_ + "/audit.log").empty());
  EXPECT_GT(CountEntries(backup.backup_dir()), 5u);
  // ... and none of it is readable by anyone but its owner.
  EXPECT_EQ(ReadableByOthers(data_dir_), std::vector<std::string>{})
      << "under " << data_dir_;
  EXPECT_EQ(ReadableByOthers(backup.backup_dir()), std::vector<std::string>{})
      << "under " << backup.backup_dir();

  // passclear-restore, under the same umask, writes a store as closed.
  const std::string restored = temp_dir_ + "/restored";
  const std::string output = temp_dir_ + "/restore.out";
  const int status =
      std::system(absl::StrCat(PASSCLEAR_RESTORE_BINARY,
                               " --backup_dir=", backup.backup_dir(),
                               " --data_dir=", restored, " >", output, " 2>&1")
                      .c_str());
  ASSERT_EQ(status, 0) << ReadFile(output);
  EXPECT_GT(CountEntries(restored), 5u);
  EXPECT_EQ(ReadableByOthers(restored), std::vector<std::string>{})
      << "under " << restored;
}

// A store written by an earlier build, or under a wider umask, is narrowed
// at open and the log says so.
TEST_F(StoreFilesTest, AStoreReadableByOthersIsNarrowedAtStart) {
  ASSERT_EQ(StopServer(), 0);
  fs::permissions(data_dir_, fs::perms(0755));
  for (const auto& entry : fs::directory_iterator(data_dir_)) {
    fs::permissions(entry.path(), fs::perms(0644));
  }
  ASSERT_FALSE(ReadableByOthers(data_dir_).empty());
  const std::string log = temp_dir_ + "/server.log";
  server_.emplace(StartWithLog(data_dir_, log));
  ASSERT_TRUE(server_->running());
  EXPECT_EQ(ReadableByOthers(data_dir_), std::vector<std::string>{});
  const std::string text = ReadFile(log);
  EXPECT_TRUE(absl::StrContains(
      text, absl::StrCat("WARNING ", data_dir_, " was 0755, now 0700; ")))
      << text;
}

// SIGKILL in the middle of a 200,000-booklet issuance (2 million passes,
// written as SST files before RocksDB ingests them): the folder of SST
// files stays behind, the issuance does not happen (all or nothing), and
// the restart removes the folder and says so.
TEST_F(StoreFilesTest, AnIssuanceKilledHalfwayLeavesNothingAfterARestart) {
  std::atomic<bool> answered{false};
  grpc::Status issue_status;
  std::thread issuer([&] {
    v1::IssueBookletsResponse issued;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(120));
    issue_status = admin_->IssueBooklets(
        &context, IssueRequest(scheme_.programme_id, 200'000), &issued);
    answered = true;
  });
  // Kill once the SST files hold at least 1 MiB: the issuance is underway.
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(60);
  std::vector<fs::path> folders;
  while (!answered && std::chrono::steady_clock::now() < deadline) {
    folders = IngestFolders(data_dir_);
    if (folders.size() == 1 && SizeOf(folders[0]) >= (uint64_t{1} << 20)) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ASSERT_EQ(server_->Kill(SIGKILL), 128 + SIGKILL);
  issuer.join();
  ASSERT_FALSE(issue_status.ok())
      << "the issuance finished before the kill: nothing to test";
  folders = IngestFolders(data_dir_);
  ASSERT_EQ(folders.size(), 1u) << "the kill left no ingest folder";
  const uint64_t left = SizeOf(folders[0]);
  EXPECT_GE(left, uint64_t{1} << 20);

  const std::string log = temp_dir_ + "/after-kill.log";
  server_.emplace(StartWithLog(data_dir_, log));
  ASSERT_TRUE(server_->running());
  admin_ = v1::AdminService::NewStub(server_->Channel());
  EXPECT_EQ(IngestFolders(data_dir_), std::vector<fs::path>{});
  const std::string text = ReadFile(log);
  EXPECT_TRUE(absl::StrContains(
      text, absl::StrCat("INFO recovery: removed ",
                         folders[0].filename().string(), " (")))
      << text;
  EXPECT_TRUE(absl::StrContains(
      text, absl::StrCat(" from ", data_dir_,
                         ": the SST files of an issuance cut short by a stop, "
                         "never part of the store")))
      << text;
  // All or nothing: the store holds the scheme's 3 booklets, and the next
  // booklet id follows them.
  v1::IssueBookletsResponse next;
  grpc::ClientContext context;
  ASSERT_TRUE(admin_
                  ->IssueBooklets(&context,
                                  IssueRequest(scheme_.programme_id, 1), &next)
                  .ok());
  EXPECT_EQ(next.first_booklet_id(), 4u);
  EXPECT_EQ(next.first_serial(), 31u);
  std::cout << "killed issuance left " << left << " bytes in "
            << folders[0].filename() << "\n";
}

}  // namespace
}  // namespace passclear::testing
