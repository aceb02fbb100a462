// LD_PRELOAD shim for power-cut tests: it records, for every file under
// $PASSCLEAR_POWER_CUT_DIR, how many bytes were on disk when a sync of it
// returned, and every rename, in the log $PASSCLEAR_POWER_CUT_LOG. After
// the process is killed, the test truncates each file to its last synced
// size (power_cut.h): what a power cut leaves of data written after the
// last fsync, with a file system that keeps nothing unsynced.
//
// The size is taken before the sync starts: bytes appended meanwhile by
// another thread are not counted as synced.
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

namespace {

using SyncFunction = int (*)(int);
using RenameFunction = int (*)(const char*, const char*);

const char* WatchedDir() {
  static const char* dir = getenv("PASSCLEAR_POWER_CUT_DIR");
  return dir;
}

int LogFd() {
  static const int fd = [] {
    const char* path = getenv("PASSCLEAR_POWER_CUT_LOG");
    return path == nullptr
               ? -1
               : open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  }();
  return fd;
}

bool Watched(const std::string& path) {
  const char* dir = WatchedDir();
  return dir != nullptr && path.rfind(dir, 0) == 0;
}

// One write of a whole line: O_APPEND keeps lines from threads apart.
void LogLine(const std::string& line) {
  if (LogFd() >= 0) {
    const ssize_t written = write(LogFd(), line.data(), line.size());
    (void)written;  // a lost record only makes the test stricter
  }
}

std::string PathOf(int fd) {
  char link[64];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  char target[4096];
  const ssize_t length = readlink(link, target, sizeof target - 1);
  return length > 0 ? std::string(target, length) : std::string();
}

int SyncAndRecord(const char* name, int fd) {
  static SyncFunction fsync_real =
      reinterpret_cast<SyncFunction>(dlsym(RTLD_NEXT, "fsync"));
  static SyncFunction fdatasync_real =
      reinterpret_cast<SyncFunction>(dlsym(RTLD_NEXT, "fdatasync"));
  struct stat before {};
  const bool regular = fstat(fd, &before) == 0 && S_ISREG(before.st_mode);
  const int result =
      strcmp(name, "fsync") == 0 ? fsync_real(fd) : fdatasync_real(fd);
  if (result == 0 && regular) {
    const std::string path = PathOf(fd);
    if (Watched(path)) {
      LogLine("sync " + std::to_string(before.st_size) + " " + path + "\n");
    }
  }
  return result;
}

}  // namespace

extern "C" {

int fsync(int fd) { return SyncAndRecord("fsync", fd); }

int fdatasync(int fd) { return SyncAndRecord("fdatasync", fd); }

// A rename is durable once its directory is synced; RocksDB syncs the
// directory right after renaming CURRENT, so it is logged as done.
int rename(const char* from, const char* to) {
  static RenameFunction rename_real =
      reinterpret_cast<RenameFunction>(dlsym(RTLD_NEXT, "rename"));
  const int result = rename_real(from, to);
  if (result == 0 && Watched(to)) {
    LogLine(std::string("rename ") + from + " " + to + "\n");
  }
  return result;
}

}  // extern "C"
