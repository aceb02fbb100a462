// Writes a small file so that, once the call returns, it survives a power
// cut whole or not at all: a temporary file, fsync, rename over the target,
// fsync of the directory.
#ifndef PASSCLEAR_SERVER_DURABLE_FILE_H_
#define PASSCLEAR_SERVER_DURABLE_FILE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace passclear {

// The file is readable and writable by its owner only.
absl::Status WriteFileDurably(const std::string& path,
                              absl::string_view contents);

}  // namespace passclear

#endif  // PASSCLEAR_SERVER_DURABLE_FILE_H_
