#include "tests/integration/store_checks.h"

#include "gtest/gtest.h"
#include "tests/integration/unavailable_retry.h"

namespace passclear::testing {

void ExpectRedeemedBy(v1::RedemptionService::Stub& redemption,
                      const std::map<std::string, std::string>& terminal_of) {
  for (const auto& [code, terminal] : terminal_of) {
    v1::CheckPassRequest check;
    check.set_code(code);
    v1::CheckPassResponse state;
    const grpc::Status status =
        RetryWhileUnavailable("CheckPass", [&](grpc::ClientContext& context) {
          return redemption.CheckPass(&context, check, &state);
        });
    EXPECT_TRUE(status.ok()) << code << ": " << status.error_message();
    EXPECT_EQ(state.state(), v1::PASS_STATE_REDEEMED) << code;
    EXPECT_EQ(state.redemption().terminal_id(), terminal) << code;
  }
}

void ExpectReconciled(v1::ClearingService::Stub& clearing) {
  v1::ReconcileResponse reconciled;
  const grpc::Status status =
      RetryWhileUnavailable("Reconcile", [&](grpc::ClientContext& context) {
        return clearing.Reconcile(&context, {}, &reconciled);
      });
  ASSERT_TRUE(status.ok()) << status.error_message();
  for (const v1::Breach& breach : reconciled.breaches()) {
    ADD_FAILURE() << breach.rule() << ": " << breach.message();
  }
}

}  // namespace passclear::testing
