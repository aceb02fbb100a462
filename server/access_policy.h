// Which roles may call which method: the whole access policy of the API in
// one table (see proto/passclear/v1/identity.proto for its contract).
//
//   const MethodAccess* access = AccessFor("/passclear.v1.AdminService/...");
//   if (access == nullptr) -> refused: a method missing here is never served
#ifndef PASSCLEAR_SERVER_ACCESS_POLICY_H_
#define PASSCLEAR_SERVER_ACCESS_POLICY_H_

#include <cstdint>

#include "absl/strings/string_view.h"
#include "storage/identity_store.h"

namespace passclear {

struct MethodAccess {
  // Callable without a credential (ActivateTerminal: the code is one).
  bool open = false;
  // Callable by any identity whatever its role.
  bool any_role = false;
  // The roles that may call it, one bit each (RoleBit).
  uint8_t roles = 0;
};

constexpr uint8_t RoleBit(storage::Role role) {
  return static_cast<uint8_t>(1u << static_cast<unsigned>(role));
}

// The rule of a method named "/package.Service/Method"; nullptr for a method
// the table does not name.
const MethodAccess* AccessFor(absl::string_view method);

bool RoleMayCall(const MethodAccess& access, storage::Role role);

}  // namespace passclear

#endif  // PASSCLEAR_SERVER_ACCESS_POLICY_H_
