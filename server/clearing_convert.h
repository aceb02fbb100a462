// Conversions from the clearing domain (storage/) to the clearing contract
// (passclear.v1 clearing.proto).
#ifndef PASSCLEAR_SERVER_CLEARING_CONVERT_H_
#define PASSCLEAR_SERVER_CLEARING_CONVERT_H_

#include "passclear/v1/clearing.pb.h"
#include "storage/pass_store.h"
#include "storage/records.h"

namespace passclear {

void FillBatch(const storage::ClaimBatch& batch, v1::ClaimBatch* message);
void FillClaimLine(const storage::ClaimLineEntry& entry,
                   v1::ClaimLine* message);

}  // namespace passclear

#endif  // PASSCLEAR_SERVER_CLEARING_CONVERT_H_
