#include "server/redeem_command.h"

#include "server/pass_code.h"
#include "server/request_validation.h"
#include "storage/status_macros.h"

namespace passclear {

absl::StatusOr<storage::RedeemCommand> ToRedeemCommand(
    const v1::RedeemRequest& request, absl::Time now) {
  RETURN_IF_ERROR(CheckVenueId("venue_id", request.venue_id()));
  RETURN_IF_ERROR(CheckIdentifier("terminal_id", request.terminal_id()));
  RETURN_IF_ERROR(CheckIdentifier("request_id", request.request_id()));
  ASSIGN_OR_RETURN(std::optional<absl::Time> scanned_at,
                   ParseScanTime("scanned_at", request.has_scanned_at(),
                                 request.scanned_at(), now));
  ASSIGN_OR_RETURN(uint64_t serial, ParsePassCode(request.code()));
  return storage::RedeemCommand{.serial = serial,
                                .venue_id = request.venue_id(),
                                .terminal_id = request.terminal_id(),
                                .request_id = request.request_id(),
                                .scanned_at = scanned_at};
}

}  // namespace passclear
