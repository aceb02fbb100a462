// Turns a RedeemRequest into the store's RedeemCommand, checking every field
// (INVALID_ARGUMENT naming the field). Shared by Redeem and RedeemStream.
#ifndef PASSCLEAR_SERVER_REDEEM_COMMAND_H_
#define PASSCLEAR_SERVER_REDEEM_COMMAND_H_

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "passclear/v1/redemption.pb.h"
#include "storage/redemption.h"

namespace passclear {

[[nodiscard]] absl::StatusOr<storage::RedeemCommand> ToRedeemCommand(
    const v1::RedeemRequest& request, absl::Time now);

}  // namespace passclear

#endif  // PASSCLEAR_SERVER_REDEEM_COMMAND_H_
