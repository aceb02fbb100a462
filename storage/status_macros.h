// Early-return helpers for absl::Status, as used across passclear.
//
// Debian's Abseil has no status_macros.h, so these two live here:
//
//   RETURN_IF_ERROR(db.Write(batch));
//   ASSIGN_OR_RETURN(PassRecord pass, ReadPass(serial));
//
// Both expand to plain statements (no GNU statement expressions).
#ifndef PASSCLEAR_STORAGE_STATUS_MACROS_H_
#define PASSCLEAR_STORAGE_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define PASSCLEAR_CONCAT_INNER(a, b) a##b
#define PASSCLEAR_CONCAT(a, b) PASSCLEAR_CONCAT_INNER(a, b)

#define RETURN_IF_ERROR(expr)                                               \
  do {                                                                      \
    if (absl::Status passclear_status_ = (expr); !passclear_status_.ok()) { \
      return passclear_status_;                                             \
    }                                                                       \
  } while (false)

#define PASSCLEAR_ASSIGN_OR_RETURN_IMPL(statusor, lhs, expr) \
  auto statusor = (expr);                                    \
  if (!statusor.ok()) return std::move(statusor).status();   \
  lhs = std::move(statusor).value()

#define ASSIGN_OR_RETURN(lhs, expr) \
  PASSCLEAR_ASSIGN_OR_RETURN_IMPL(  \
      PASSCLEAR_CONCAT(passclear_statusor_, __LINE__), lhs, expr)

#endif  // PASSCLEAR_STORAGE_STATUS_MACROS_H_
