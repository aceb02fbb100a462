// What opening a store says it recovered (store_recovery.h), and the store
// directory kept to its owner (owner_only.h): a clean stop and a store left
// open, leftover ingest folders, permissions, and the interrupted work the
// store finishes by itself (a cycle's close).
#include "storage/store_recovery.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "storage/database.h"
#include "storage/key_codec.h"
#include "storage/owner_only.h"
#include "storage/record_codec.h"
#include "storage/store_log.h"
#include "tests/unit/storage/temp_store.h"

namespace passclear::storage {
namespace {

namespace fs = std::filesystem;

// Collects what a store says, as the server's log would show it.
class Notices {
 public:
  void AttachTo(StoreLog& log) {
    log.Attach([this](StoreLog::Level level, absl::string_view text) {
      absl::MutexLock lock(&mu_);
      lines_.push_back(absl::StrCat(
          level == StoreLog::Level::kWarning ? "WARNING " : "INFO ", text));
    });
  }
  std::string Text() const {
    absl::MutexLock lock(&mu_);
    return absl::StrJoin(lines_, "\n");
  }
  // Whether a notice holding `part` came within `timeout`.
  bool WaitFor(absl::string_view part, absl::Duration timeout) const {
    const absl::Time deadline = absl::Now() + timeout;
    while (!absl::StrContains(Text(), part)) {
      if (absl::Now() > deadline) return false;
      absl::SleepFor(absl::Milliseconds(10));
    }
    return true;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<std::string> lines_ ABSL_GUARDED_BY(mu_);
};

mode_t ModeOf(const fs::path& path) {
  struct stat status {};
  EXPECT_EQ(lstat(path.c_str(), &status), 0) << path;
  return status.st_mode & 07777;
}

// Every file and folder under `root`, and root itself, with group or other
// permission bits.
std::vector<std::string> ReadableByOthers(const fs::path& root) {
  std::vector<std::string> wide;
  if ((ModeOf(root) & 077) != 0) wide.push_back(root.string());
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if ((ModeOf(entry.path()) & 077) != 0) {
      wide.push_back(entry.path().string());
    }
  }
  return wide;
}

class StoreRecoveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (fs::path(::testing::TempDir()) / "passclear_recovery_XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    directory_ = pattern;
    path_ = directory_ + "/store";
  }
  void TearDown() override { fs::remove_all(directory_); }

  // Opens the store at `path` and collects what it says into `notices`.
  std::unique_ptr<Database> Open(const std::string& path, Notices& notices) {
    absl::StatusOr<std::unique_ptr<Database>> database =
        Database::Open({.path = path, .shard_count = 2});
    EXPECT_TRUE(database.ok()) << database.status();
    if (!database.ok()) return nullptr;
    notices.AttachTo((*database)->log());
    return *std::move(database);
  }

  static void WriteSome(Database& database, int count) {
    rocksdb::WriteOptions sync;
    sync.sync = true;
    for (int i = 0; i < count; ++i) {
      rocksdb::WriteBatch batch;
      batch.Put(database.PassShard(i % 2), PassKey(i + 1), "record");
      ASSERT_TRUE(database.Write(sync, &batch, "a test write").ok());
    }
  }

