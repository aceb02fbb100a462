// Writes files so that, once the call returns, what was written survives a
// power cut.
#ifndef PASSCLEAR_SERVER_DURABLE_FILE_H_
#define PASSCLEAR_SERVER_DURABLE_FILE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace passclear {

// Replaces the file whole or not at all: a temporary file, fsync, rename
// over the target, fsync of the directory. The file is readable and
// writable by its owner only.
[[nodiscard]] absl::Status WriteFileDurably(const std::string& path,
                                            absl::string_view contents);

// Appends `contents` and syncs the file (and its directory when it is new).
// A power cut during the call may leave part of `contents` at the end.
[[nodiscard]] absl::Status AppendFileDurably(const std::string& path,
                                             absl::string_view contents);

// Removes `path` if it exists and syncs its directory, so that the removal
// survives a power cut.
[[nodiscard]] absl::Status RemoveFileDurably(const std::string& path);

}  // namespace passclear

#endif  // PASSCLEAR_SERVER_DURABLE_FILE_H_
