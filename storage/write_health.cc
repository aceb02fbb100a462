#include "storage/write_health.h"

#include <sys/statvfs.h>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace passclear::storage {

void WriteHealth::StartWatching(rocksdb::DB* db) {
  {
    absl::MutexLock lock(&mu_);
    CheckFreeSpace();
  }
  watcher_ = std::thread([this, db] { WatchLoop(db); });
}

void WriteHealth::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (watcher_.joinable()) watcher_.join();
}

absl::Status WriteHealth::CheckWritable() const {
  if (writable()) return absl::OkStatus();
  return absl::UnavailableError(problem());
}

std::string WriteHealth::problem() const {
  absl::MutexLock lock(&mu_);
  if (!low_space_.empty()) return low_space_;
  if (background_error_.empty()) return "";
  return absl::StrCat(
      "the store takes no writes after a failed write (reads go on; it "
      "retries every second): ",
      background_error_);
}

void WriteHealth::OnBackgroundError(rocksdb::BackgroundErrorReason,
                                    rocksdb::Status* error) {
  if (error == nullptr || error->ok()) return;
  absl::MutexLock lock(&mu_);
  background_error_ = error->ToString();
  Publish();
}

void WriteHealth::OnErrorRecoveryEnd(
    const rocksdb::BackgroundErrorRecoveryInfo& info) {
  if (!info.new_bg_error.ok()) return;
  absl::MutexLock lock(&mu_);
  background_error_.clear();
  Publish();
}

void WriteHealth::CheckFreeSpace() {
  struct statvfs disk {};
  if (statvfs(path_.c_str(), &disk) != 0) return;  // keep the last verdict
  const uint64_t free_bytes = uint64_t{disk.f_bavail} * disk.f_frsize;
  if (free_bytes >= min_free_bytes_) {
    low_space_.clear();
  } else {
    low_space_ = absl::StrCat(
        "the data disk is full: ", free_bytes >> 20, " MiB free at ", path_,
        ", below the reserve of ", min_free_bytes_ >> 20,
        " MiB (--min_free_disk_mb). The store takes no writes, reads go on; "
        "it resumes by itself within a second of space being freed");
  }
  Publish();
}

void WriteHealth::Publish() {
  writable_.store(low_space_.empty() && background_error_.empty(),
                  std::memory_order_release);
}

void WriteHealth::WatchLoop(rocksdb::DB* db) {
  absl::MutexLock lock(&mu_);
  while (!mu_.AwaitWithTimeout(absl::Condition(&stopping_), absl::Seconds(1))) {
    CheckFreeSpace();
    if (background_error_.empty() || !low_space_.empty()) continue;
    mu_.Unlock();
    // Flushes what is in memory and clears the error once the disk takes
    // writes again; fails, changing nothing, while it does not.
    const rocksdb::Status resumed = db->Resume();
    mu_.Lock();
    if (resumed.ok()) {
      background_error_.clear();
      Publish();
    }
  }
}

}  // namespace passclear::storage