  std::string directory_;
  std::string path_;
};

TEST_F(StoreRecoveryTest, ACleanStopLeavesNothingToRecover) {
  {
    Notices created;
    std::unique_ptr<Database> database = Open(path_, created);
    ASSERT_NE(database, nullptr);
    EXPECT_TRUE(absl::StrContains(created.Text(), "created a new store at"))
        << created.Text();
    WriteSome(*database, 50);
  }
  EXPECT_FALSE(fs::exists(fs::path(path_) / kOpenMarkerFile));
  Notices reopened;
  std::unique_ptr<Database> database = Open(path_, reopened);
  ASSERT_NE(database, nullptr);
  const std::string text = reopened.Text();
  EXPECT_TRUE(absl::StrContains(
      text, absl::StrCat("INFO the previous stop was clean: the store at ",
                         path_, " was closed")))
      << text;
  EXPECT_TRUE(absl::StrContains(
      text, "recovery: nothing to replay from the write-ahead log"))
      << text;
  EXPECT_FALSE(absl::StrContains(text, "not clean")) << text;
  EXPECT_TRUE(fs::exists(fs::path(path_) / kOpenMarkerFile))
      << "an open store is marked open";
}

// A copy of the directory of an open store, taken after synced writes, is
// what killing its process leaves: the marker, and a write-ahead log that
// was never flushed.
TEST_F(StoreRecoveryTest, AStoreLeftOpenSaysSoAndWhatItReplayed) {
  const std::string killed = directory_ + "/killed";
  {
    Notices ignored;
    std::unique_ptr<Database> database = Open(path_, ignored);
    ASSERT_NE(database, nullptr);
    WriteSome(*database, 200);
    fs::copy(path_, killed, fs::copy_options::recursive);
  }
  {
    Notices recovered;
    std::unique_ptr<Database> database = Open(killed, recovered);
    ASSERT_NE(database, nullptr);
    const std::string text = recovered.Text();
    EXPECT_TRUE(absl::StrContains(
        text, absl::StrCat("WARNING the previous stop was not clean: the "
                           "store at ",
                           killed, " was opened by pid ", getpid())))
        << text;
    EXPECT_TRUE(absl::StrContains(text, "and never closed")) << text;
    // 200 passes, plus the store's format version and shard count.
    EXPECT_TRUE(absl::StrContains(
        text,
        "recovery: replayed 202 entries from the write-ahead log (1 "
        "file, "))
        << text;
    std::string value;
    EXPECT_TRUE(database->db()
                    ->Get(rocksdb::ReadOptions(), database->PassShard(1),
                          PassKey(200), &value)
                    .ok());
  }
  Notices after;
  std::unique_ptr<Database> database = Open(killed, after);
  ASSERT_NE(database, nullptr);
  EXPECT_TRUE(absl::StrContains(after.Text(), "the previous stop was clean"))
      << after.Text();
  EXPECT_TRUE(absl::StrContains(after.Text(), "nothing to replay"))
      << after.Text();
}

// The shape IngestRecordWriter leaves when its process is killed: SST files
// in "ingest-<16 hex digits>". A real kill is in the integration tests
// (store_files_test.cc).
TEST_F(StoreRecoveryTest, LeftoverIngestFoldersAreRemovedAtOpen) {
  {
    Notices ignored;
    ASSERT_NE(Open(path_, ignored), nullptr);
  }
  const fs::path leftover = fs::path(path_) / "ingest-00000000deadbeef";
  fs::create_directory(leftover);
  {
    std::ofstream sst(leftover / "7.sst", std::ios::binary);
    sst << std::string(size_t{3} << 20, 'x');
  }
  // Not an ingest folder: a file of that name is left alone.
  const fs::path not_a_folder = fs::path(path_) / "ingest-notes";
  std::ofstream(not_a_folder) << "kept\n";

  Notices notices;
  std::unique_ptr<Database> database = Open(path_, notices);
  ASSERT_NE(database, nullptr);
  EXPECT_FALSE(fs::exists(leftover));
  EXPECT_TRUE(fs::exists(not_a_folder));
  EXPECT_TRUE(absl::StrContains(
      notices.Text(), absl::StrCat("INFO recovery: removed "
                                   "ingest-00000000deadbeef (3.0 MiB) from ",
                                   path_, ": the SST files of an issuance")))
      << notices.Text();
}

TEST_F(StoreRecoveryTest, AStoreReadableByOthersIsNarrowedAtOpen) {
  {
    Notices ignored;
    ASSERT_NE(Open(path_, ignored), nullptr);
  }
  // As a store written before, or by a process with umask 022, is.
  fs::permissions(path_, fs::perms(0755));
  for (const auto& entry : fs::directory_iterator(path_)) {
    fs::permissions(entry.path(), fs::perms(0644));
  }
  fs::create_directory(fs::path(path_) / "notes");
  fs::permissions(fs::path(path_) / "notes", fs::perms(0775));
  ASSERT_FALSE(ReadableByOthers(path_).empty());

  // Under the server's umask, which keeps the files this open creates to
  // their owner too.
  const mode_t saved = umask(077);
  Notices notices;
  std::unique_ptr<Database> database = Open(path_, notices);
  umask(saved);
  ASSERT_NE(database, nullptr);
  EXPECT_EQ(ReadableByOthers(path_), std::vector<std::string>{});
  EXPECT_EQ(ModeOf(path_), 0700);
  EXPECT_EQ(ModeOf(fs::path(path_) / "CURRENT"), 0600);
  EXPECT_TRUE(absl::StrContains(
      notices.Text(), absl::StrCat("WARNING ", path_, " was 0755, now 0700; ")))
      << notices.Text();
  EXPECT_TRUE(absl::StrContains(notices.Text(),
                                "could be read by others, now by the owner "
                                "only: a store holds the keys that sign pass "
                                "codes"))
      << notices.Text();
}

TEST_F(StoreRecoveryTest, ANewStoreFolderIsTheOwnersWhateverTheUmask) {
  const mode_t saved = umask(0);
  absl::StatusOr<std::string> made = MakeOwnerOnlyDirectory(path_ + "/a/b");
  umask(saved);
  ASSERT_TRUE(made.ok()) << made.status();
  EXPECT_EQ(*made, "") << "nothing was narrowed";
  EXPECT_EQ(ModeOf(path_ + "/a/b"), 0700);
  // Even a umask that takes the owner's bits.
  umask(0777);
  made = MakeOwnerOnlyDirectory(path_ + "/c");
  umask(saved);
  ASSERT_TRUE(made.ok()) << made.status();
  EXPECT_EQ(ModeOf(path_ + "/c"), 0700);
}

// A cycle's close makes the next cycle durable, then closes the old
// cycle's batches: a kill in between leaves them open in an earlier cycle.
// The restarted store closes them and says so.
class InterruptedCloseTest : public TempStoreTest {};

TEST_F(InterruptedCloseTest, TheBatchesOfACycleCutShortAreClosedAndSaidSo) {
  ASSERT_OK_AND_ASSIGN(Programme programme, CreateProgramme());
  ASSERT_OK_AND_ASSIGN(std::vector<Booklet> booklets,
                       store().IssueBooklets(programme.id, 1, 10));
  ASSERT_OK_AND_ASSIGN(Venue venue, RegisterVenue("Cinema", {programme.id}));
  for (uint64_t serial : SerialsOf(booklets)) {
    if (serial > booklets[0].first_serial + 2) break;
    ASSERT_OK_AND_ASSIGN(RedeemOutcome outcome,
                         Redeem({.serial = serial,
                                 .venue_id = venue.id,
                                 .terminal_id = "T-1",
                                 .request_id = absl::StrCat("r-", serial)}));
    ASSERT_EQ(outcome.result, RedeemResult::kRedeemed) << outcome.message;
  }
  ASSERT_OK_AND_ASSIGN(std::vector<ClaimBatch> open,
                       store().ListVenueBatches(venue.id, 10));
  ASSERT_EQ(open.size(), 1u);
  ASSERT_EQ(open[0].status, BatchStatus::kOpen);
  // The close's first, durable step, and then the kill.
  rocksdb::WriteOptions sync;
  sync.sync = true;
  ASSERT_TRUE(store()
                  .database()
                  .db()
                  ->Put(sync, kMetaClearingCycle,
                        EncodeClearingCycle(
                            {.number = 2,
                             .opened_at = ToStoredPrecision(clock().Now())}))
                  .ok());
  ASSERT_OK(Reopen());

  Notices notices;
  notices.AttachTo(store().database().log());
  EXPECT_TRUE(
      notices.WaitFor("recovery: closed the 1 claim batch the "
                      "previous stop left open (1 of an earlier "
                      "cycle, whose close it cut short; 0 full)",
                      absl::Seconds(20)))
      << notices.Text();
  ASSERT_OK_AND_ASSIGN(ClaimBatch closed, store().ReadBatch(open[0].id));
  EXPECT_EQ(closed.status, BatchStatus::kClosed);
  EXPECT_EQ(closed.line_count, 3u);
  store().database().log().Attach(nullptr);  // before `notices` goes
}

}  // namespace
}  // namespace passclear::storage
