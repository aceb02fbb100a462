#include "clients/offline_queue.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "server/durable_file.h"

namespace passclear {
namespace {

constexpr char kFileName[] = "offline-scans.txt";
constexpr char kLockName[] = "offline-scans.lock";

std::string Line(const QueuedScan& scan) {
  return absl::StrCat(scan.request_id, "\t", scan.code, "\t",
                      absl::ToUnixNanos(scan.scanned_at), "\n");
}

bool HasSeparator(const std::string& field) {
  return field.find_first_of("\t\n\r") != std::string::npos;
}

}  // namespace

absl::StatusOr<std::unique_ptr<OfflineQueue>> OfflineQueue::Open(
    const std::string& directory) {
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error) {
    return absl::UnavailableError(
        absl::StrCat("cannot create the offline queue's directory ", directory,
                     ": ", error.message()));
  }
  const std::string lock_path =
      (std::filesystem::path(directory) / kLockName).string();
  const int lock_fd =
      open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd < 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot open ", lock_path, ": ", std::strerror(errno)));
  }
  if (flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    close(lock_fd);
    return absl::FailedPreconditionError(absl::StrCat(
        "another client has the offline queue in ", directory, " open"));
  }
  auto queue = std::unique_ptr<OfflineQueue>(new OfflineQueue(
      (std::filesystem::path(directory) / kFileName).string(), lock_fd, {}));
  const std::string& path = queue->path_;
  std::vector<QueuedScan> scans;
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  const std::string contents = text.str();
  // Only whole lines count: the last one may be a torn append.
  const size_t end = contents.rfind('\n');
  const absl::string_view whole =
      end == std::string::npos ? ""
                               : absl::string_view(contents).substr(0, end);
  size_t line_number = 0;
  for (absl::string_view line :
       absl::StrSplit(whole, '\n', absl::SkipEmpty())) {
    ++line_number;
    const std::vector<std::string> fields = absl::StrSplit(line, '\t');
    int64_t nanos = 0;
    if (fields.size() != 3 || !absl::SimpleAtoi(fields[2], &nanos)) {
      return absl::DataLossError(absl::StrCat(
          path, " line ", line_number,
          ": not 'request_id<TAB>code<TAB>unix_nanos'; the queue was edited "
          "or damaged"));
    }
    scans.push_back({.request_id = fields[0],
                     .code = fields[1],
                     .scanned_at = absl::FromUnixNanos(nanos)});
  }
  {
    absl::MutexLock lock(&queue->mu_);
    queue->scans_ = std::move(scans);
    // Drop a torn tail now, so that the next append starts a line of its own.
    if (end + 1 != contents.size()) {
      std::string rewritten;
      for (const QueuedScan& scan : queue->scans_) rewritten += Line(scan);
      if (absl::Status written = WriteFileDurably(path, rewritten);
          !written.ok()) {
        return written;
      }
    }
  }
  return queue;
}

OfflineQueue::~OfflineQueue() { close(lock_fd_); }  // releases the flock

absl::Status OfflineQueue::Add(QueuedScan scan) {
  if (scan.request_id.empty() || HasSeparator(scan.request_id) ||
      HasSeparator(scan.code)) {
    return absl::InvalidArgumentError(
        "a queued scan needs a request id, and neither it nor the code may "
        "hold a tab or a line break");
  }
  absl::MutexLock lock(&mu_);
  if (absl::Status appended = AppendFileDurably(path_, Line(scan));
      !appended.ok()) {
    return appended;
  }
  scans_.push_back(std::move(scan));
  return absl::OkStatus();
}

std::vector<QueuedScan> OfflineQueue::Scans() const {
  absl::MutexLock lock(&mu_);
  return scans_;
}

size_t OfflineQueue::size() const {
  absl::MutexLock lock(&mu_);
  return scans_.size();
}

absl::Status OfflineQueue::Remove(
    const absl::flat_hash_set<std::string>& request_ids) {
  absl::MutexLock lock(&mu_);
  std::vector<QueuedScan> kept;
  std::string rewritten;
  for (const QueuedScan& scan : scans_) {
    if (request_ids.contains(scan.request_id)) continue;
    rewritten += Line(scan);
    kept.push_back(scan);  // a copy: scans_ stays whole if the write fails
  }
  if (absl::Status written = WriteFileDurably(path_, rewritten);
      !written.ok()) {
    return written;
  }
  scans_ = std::move(kept);
  return absl::OkStatus();
}

}  // namespace passclear
