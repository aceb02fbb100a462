// The gRPC handlers of passclear.v1.RedemptionService: validate the request,
// hand it to the PassStore, answer when the store's decision is durable.
//
// Handlers never block: CancelRedemption returns its reactor at once and the
// writer lane finishes it. CheckPass reads one key inline. Redeem is served
// through completion queues on the writer lanes' own threads
// (server/redeem_call_queue.h), which call HandleRedeem.
#ifndef PASSCLEAR_SERVER_REDEMPTION_SERVICE_H_
#define PASSCLEAR_SERVER_REDEMPTION_SERVICE_H_

#include <cstddef>
#include <functional>

#include "passclear/v1/redemption.grpc.pb.h"
#include "server/guarded_service.h"
#include "server/redemption_metrics.h"
#include "server/terminal_guard.h"
#include "storage/pass_store.h"

namespace passclear {

// The generated service with Redeem served through completion queues and
// every other method through callbacks.
using RedemptionServiceBase =
    v1::RedemptionService::WithCallbackMethod_RedeemBatch<
        v1::RedemptionService::WithCallbackMethod_RedeemStream<
            v1::RedemptionService::WithCallbackMethod_CheckPass<
                v1::RedemptionService::WithCallbackMethod_CancelRedemption<
                    v1::RedemptionService::WithAsyncMethod_Redeem<
                        v1::RedemptionService::Service>>>>>;

class RedemptionService final
    : public GuardedService<v1::RedemptionService, RedemptionServiceBase> {
 public:
  RedemptionService(storage::PassStore& store, size_t max_batch_items,
                    RedemptionMetrics& metrics, TerminalLimiter& limiter,
                    AccessControl& access);

  // Admits, decides and answers one Redeem call: `finish` is called once,
  // with `response` filled, when the answer is durable (or refused).
  void HandleRedeem(const grpc::ServerContextBase& context,
                    const v1::RedeemRequest& request,
                    v1::RedeemResponse* response,
                    std::function<void(const grpc::Status&)> finish);
  grpc::ServerUnaryReactor* RedeemBatch(
      grpc::CallbackServerContext* context,
      const v1::RedeemBatchRequest* request,
      v1::RedeemBatchResponse* response) override;
  grpc::ServerBidiReactor<v1::RedeemRequest, v1::RedeemResponse>* RedeemStream(
      grpc::CallbackServerContext* context) override;
  grpc::ServerUnaryReactor* CheckPass(grpc::CallbackServerContext* context,
                                      const v1::CheckPassRequest* request,
                                      v1::CheckPassResponse* response) override;
  grpc::ServerUnaryReactor* CancelRedemption(
      grpc::CallbackServerContext* context,
      const v1::CancelRedemptionRequest* request,
      v1::CancelRedemptionResponse* response) override;

 private:
  // When the caller (a terminal) was enrolled: no scan of its is older.
  absl::StatusOr<absl::Time> TerminalEnrolledAt(
      const grpc::ServerContextBase& context);

  storage::PassStore& store_;
  const size_t max_batch_items_;
  RedemptionMetrics& metrics_;
  TerminalGuard guard_;
};

}  // namespace passclear

#endif  // PASSCLEAR_SERVER_REDEMPTION_SERVICE_H_
