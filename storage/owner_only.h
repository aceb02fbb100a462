// Keeps a directory and everything in it to its owner: no group or other
// permission bits. A store holds the programme keys that sign pass codes
// and the keys that sign batch statements; its backups hold them too.
//
//   ASSIGN_OR_RETURN(std::string narrowed, MakeOwnerOnlyDirectory(path));
//   if (!narrowed.empty()) log.Warning(narrowed);
//
// New files are their owner's by the process's umask (the server sets 077,
// and RocksDB creates its files 0644 before the umask): this creates the
// directory 0700 whatever the umask, and narrows what an earlier run, or a
// process with a wider umask, left readable by others.
#ifndef PASSCLEAR_STORAGE_OWNER_ONLY_H_
#define PASSCLEAR_STORAGE_OWNER_ONLY_H_

#include <string>

#include "absl/status/statusor.h"

namespace passclear::storage {

// Creates `path` (and missing parents) if needed, mode 0700, and removes the
// group and other bits of it and of every file and folder under it that
// this process's user owns (symbolic links are left alone, and not
// followed; what another user owns, such as a mounted volume's root, too).
// Returns what was narrowed, for the log ("... was 0755, now 0700; ..."),
// or an empty string.
[[nodiscard]] absl::StatusOr<std::string> MakeOwnerOnlyDirectory(
    const std::string& path);

}  // namespace passclear::storage

#endif  // PASSCLEAR_STORAGE_OWNER_ONLY_H_
