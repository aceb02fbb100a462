#include "server/clearing_service.h"

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "server/batch_lines_stream.h"
#include "server/clearing_convert.h"
#include "server/credit_transfer_export.h"
#include "server/grpc_status.h"
#include "server/proto_convert.h"
#include "storage/batch_statement.h"
#include "storage/ed25519.h"
#include "storage/reconciliation.h"

namespace passclear {
namespace {

constexpr uint32_t kDefaultPageSize = 100;
constexpr uint32_t kMaxPageSize = 1000;

grpc::ServerUnaryReactor* Finish(grpc::CallbackServerContext* context,
                                 const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

// Answers with the batch, or the error.
grpc::ServerUnaryReactor* FinishWithBatch(
    grpc::CallbackServerContext* context,
    const absl::StatusOr<storage::ClaimBatch>& batch,
    v1::ClaimBatch* response) {
  if (batch.ok()) FillBatch(*batch, response);
  return Finish(context, batch.status());
}

absl::Status FillSigningKey(const storage::SigningKey& key,
                            v1::SigningKey* message) {
  absl::StatusOr<std::string> pem =
      storage::Ed25519PublicKeyPem(key.public_key);
  if (!pem.ok()) return pem.status();
  message->set_version(key.version);
  message->set_public_key_pem(*std::move(pem));
  SetTimestamp(key.created_at, message->mutable_created_at());
  return absl::OkStatus();
}

}  // namespace

absl::Status ClearingService::CheckBatchVenue(
    const grpc::CallbackServerContext& context, absl::string_view method,
    const absl::StatusOr<storage::ClaimBatch>& batch) {
  // A batch that cannot be read is answered by the handler as before.
  if (!batch.ok()) return absl::OkStatus();
  return access().CheckVenue(
      context, absl::StrCat("/passclear.v1.ClearingService/", method),
      batch->venue_id);
}

ClearingService::ClearingService(storage::PassStore& store,
                                 SepaAccount mandatary, std::string instance,
                                 RedemptionMetrics& metrics,
                                 AccessControl& access)
    : GuardedService(access),
      store_(store),
      mandatary_(std::move(mandatary)),
      instance_(std::move(instance)),
      metrics_(metrics) {
  Guard("CloseCycle", &ClearingService::CloseCycle);
  Guard("ListClosedBatches", &ClearingService::ListClosedBatches);
  Guard("GetBatch", &ClearingService::GetBatch);
  Guard("StreamBatchLines", &ClearingService::StreamBatchLines);
  Guard("AcknowledgeBatch", &ClearingService::AcknowledgeBatch);
  Guard("RejectBatch", &ClearingService::RejectBatch);
  Guard("ResubmitBatch", &ClearingService::ResubmitBatch);
  Guard("ExportCreditTransfers", &ClearingService::ExportCreditTransfers);
  Guard("GetBatchStatement", &ClearingService::GetBatchStatement);
  Guard("ListSigningKeys", &ClearingService::ListSigningKeys);
  Guard("RotateSigningKey", &ClearingService::RotateSigningKey);
  Guard("Reconcile", &ClearingService::Reconcile);
  RequireEveryMethodGuarded();
}

grpc::ServerUnaryReactor* ClearingService::CloseCycle(
    grpc::CallbackServerContext* context, const v1::CloseCycleRequest*,
    v1::CloseCycleResponse* response) {
  absl::StatusOr<storage::CycleClose> closed = store_.CloseCycle();
  if (closed.ok()) {
    response->set_closed_cycle(closed->closed_cycle);
    response->set_batches_closed(closed->batches_closed);
    response->set_lines(closed->lines);
    response->set_total_cents(closed->total_cents);
    response->set_current_cycle(store_.CurrentCycle().number);
  }
  return Finish(context, closed.status());
}

grpc::ServerUnaryReactor* ClearingService::ListClosedBatches(
    grpc::CallbackServerContext* context,
    const v1::ListClosedBatchesRequest* request,
    v1::ListClosedBatchesResponse* response) {
  const uint32_t page_size =
      request->page_size() == 0 ? kDefaultPageSize : request->page_size();
  if (page_size > kMaxPageSize) {
    return Finish(context, absl::InvalidArgumentError(
                               absl::StrCat("page_size: at most ", kMaxPageSize,
                                            ", got ", request->page_size())));
  }
  const uint64_t last = store_.LastCloseSeq();
  if (request->after_cursor() > last) {
    return Finish(context,
                  absl::OutOfRangeError(absl::StrCat(
                      "after_cursor: ", request->after_cursor(),
                      " is beyond the end of the log (the last close_seq is ",
                      last, "); it cannot come from this service")));
  }
  absl::StatusOr<std::vector<storage::ClaimBatch>> batches =
      store_.ListClosedBatches(request->after_cursor(), page_size);
  if (!batches.ok()) return Finish(context, batches.status());
  uint64_t next_cursor = request->after_cursor();
  for (const storage::ClaimBatch& batch : *batches) {
    FillBatch(batch, response->add_batches());
    next_cursor = batch.close_seq;
  }
  response->set_next_cursor(next_cursor);
  response->set_last_cursor(last);
  return Finish(context, absl::OkStatus());
}

grpc::ServerUnaryReactor* ClearingService::GetBatch(
    grpc::CallbackServerContext* context, const v1::BatchRef* request,
    v1::ClaimBatch* response) {
  absl::StatusOr<storage::ClaimBatch> batch =
      store_.ReadBatch(request->batch_id());
  if (absl::Status allowed = CheckBatchVenue(*context, "GetBatch", batch);
      !allowed.ok()) {
    return Finish(context, allowed);
  }
  return FinishWithBatch(context, std::move(batch), response);
}

grpc::ServerWriteReactor<v1::BatchLines>* ClearingService::StreamBatchLines(
    grpc::CallbackServerContext* context, const v1::BatchRef* request) {
  if (absl::Status allowed = CheckBatchVenue(
          *context, "StreamBatchLines", store_.ReadBatch(request->batch_id()));
      !allowed.ok()) {
    return new RefusedReactor<grpc::ServerWriteReactor<v1::BatchLines>>(
        allowed);
  }
  return new BatchLinesReactor(store_, request->batch_id());
}

grpc::ServerUnaryReactor* ClearingService::AcknowledgeBatch(
    grpc::CallbackServerContext* context,
    const v1::AcknowledgeBatchRequest* request, v1::ClaimBatch* response) {
  return FinishWithBatch(
      context,
      store_.AcknowledgeBatch(request->batch_id(), request->payment_reference(),
                              request->amount_paid_cents()),
      response);
}

grpc::ServerUnaryReactor* ClearingService::RejectBatch(
    grpc::CallbackServerContext* context, const v1::RejectBatchRequest* request,
    v1::ClaimBatch* response) {
  return FinishWithBatch(
      context, store_.RejectBatch(request->batch_id(), request->reason()),
      response);
}

grpc::ServerUnaryReactor* ClearingService::ResubmitBatch(
    grpc::CallbackServerContext* context, const v1::BatchRef* request,
    v1::ClaimBatch* response) {
  return FinishWithBatch(context, store_.ResubmitBatch(request->batch_id()),
                         response);
}

grpc::ServerUnaryReactor* ClearingService::ExportCreditTransfers(
    grpc::CallbackServerContext* context,
    const v1::ExportCreditTransfersRequest* request,
    v1::ExportCreditTransfersResponse* response) {
  std::optional<absl::CivilDay> execution_date;
  if (!request->execution_date().empty()) {
    absl::CivilDay day;
    if (!absl::ParseCivilTime(request->execution_date(), &day)) {
      return Finish(context, absl::InvalidArgumentError(absl::StrCat(
                                 "execution_date: expected YYYY-MM-DD, got '",
                                 request->execution_date(), "'")));
    }
    execution_date = day;
  }
  absl::StatusOr<CreditTransferFile> file = passclear::ExportCreditTransfers(
      store_, mandatary_, instance_,
      {request->batch_ids().begin(), request->batch_ids().end()},
      execution_date);
  if (file.ok()) {
    metrics_.ObserveExport(static_cast<int>(file->transfer_count));
    response->set_xml(std::move(file->xml));
    response->set_message_id(file->message_id);
    response->set_transfer_count(file->transfer_count);
    response->set_total_cents(file->total_cents);
  }
  return Finish(context, file.status());
}

grpc::ServerUnaryReactor* ClearingService::GetBatchStatement(
    grpc::CallbackServerContext* context, const v1::BatchRef* request,
    v1::BatchStatement* response) {
  absl::StatusOr<storage::ClaimBatch> batch =
      store_.ReadBatch(request->batch_id());
  if (!batch.ok()) return Finish(context, batch.status());
  if (absl::Status allowed =
          CheckBatchVenue(*context, "GetBatchStatement", batch);
      !allowed.ok()) {
    return Finish(context, allowed);
  }
  if (batch->signature.empty()) {
    return Finish(context,
                  absl::FailedPreconditionError(absl::StrCat(
                      "batch ", batch->id,
                      " has no statement: a statement is signed when a batch "
                      "with lines closes")));
  }
  response->set_batch_id(batch->id);
  response->set_text(storage::BatchStatement(*batch));
  response->set_signature(batch->signature);
  response->set_signing_key_version(batch->signing_key_version);
  return Finish(context, absl::OkStatus());
}

grpc::ServerUnaryReactor* ClearingService::ListSigningKeys(
    grpc::CallbackServerContext* context, const v1::ListSigningKeysRequest*,
    v1::ListSigningKeysResponse* response) {
  for (const storage::SigningKey& key : store_.SigningKeys()) {
    absl::Status filled = FillSigningKey(key, response->add_keys());
    if (!filled.ok()) return Finish(context, filled);
  }
  return Finish(context, absl::OkStatus());
}

grpc::ServerUnaryReactor* ClearingService::RotateSigningKey(
    grpc::CallbackServerContext* context, const v1::RotateSigningKeyRequest*,
    v1::SigningKey* response) {
  absl::StatusOr<storage::SigningKey> key = store_.RotateSigningKey();
  if (!key.ok()) return Finish(context, key.status());
  return Finish(context, FillSigningKey(*key, response));
}

grpc::ServerUnaryReactor* ClearingService::Reconcile(
    grpc::CallbackServerContext* context, const v1::ReconcileRequest*,
    v1::ReconcileResponse* response) {
  absl::StatusOr<storage::ReconciliationReport> report =
      storage::Reconcile(store_.database());
  if (!report.ok()) return Finish(context, report.status());
  response->set_passes_checked(report->passes_checked);
  response->set_claim_lines_checked(report->claim_lines_checked);
  response->set_batches_checked(report->batches_checked);
  response->set_programmes_checked(report->programmes_checked);
  for (const storage::Breach& breach : report->breaches) {
    v1::Breach* out = response->add_breaches();
    out->set_rule(breach.rule);
    out->set_message(breach.message);
    for (uint64_t serial : breach.serials) out->add_serials(serial);
  }
  return Finish(context, absl::OkStatus());
}

}  // namespace passclear
