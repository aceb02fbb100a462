// Minimal structured-enough logging to stderr: a UTC timestamp, a level and
// a message. Debian's Abseil (20220623) predates absl/log.
//
//   LogInfo(absl::StrCat("listening on ", address));
#ifndef PASSCLEAR_SERVER_LOG_H_
#define PASSCLEAR_SERVER_LOG_H_

#include "absl/strings/string_view.h"

namespace passclear {

void LogInfo(absl::string_view message);
void LogWarning(absl::string_view message);
void LogError(absl::string_view message);

}  // namespace passclear

#endif  // PASSCLEAR_SERVER_LOG_H_
