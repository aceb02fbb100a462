#include "server/durable_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"

namespace passclear {
namespace {

absl::Status Failed(absl::string_view what, const std::string& path) {
  return absl::UnavailableError(
      absl::StrCat("cannot ", what, " ", path, ": ", std::strerror(errno)));
}

// Writes all of `contents` and syncs it; closes `fd` in every case.
absl::Status WriteAndSync(int fd, absl::string_view contents,
                          const std::string& path) {
  while (!contents.empty()) {
    const ssize_t written = write(fd, contents.data(), contents.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) {
      absl::Status status = Failed("write", path);
      close(fd);
      return status;
    }
    contents.remove_prefix(static_cast<size_t>(written));
  }
  if (fsync(fd) != 0) {
    absl::Status status = Failed("sync", path);
    close(fd);
    return status;
  }
  if (close(fd) != 0) return Failed("close", path);
  return absl::OkStatus();
}

// Makes a new or renamed directory entry of `path` durable.
absl::Status SyncParentDirectory(const std::string& path) {
  const std::filesystem::path parent =
      std::filesystem::path(path).parent_path();
  const std::string directory = parent.empty() ? "." : parent.string();
  const int dir_fd =
      open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return Failed("open directory", directory);
  const bool synced = fsync(dir_fd) == 0;
  close(dir_fd);
  if (!synced) return Failed("sync directory", directory);
  return absl::OkStatus();
}

}  // namespace

absl::Status WriteFileDurably(const std::string& path,
                              absl::string_view contents) {
  const std::string temporary = path + ".tmp";
  const int fd =
      open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Failed("create", temporary);
  if (absl::Status written = WriteAndSync(fd, contents, temporary);
      !written.ok()) {
    return written;
  }
  if (rename(temporary.c_str(), path.c_str()) != 0) {
    return Failed("rename into", path);
  }
  return SyncParentDirectory(path);
}

absl::Status AppendFileDurably(const std::string& path,
                               absl::string_view contents) {
  const bool existed = std::filesystem::exists(path);
  const int fd =
      open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return Failed("open", path);
  if (absl::Status written = WriteAndSync(fd, contents, path); !written.ok()) {
    return written;
  }
  return existed ? absl::OkStatus() : SyncParentDirectory(path);
}

absl::Status RemoveFileDurably(const std::string& path) {
  if (unlink(path.c_str()) != 0) {
    if (errno == ENOENT) return absl::OkStatus();
    return Failed("remove", path);
  }
  return SyncParentDirectory(path);
}

}  // namespace passclear
