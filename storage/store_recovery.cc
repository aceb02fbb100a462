#include "storage/store_recovery.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "server/durable_file.h"
#include "storage/status_macros.h"

namespace passclear::storage {
namespace {

std::string MarkerPath(const std::string& path) {
  return (std::filesystem::path(path) / kOpenMarkerFile).string();
}

// "26.3 KiB", "18.0 MiB": sizes an operator reads.
std::string Bytes(uint64_t bytes) {
  if (bytes < 1024) return absl::StrCat(bytes, " B");
  if (bytes < (uint64_t{1} << 20)) {
    return absl::StrFormat("%.1f KiB", static_cast<double>(bytes) / 1024);
  }
  return absl::StrFormat("%.1f MiB",
                         static_cast<double>(bytes) / (uint64_t{1} << 20));
}

// A write-ahead log file of RocksDB: "<number>.log".
bool IsWalFile(const std::filesystem::path& name) {
  uint64_t number = 0;
  return name.extension() == ".log" &&
         absl::SimpleAtoi(name.stem().string(), &number);
}

uint64_t SizeOfTree(const std::filesystem::path& folder) {
  uint64_t bytes = 0;
  std::error_code error;
  for (std::filesystem::recursive_directory_iterator it(folder, error), end;
       !error && it != end; it.increment(error)) {
    std::error_code ignored;
    if (it->is_regular_file(ignored)) bytes += it->file_size(ignored);
  }
  return bytes;
}

// Removes the ingest folders a stopped process left; says which, for the log.
absl::StatusOr<std::vector<std::string>> RemoveIngestLeftovers(
    const std::string& path) {
  std::vector<std::filesystem::path> folders;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(path, error)) {
    std::error_code ignored;
    if (absl::StartsWith(entry.path().filename().string(),
                         kIngestFolderPrefix) &&
        entry.is_directory(ignored)) {
      folders.push_back(entry.path());
    }
  }
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot list ", path, ": ", error.message()));
  }
  std::vector<std::string> removed;
  for (const std::filesystem::path& folder : folders) {
    const uint64_t bytes = SizeOfTree(folder);
    std::filesystem::remove_all(folder, error);
    if (error) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cannot remove ", folder.string(), ": ", error.message()));
    }
    removed.push_back(
        absl::StrCat(folder.filename().string(), " (", Bytes(bytes), ")"));
  }
  return removed;
}

}  // namespace

void ReplayCounter::OnTableFileCreated(
    const rocksdb::TableFileCreationInfo& info) {
  if (info.reason != rocksdb::TableFileCreationReason::kRecovery ||
      !info.status.ok()) {
    return;
  }
  tables_.fetch_add(1);
  entries_.fetch_add(info.table_properties.num_entries +
                     info.table_properties.num_range_deletions);
}

absl::StatusOr<StoreRecovery> StoreRecovery::Begin(const std::string& path,
                                                   bool is_new) {
  StoreRecovery recovery;
  recovery.path_ = path;
  recovery.is_new_ = is_new;
  std::error_code error;
  if (std::filesystem::exists(MarkerPath(path), error)) {
    std::ifstream in(MarkerPath(path));
    std::stringstream text;
    text << in.rdbuf();
    recovery.left_open_by_ =
        std::string(absl::StripAsciiWhitespace(text.str()));
    // A power cut may leave the marker, not its text.
    if (recovery.left_open_by_->empty()) {
      recovery.left_open_by_ = "opened by an earlier process";
    }
  }
  for (const auto& entry : std::filesystem::directory_iterator(path, error)) {
    std::error_code ignored;
    if (!IsWalFile(entry.path().filename()) ||
        !entry.is_regular_file(ignored)) {
      continue;
    }
    ++recovery.wal_files_;
    recovery.wal_bytes_ += entry.file_size(ignored);
  }
  if (error) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot read data directory ", path, ": ", error.message()));
  }
  return recovery;
}

absl::Status StoreRecovery::Finish(rocksdb::DB& db, StoreLog& log) {
  if (absl::Status marked = WriteFileDurably(
          MarkerPath(path_),
          absl::StrCat("opened by pid ", getpid(), " at ",
                       absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now(),
                                        absl::UTCTimeZone()),
                       "\n"));
      !marked.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot mark the store at ", path_, " open: ", marked.message()));
  }
  if (is_new_) {
    log.Info(absl::StrCat("created a new store at ", path_));
  } else if (left_open_by_) {
    log.Warning(absl::StrCat("the previous stop was not clean: the store at ",
                             path_, " was ", *left_open_by_,
                             " and never closed (killed, crashed or a power "
                             "cut); recovering"));
  } else {
    log.Info(absl::StrCat("the previous stop was clean: the store at ", path_,
                          " was closed"));
  }
  if (!is_new_) {
    const std::string wal =
        absl::StrCat(wal_files_, wal_files_ == 1 ? " file, " : " files, ",
                     Bytes(wal_bytes_));
    if (replay_->tables() == 0) {
      log.Info(
          absl::StrCat("recovery: nothing to replay from the write-ahead "
                       "log (",
                       wal, ")"));
    } else {
      log.Info(absl::StrCat(
          "recovery: replayed ", replay_->entries(),
          " entries from the write-ahead log (", wal, ") into ",
          replay_->tables(), replay_->tables() == 1 ? " table" : " tables",
          "; the store is at sequence number ", db.GetLatestSequenceNumber()));
    }
  }
  ASSIGN_OR_RETURN(std::vector<std::string> leftovers,
                   RemoveIngestLeftovers(path_));
  if (!leftovers.empty()) {
    log.Info(absl::StrCat(
        "recovery: removed ", absl::StrJoin(leftovers, ", "), " from ", path_,
        ": the SST files of an issuance cut short by a stop, never part of "
        "the store (an issuance is all or nothing)"));
  }
  return absl::OkStatus();
}

absl::Status MarkClosedCleanly(const std::string& path) {
  return RemoveFileDurably(MarkerPath(path));
}

}  // namespace passclear::storage
