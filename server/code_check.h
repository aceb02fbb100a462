// Checks a code as a terminal sent it: well formed (else INVALID_ARGUMENT
// naming the problem), owned by this instance of a partitioned scheme (else
// FAILED_PRECONDITION), then authentic or counterfeit, from memory only.
//
//   ASSIGN_OR_RETURN(CheckedCode code, CheckCode(store, request.code()));
//   if (code.counterfeit) { ...answer COUNTERFEIT with CounterfeitMessage... }
//
// A well-formed code of a serial that was never issued is not counterfeit
// here: the store answers it UNKNOWN_SERIAL.
#ifndef PASSCLEAR_SERVER_CODE_CHECK_H_
#define PASSCLEAR_SERVER_CODE_CHECK_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage/pass_store.h"

namespace passclear {

struct CheckedCode {
  uint64_t serial = 0;
  bool counterfeit = false;
};

[[nodiscard]] absl::StatusOr<CheckedCode> CheckCode(
    const storage::PassStore& store, absl::string_view code);

std::string CounterfeitMessage(uint64_t serial);

// The printable code of an issued serial.
[[nodiscard]] absl::StatusOr<std::string> PrintableCode(
    const storage::PassStore& store, uint64_t serial);

}  // namespace passclear

#endif  // PASSCLEAR_SERVER_CODE_CHECK_H_
