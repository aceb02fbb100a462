// Scans a terminal could not send, kept on disk until they are uploaded.
//
//   ASSIGN_OR_RETURN(auto queue, OfflineQueue::Open("/var/lib/scanner"));
//   RETURN_IF_ERROR(queue->Add({.request_id = id, .code = code,
//                               .scanned_at = absl::Now()}));
//   ... later, once the answers are in:
//   RETURN_IF_ERROR(queue->Remove(uploaded_request_ids));
//
// Add() returns once the scan is on disk: a scan the terminal said was
// queued survives a crash or a power cut. The queue is one text file,
// "offline-scans.txt", a scan per line (request id, code, scan time in Unix
// nanoseconds, separated by tabs); appends are synced, removals rewrite the
// file whole (storage of a few days' scans of one terminal). A line a power
// cut left half-written is dropped on open: its Add() never returned.
#ifndef PASSCLEAR_CLIENTS_OFFLINE_QUEUE_H_
#define PASSCLEAR_CLIENTS_OFFLINE_QUEUE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace passclear {

struct QueuedScan {
  std::string request_id;
  std::string code;
  absl::Time scanned_at;
  bool operator==(const QueuedScan&) const = default;
};

class OfflineQueue {
 public:
  // Creates `directory` when missing and reads the scans queued there.
  // FAILED_PRECONDITION while another OfflineQueue (in any process) has it
  // open: two writers would drop each other's scans.
  static absl::StatusOr<std::unique_ptr<OfflineQueue>> Open(
      const std::string& directory);
  ~OfflineQueue();
  OfflineQueue(const OfflineQueue&) = delete;
  OfflineQueue& operator=(const OfflineQueue&) = delete;

  // INVALID_ARGUMENT when a field holds a tab or a line break.
  absl::Status Add(QueuedScan scan);
  // Oldest first.
  std::vector<QueuedScan> Scans() const;
  size_t size() const;
  absl::Status Remove(const absl::flat_hash_set<std::string>& request_ids);

 private:
  OfflineQueue(std::string path, int lock_fd, std::vector<QueuedScan> scans)
      : path_(std::move(path)), lock_fd_(lock_fd), scans_(std::move(scans)) {}

  const std::string path_;
  const int lock_fd_;  // holds the folder's flock while open
  mutable absl::Mutex mu_;
  std::vector<QueuedScan> scans_ ABSL_GUARDED_BY(mu_);
};

}  // namespace passclear

#endif  // PASSCLEAR_CLIENTS_OFFLINE_QUEUE_H_
