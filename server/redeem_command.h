// Turns a RedeemRequest into the store's RedeemCommand, checking every field
// (INVALID_ARGUMENT naming the field) and the code's authenticity. Shared by
// Redeem and RedeemStream.
#ifndef PASSCLEAR_SERVER_REDEEM_COMMAND_H_
#define PASSCLEAR_SERVER_REDEEM_COMMAND_H_

#include "absl/status/statusor.h"
#include "passclear/v1/redemption.pb.h"
#include "storage/pass_store.h"
#include "storage/redemption.h"

namespace passclear {

struct RedeemInput {
  storage::RedeemCommand command;
  // A counterfeit code is answered COUNTERFEIT by the server itself: the
  // command must not reach the store.
  bool counterfeit = false;
};

[[nodiscard]] absl::StatusOr<RedeemInput> ToRedeemCommand(
    const v1::RedeemRequest& request, const storage::PassStore& store);

// The answer to a counterfeit code.
void FillCounterfeit(uint64_t serial, v1::RedeemResponse* response);

}  // namespace passclear

#endif  // PASSCLEAR_SERVER_REDEEM_COMMAND_H_
