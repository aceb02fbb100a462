#include "server/redeem_command.h"

#include "server/code_check.h"
#include "server/request_validation.h"
#include "storage/status_macros.h"

namespace passclear {

absl::StatusOr<RedeemInput> ToRedeemCommand(const v1::RedeemRequest& request,
                                            const storage::PassStore& store) {
  RETURN_IF_ERROR(CheckVenueId("venue_id", request.venue_id()));
  RETURN_IF_ERROR(CheckIdentifier("terminal_id", request.terminal_id()));
  RETURN_IF_ERROR(CheckIdentifier("request_id", request.request_id()));
  ASSIGN_OR_RETURN(std::optional<absl::Time> scanned_at,
                   ParseScanTime("scanned_at", request.has_scanned_at(),
                                 request.scanned_at(), store.Now()));
  ASSIGN_OR_RETURN(CheckedCode code, CheckCode(store, request.code()));
  return RedeemInput{.command = {.serial = code.serial,
                                 .venue_id = request.venue_id(),
                                 .terminal_id = request.terminal_id(),
                                 .request_id = request.request_id(),
                                 .scanned_at = scanned_at},
                     .counterfeit = code.counterfeit};
}

void FillCounterfeit(uint64_t serial, v1::RedeemResponse* response) {
  response->set_result(v1::REDEEM_RESULT_COUNTERFEIT);
  response->set_serial(serial);
  response->set_message(CounterfeitMessage(serial));
}

}  // namespace passclear
