#include "storage/owner_only.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace passclear::storage {
namespace {

constexpr mode_t kNotOwner = S_IRWXG | S_IRWXO;

absl::Status Failed(absl::string_view what, const std::string& path) {
  return absl::FailedPreconditionError(
      absl::StrCat("cannot ", what, " ", path, ": ", std::strerror(errno)));
}

}  // namespace

absl::StatusOr<std::string> MakeOwnerOnlyDirectory(const std::string& path) {
  struct stat status {};
  if (stat(path.c_str(), &status) != 0) {
    if (errno != ENOENT) return Failed("read", path);
    const std::filesystem::path parent =
        std::filesystem::path(path).lexically_normal().parent_path();
    std::error_code error;
    if (!parent.empty()) std::filesystem::create_directories(parent, error);
    if (error) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cannot create ", parent.string(), ": ", error.message()));
    }
    if (mkdir(path.c_str(), 0700) != 0) return Failed("create", path);
    // mkdir applied the umask, which may have taken the owner's bits too.
    if (chmod(path.c_str(), 0700) != 0) return Failed("set the mode of", path);
    return std::string();
  }
  if (!S_ISDIR(status.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, " exists and is not a directory"));
  }
  // What another user owns is left as it is: the root of a mounted volume
  // (root:fsGroup in Kubernetes), its lost+found.
  const uid_t owner = geteuid();
  const bool narrow_root =
      status.st_uid == owner && (status.st_mode & kNotOwner) != 0;
  const mode_t before = status.st_mode & 07777;
  if (narrow_root && chmod(path.c_str(), before & ~kNotOwner) != 0) {
    return Failed("set the mode of", path);
  }
  uint64_t entries = 0;
  std::error_code error;
  for (std::filesystem::recursive_directory_iterator
           it(path, std::filesystem::directory_options::skip_permission_denied,
              error),
       end;
       !error && it != end; it.increment(error)) {
    struct stat entry {};
    const std::string name = it->path().string();
    if (lstat(name.c_str(), &entry) != 0) {
      if (errno == ENOENT) continue;  // removed meanwhile
      return Failed("read", name);
    }
    if (S_ISLNK(entry.st_mode) || entry.st_uid != owner ||
        (entry.st_mode & kNotOwner) == 0) {
      continue;
    }
    if (chmod(name.c_str(), entry.st_mode & 07777 & ~kNotOwner) != 0) {
      return Failed("set the mode of", name);
    }
    ++entries;
  }
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot list ", path, ": ", error.message()));
  }
  std::string in_it;
  if (entries > 0) {
    in_it = absl::StrCat(
        entries, entries == 1 ? " file or folder" : " files and folders",
        " in ", path, " could be read by others, now by the owner only");
  }
  if (!narrow_root) return in_it;
  std::string narrowed = absl::StrFormat("%s was %04o, now %04o", path, before,
                                         before & ~kNotOwner);
  if (!in_it.empty()) absl::StrAppend(&narrowed, "; ", in_it);
  return narrowed;
}

}  // namespace passclear::storage
