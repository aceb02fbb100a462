// Conversions between the domain (storage/) and the public contract
// (passclear.v1). Handlers use these and never build messages by hand.
#ifndef PASSCLEAR_SERVER_PROTO_CONVERT_H_
#define PASSCLEAR_SERVER_PROTO_CONVERT_H_

#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"
#include "passclear/v1/admin.pb.h"
#include "passclear/v1/redemption.pb.h"
#include "storage/records.h"
#include "storage/redemption.h"
#include "storage/usage_report.h"

namespace passclear {

void SetTimestamp(absl::Time time, google::protobuf::Timestamp* timestamp);

void FillRedeemResponse(const storage::RedeemOutcome& outcome,
                        v1::RedeemResponse* response);
void FillCancelResponse(const storage::CancelOutcome& outcome,
                        v1::CancelRedemptionResponse* response);
void FillCheckResponse(const storage::PassStatus& status,
                       v1::CheckPassResponse* response);

void FillProgramme(const storage::Programme& programme, v1::Programme* message);
void FillVenue(const storage::Venue& venue, v1::Venue* message);
// Without the codes, which only IssueBooklets returns.
void FillBooklet(const storage::Booklet& booklet, v1::Booklet* message);
void FillUsage(uint64_t programme_id, const storage::UsageReport& report,
               v1::ProgrammeUsage* message);

}  // namespace passclear

#endif  // PASSCLEAR_SERVER_PROTO_CONVERT_H_
