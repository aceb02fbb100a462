// Checks the crash, backup and restart tests make of a store through the
// real API once the server is up again. They fail the test (EXPECT) and
// name the pass or the breach. Like any client of a server just restarted,
// they call again while it answers UNAVAILABLE (unavailable_retry.h).
#ifndef PASSCLEAR_TESTS_INTEGRATION_STORE_CHECKS_H_
#define PASSCLEAR_TESTS_INTEGRATION_STORE_CHECKS_H_

#include <map>
#include <string>

#include "passclear/v1/clearing.grpc.pb.h"
#include "passclear/v1/redemption.grpc.pb.h"

namespace passclear::testing {

// Each code is redeemed (not claimed or paid yet), by its terminal.
void ExpectRedeemedBy(v1::RedemptionService::Stub& redemption,
                      const std::map<std::string, std::string>& terminal_of);

// Reconcile finds no breach: one claim line per redeemed pass and the
// reverse, totals and counters agree.
void ExpectReconciled(v1::ClearingService::Stub& clearing);

}  // namespace passclear::testing

#endif  // PASSCLEAR_TESTS_INTEGRATION_STORE_CHECKS_H_
