// libFuzzer target: any bytes given as a printed code are parsed without
// crashing, and a code that parses formats back to a code that parses to
// the same serial and tag.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "server/pass_code.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<passclear::PassCode> code = passclear::ParsePassCode(text);
  if (!code.ok()) {
    if (code.status().message().empty()) std::abort();  // errors say why
    return 0;
  }
  absl::StatusOr<passclear::PassCode> again =
      passclear::ParsePassCode(passclear::FormatPassCode(*code));
  if (!again.ok() || again->serial != code->serial || again->tag != code->tag) {
    std::abort();
  }
  return 0;
}
