// The gRPC handlers of passclear.v1.ClearingService: the payment
// mandatary's log of closed batches, payment acknowledgements, SEPA export,
// signed statements, and the operator's cycle close and audit.
//
// Closing a cycle and reconciling read much of the store; they run inline
// in the handler, which occupies one callback thread for their duration
// (seconds at national scale). They are rare operator calls.
#ifndef PASSCLEAR_SERVER_CLEARING_SERVICE_H_
#define PASSCLEAR_SERVER_CLEARING_SERVICE_H_

#include <string>

#include "passclear/v1/clearing.grpc.pb.h"
#include "server/guarded_service.h"
#include "server/redemption_metrics.h"
#include "server/sepa_credit_transfer.h"
#include "storage/pass_store.h"

namespace passclear {

class ClearingService final : public GuardedService<v1::ClearingService> {
 public:
  // `mandatary` is the account transfers are paid from; `instance` this
  // server's name in a partitioned scheme (empty otherwise).
  ClearingService(storage::PassStore& store, SepaAccount mandatary,
                  std::string instance, RedemptionMetrics& metrics,
                  AccessControl& access);

  grpc::ServerUnaryReactor* CloseCycle(
      grpc::CallbackServerContext* context,
      const v1::CloseCycleRequest* request,
      v1::CloseCycleResponse* response) override;
  grpc::ServerUnaryReactor* ListClosedBatches(
      grpc::CallbackServerContext* context,
      const v1::ListClosedBatchesRequest* request,
      v1::ListClosedBatchesResponse* response) override;
  grpc::ServerUnaryReactor* GetBatch(grpc::CallbackServerContext* context,
                                     const v1::BatchRef* request,
                                     v1::ClaimBatch* response) override;
  grpc::ServerWriteReactor<v1::BatchLines>* StreamBatchLines(
      grpc::CallbackServerContext* context,
      const v1::BatchRef* request) override;
  grpc::ServerUnaryReactor* AcknowledgeBatch(
      grpc::CallbackServerContext* context,
      const v1::AcknowledgeBatchRequest* request,
      v1::ClaimBatch* response) override;
  grpc::ServerUnaryReactor* RejectBatch(grpc::CallbackServerContext* context,
                                        const v1::RejectBatchRequest* request,
                                        v1::ClaimBatch* response) override;
  grpc::ServerUnaryReactor* ResubmitBatch(grpc::CallbackServerContext* context,
                                          const v1::BatchRef* request,
                                          v1::ClaimBatch* response) override;
  grpc::ServerUnaryReactor* ExportCreditTransfers(
      grpc::CallbackServerContext* context,
      const v1::ExportCreditTransfersRequest* request,
      v1::ExportCreditTransfersResponse* response) override;
  grpc::ServerUnaryReactor* GetBatchStatement(
      grpc::CallbackServerContext* context, const v1::BatchRef* request,
      v1::BatchStatement* response) override;
  grpc::ServerUnaryReactor* ListSigningKeys(
      grpc::CallbackServerContext* context,
      const v1::ListSigningKeysRequest* request,
      v1::ListSigningKeysResponse* response) override;
  grpc::ServerUnaryReactor* RotateSigningKey(
      grpc::CallbackServerContext* context,
      const v1::RotateSigningKeyRequest* request,
      v1::SigningKey* response) override;
  grpc::ServerUnaryReactor* Reconcile(grpc::CallbackServerContext* context,
                                      const v1::ReconcileRequest* request,
                                      v1::ReconcileResponse* response) override;

 private:
  // A VENUE caller may only read its own venue's batches.
  [[nodiscard]] absl::Status CheckBatchVenue(
      const grpc::CallbackServerContext& context, absl::string_view method,
      const absl::StatusOr<storage::ClaimBatch>& batch);
  storage::PassStore& store_;
  const SepaAccount mandatary_;
  const std::string instance_;
  RedemptionMetrics& metrics_;
};

}  // namespace passclear

#endif  // PASSCLEAR_SERVER_CLEARING_SERVICE_H_
