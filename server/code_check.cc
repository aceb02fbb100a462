#include "server/code_check.h"

#include "absl/strings/str_cat.h"
#include "server/pass_code.h"
#include "storage/redeem_rules.h"
#include "storage/status_macros.h"

namespace passclear {

absl::StatusOr<CheckedCode> CheckCode(const storage::PassStore& store,
                                      absl::string_view code) {
  ASSIGN_OR_RETURN(PassCode parsed, ParsePassCode(code));
  if (!store.OwnsSerial(parsed.serial)) {
    const absl::Status not_owned = store.NotOwnedError(parsed.serial);
    return absl::Status(not_owned.code(),
                        absl::StrCat("code: ", not_owned.message()));
  }
  return CheckedCode{.serial = parsed.serial,
                     .counterfeit = store.CheckTag(parsed.serial, parsed.tag) ==
                                    storage::PassStore::TagCheck::kCounterfeit};
}

std::string CounterfeitMessage(uint64_t serial) {
  return absl::StrCat("the code of pass ", storage::FormatSerial(serial),
                      " is counterfeit: its authenticity tag does not match");
}

absl::StatusOr<std::string> PrintableCode(const storage::PassStore& store,
                                          uint64_t serial) {
  ASSIGN_OR_RETURN(uint64_t tag, store.TagFor(serial));
  return FormatPassCode({.serial = serial, .tag = tag});
}

}  // namespace passclear
