// Whether the store takes writes, and its return to writing by itself.
//
// Two things stop writes:
// - the data disk's free space falls below a reserve: writes are refused
//   before RocksDB runs out of space, so that it never meets ENOSPC on its
//   write-ahead log (RocksDB 7.8 as Debian builds it, assertions on, aborts
//   the process on a WAL write after a failed one); flushes and compactions
//   keep the headroom they need;
// - RocksDB itself stops after a write failed for good (a "background
//   error": a failing device, a disk filled by someone else faster than the
//   reserve). DB::Resume() is then tried every second.
// Both clear by themselves once the operator frees space. Reads go on.
//
//   auto health = std::make_shared<WriteHealth>(path, 256 << 20);
//   db_options.listeners.push_back(health);
//   ... DB::Open ...
//   health->StartWatching(db);           // a thread until Stop()
//   RETURN_IF_ERROR(health->CheckWritable());
#ifndef PASSCLEAR_STORAGE_WRITE_HEALTH_H_
#define PASSCLEAR_STORAGE_WRITE_HEALTH_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "rocksdb/db.h"
#include "rocksdb/listener.h"

namespace passclear::storage {

class WriteHealth : public rocksdb::EventListener {
 public:
  WriteHealth(std::string path, uint64_t min_free_bytes)
      : path_(std::move(path)), min_free_bytes_(min_free_bytes) {}
  ~WriteHealth() override { Stop(); }

  // Checks the free space now, then every second on a thread of its own,
  // and resumes `db` after a background error.
  void StartWatching(rocksdb::DB* db);
  // Before the DB closes.
  void Stop();

  bool writable() const { return writable_.load(std::memory_order_acquire); }
  // OK, or UNAVAILABLE saying why writes are refused and what resumes them.
  absl::Status CheckWritable() const;
  // Why writes are refused; empty while writable.
  std::string problem() const;

  void OnBackgroundError(rocksdb::BackgroundErrorReason reason,
                         rocksdb::Status* error) override;
  void OnErrorRecoveryEnd(
      const rocksdb::BackgroundErrorRecoveryInfo& info) override;

 private:
  void CheckFreeSpace() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Publish() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void WatchLoop(rocksdb::DB* db);

  const std::string path_;
  const uint64_t min_free_bytes_;
  std::atomic<bool> writable_{true};
  mutable absl::Mutex mu_;
  std::string low_space_ ABSL_GUARDED_BY(mu_);
  std::string background_error_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread watcher_;
};

}  // namespace passclear::storage

#endif  // PASSCLEAR_STORAGE_WRITE_HEALTH_H_
