#include "server/redemption_service.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "server/code_check.h"
#include "server/grpc_status.h"
#include "server/pass_code.h"
#include "server/proto_convert.h"
#include "server/redeem_command.h"
#include "server/redeem_stream.h"
#include "server/request_validation.h"
#include "storage/status_macros.h"

namespace passclear {
namespace {

// Checks the batch as a whole: ids, size, every item's request id and scan
// time. Codes are judged item by item later (a misread code refuses its item,
// not the upload).
// In a partitioned scheme, a batch holding another instance's pass is
// refused whole, before any item is decided: the client splits its uploads
// by owner.
absl::Status CheckBatchOwned(const v1::RedeemBatchRequest& request,
                             const storage::PassStore& store) {
  for (int i = 0; i < request.items_size(); ++i) {
    absl::StatusOr<PassCode> code = ParsePassCode(request.items(i).code());
    if (code.ok() && !store.OwnsSerial(code->serial)) {
      const absl::Status not_owned = store.NotOwnedError(code->serial);
      return absl::Status(
          not_owned.code(),
          absl::StrCat("items[", i, "].code: ", not_owned.message()));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckBatch(const v1::RedeemBatchRequest& request, size_t max_items,
                        absl::Time now) {
  RETURN_IF_ERROR(CheckVenueId("venue_id", request.venue_id()));
  RETURN_IF_ERROR(CheckIdentifier("terminal_id", request.terminal_id()));
  if (request.items().empty()) {
    return absl::InvalidArgumentError("items: at least one item required");
  }
  if (static_cast<size_t>(request.items_size()) > max_items) {
    return absl::InvalidArgumentError(
        absl::StrCat("items: at most ", max_items, " per batch, got ",
                     request.items_size(), "; split the upload"));
  }
  absl::flat_hash_map<std::string, int> first_use;
  for (int i = 0; i < request.items_size(); ++i) {
    const v1::RedeemBatchItem& item = request.items(i);
    const std::string field = absl::StrCat("items[", i, "]");
    RETURN_IF_ERROR(
        CheckIdentifier(absl::StrCat(field, ".request_id"), item.request_id()));
    auto [it, inserted] = first_use.emplace(item.request_id(), i);
    if (!inserted) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".request_id: duplicates items[", it->second,
                       "].request_id; every scan needs its own request_id"));
    }
    RETURN_IF_ERROR(ParseScanTime(absl::StrCat(field, ".scanned_at"),
                                  item.has_scanned_at(), item.scanned_at(), now)
                        .status());
  }
  return absl::OkStatus();
}

// Gathers the answers of a batch's items, which complete on several writer
// lanes, and finishes the call with the last one.
class BatchCompletion {
 public:
  BatchCompletion(grpc::ServerUnaryReactor* reactor, size_t items)
      : reactor_(reactor), remaining_(items) {}

  // A store error (not a refusal) fails the whole call: the client retries
  // the batch with the same request ids and gets the decided items replayed.
  void Fail(const absl::Status& status) {
    absl::MutexLock lock(&mu_);
    if (first_error_.ok()) first_error_ = status;
  }

  void ItemDone() {
    if (remaining_.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    absl::MutexLock lock(&mu_);
    reactor_->Finish(ToGrpcStatus(first_error_));
  }

 private:
  grpc::ServerUnaryReactor* const reactor_;
  std::atomic<size_t> remaining_;
  absl::Mutex mu_;
  absl::Status first_error_ ABSL_GUARDED_BY(mu_);
};

void FillRefusal(v1::RedeemResult result, uint64_t serial,
                 absl::string_view message, v1::RedeemResponse* response) {
  response->set_result(result);
  response->set_serial(serial);
  response->set_message(std::string(message));
}

}  // namespace

RedemptionService::RedemptionService(storage::PassStore& store,
                                     size_t max_batch_items,
                                     RedemptionMetrics& metrics,
                                     TerminalLimiter& limiter,
                                     AccessControl& access)
    : GuardedService(access),
      store_(store),
      max_batch_items_(max_batch_items),
      metrics_(metrics),
      guard_(limiter, metrics) {
  AdmittedByHandler("Redeem");
  Guard("RedeemBatch", &RedemptionService::RedeemBatch);
  Guard("RedeemStream", &RedemptionService::RedeemStream);
  Guard("CheckPass", &RedemptionService::CheckPass);
  Guard("CancelRedemption", &RedemptionService::CancelRedemption);
  RequireEveryMethodGuarded();
}

absl::StatusOr<absl::Time> RedemptionService::TerminalEnrolledAt(
    const grpc::ServerContextBase& context) {
  ASSIGN_OR_RETURN(storage::Identity caller, access().Caller(context));
  return caller.created_at;
}

void RedemptionService::HandleRedeem(
    const grpc::ServerContextBase& context, const v1::RedeemRequest& request,
    v1::RedeemResponse* response,
    std::function<void(const grpc::Status&)> finish) {
  static const std::string kMethod = FullName("Redeem");
  if (absl::StatusOr<storage::Identity> caller =
          access().Admit(context, kMethod, &request);
      !caller.ok()) {
    finish(ToGrpcStatus(caller.status()));
    return;
  }
  absl::StatusOr<RedeemInput> input = ToRedeemCommand(request, store_);
  if (input.ok()) {
    if (absl::Status admitted = guard_.Admit(request.terminal_id(), 1);
        !admitted.ok()) {
      input = admitted;
    }
  }
  if (input.ok() && input->command.scanned_at) {
    absl::StatusOr<absl::Time> enrolled = TerminalEnrolledAt(context);
    if (enrolled.ok()) {
      input->command.terminal_enrolled_at = *enrolled;
    } else {
      input = enrolled.status();
    }
  }
  if (!input.ok()) {
    finish(ToGrpcStatus(input.status()));
    return;
  }
  if (input->counterfeit) {
    guard_.CounterfeitScanned(request.terminal_id());
    response->set_request_id(request.request_id());
    FillCounterfeit(input->command.serial, response);
    metrics_.ObserveRedeem(*response);
    finish(grpc::Status::OK);
    return;
  }
  store_.Redeem(std::move(input->command),
                [this, finish = std::move(finish), request = &request, response,
                 submitted = absl::Now()](
                    absl::StatusOr<storage::RedeemOutcome> outcome) {
                  metrics_.ObserveDurable(absl::Now() - submitted);
                  response->set_request_id(request->request_id());
                  if (outcome.ok()) {
                    FillRedeemResponse(*outcome, response);
                    metrics_.ObserveRedeem(*response);
                  }
                  finish(ToGrpcStatus(outcome.status()));
                });
}

grpc::ServerUnaryReactor* RedemptionService::RedeemBatch(
    grpc::CallbackServerContext* context, const v1::RedeemBatchRequest* request,
    v1::RedeemBatchResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const absl::Time now = store_.Now();
  absl::Status status = CheckBatch(*request, max_batch_items_, now);
  if (status.ok()) status = CheckBatchOwned(*request, store_);
  // An upload costs one token per item.
  if (status.ok())
    status = guard_.Admit(request->terminal_id(), request->items_size());
  // Offline uploads: scans no older than the terminal.
  absl::Time enrolled_at = absl::InfinitePast();
  if (status.ok() &&
      std::any_of(request->items().begin(), request->items().end(),
                  [](const v1::RedeemBatchItem& item) {
                    return item.has_scanned_at();
                  })) {
    absl::StatusOr<absl::Time> enrolled = TerminalEnrolledAt(*context);
    if (enrolled.ok()) {
      enrolled_at = *enrolled;
    } else {
      status = enrolled.status();
    }
  }
  if (!status.ok()) {
    reactor->Finish(ToGrpcStatus(status));
    return reactor;
  }
  // Every result exists before any item is submitted: lanes fill them
  // concurrently, each its own, and the container never grows meanwhile.
  // The last item to complete finishes the call, after which neither
  // `request` nor `response` may be touched: the loop bound is read once.
  const int item_count = request->items_size();
  metrics_.ObserveBatchItems(item_count);
  for (int i = 0; i < item_count; ++i) response->add_results();
  auto completion = std::make_shared<BatchCompletion>(reactor, item_count);
  std::vector<storage::PassStore::RedeemRequest> redemptions;
  redemptions.reserve(item_count);
  for (int i = 0; i < item_count; ++i) {
    const v1::RedeemBatchItem& item = request->items(i);
    v1::RedeemResponse* result = response->mutable_results(i);
    result->set_request_id(item.request_id());
    absl::StatusOr<CheckedCode> code = CheckCode(store_, item.code());
    if (!code.ok()) {
      FillRefusal(v1::REDEEM_RESULT_MALFORMED_CODE, 0, code.status().message(),
                  result);
      metrics_.ObserveRedeem(*result);
      completion->ItemDone();
      continue;
    }
    if (code->counterfeit) {
      guard_.CounterfeitScanned(request->terminal_id());
      FillCounterfeit(code->serial, result);
      metrics_.ObserveRedeem(*result);
      completion->ItemDone();
      continue;
    }
    const uint64_t serial = code->serial;
    redemptions.push_back(
        {.command = {.serial = serial,
                     .venue_id = request->venue_id(),
                     .terminal_id = request->terminal_id(),
                     .request_id = item.request_id(),
                     // CheckBatch accepted every item's scan time against
                     // this `now`.
                     .scanned_at = *ParseScanTime("", item.has_scanned_at(),
                                                  item.scanned_at(), now),
                     .terminal_enrolled_at = enrolled_at},
         .done = [this, completion, result, serial, submitted = absl::Now()](
                     absl::StatusOr<storage::RedeemOutcome> outcome) {
           metrics_.ObserveDurable(absl::Now() - submitted);
           if (outcome.ok()) {
             FillRedeemResponse(*outcome, result);
             metrics_.ObserveRedeem(*result);
           } else if (absl::IsAlreadyExists(outcome.status())) {
             FillRefusal(v1::REDEEM_RESULT_REQUEST_ID_CONFLICT, serial,
                         outcome.status().message(), result);
             metrics_.ObserveRedeem(*result);
           } else {
             completion->Fail(outcome.status());
           }
           completion->ItemDone();
         }});
  }
  // The items refused above may have finished the call already, but then
  // there is nothing left to submit.
  if (!redemptions.empty()) store_.RedeemAll(std::move(redemptions));
  return reactor;
}

grpc::ServerBidiReactor<v1::RedeemRequest, v1::RedeemResponse>*
RedemptionService::RedeemStream(grpc::CallbackServerContext* context) {
  // Each message is admitted as a call of its own would be: it must name
  // the caller's terminal and venue, and a terminal revoked while its stream
  // is open is refused from its next message on.
  return new RedeemStreamReactor(
      store_, metrics_, guard_,
      [this, context](const v1::RedeemRequest& request) {
        return access().Admit(
            *context, "/passclear.v1.RedemptionService/RedeemStream", &request);
      });
}

grpc::ServerUnaryReactor* RedemptionService::CheckPass(
    grpc::CallbackServerContext* context, const v1::CheckPassRequest* request,
    v1::CheckPassResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<CheckedCode> code = CheckCode(store_, request->code());
  if (!code.ok()) {
    reactor->Finish(ToGrpcStatus(code.status()));
    return reactor;
  }
  if (code->counterfeit) {
    // Nothing about the real pass is told to the holder of a forged code.
    response->set_serial(code->serial);
    response->set_redeemable_result(v1::REDEEM_RESULT_COUNTERFEIT);
    response->set_message(CounterfeitMessage(code->serial));
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  std::optional<uint64_t> venue_id;
  if (request->venue_id() != 0) venue_id = request->venue_id();
  absl::StatusOr<storage::PassStatus> status =
      store_.Check(code->serial, venue_id);
  if (status.ok()) FillCheckResponse(*status, response);
  reactor->Finish(ToGrpcStatus(status.status()));
  return reactor;
}

grpc::ServerUnaryReactor* RedemptionService::CancelRedemption(
    grpc::CallbackServerContext* context,
    const v1::CancelRedemptionRequest* request,
    v1::CancelRedemptionResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::Status valid = CheckVenueId("venue_id", request->venue_id());
  if (valid.ok())
    valid = CheckIdentifier("terminal_id", request->terminal_id());
  if (valid.ok()) valid = CheckIdentifier("request_id", request->request_id());
  absl::StatusOr<CheckedCode> code = CheckCode(store_, request->code());
  if (valid.ok()) valid = code.status();
  if (valid.ok()) valid = guard_.Admit(request->terminal_id(), 1);
  if (valid.ok() && code->counterfeit) {
    valid = absl::InvalidArgumentError(
        absl::StrCat("code: ", CounterfeitMessage(code->serial)));
  }
  if (!valid.ok()) {
    reactor->Finish(ToGrpcStatus(valid));
    return reactor;
  }
  store_.Cancel({.serial = code->serial,
                 .venue_id = request->venue_id(),
                 .terminal_id = request->terminal_id(),
                 .request_id = request->request_id()},
                [this, reactor,
                 response](absl::StatusOr<storage::CancelOutcome> outcome) {
                  if (outcome.ok()) {
                    FillCancelResponse(*outcome, response);
                    metrics_.ObserveCancel(*response);
                  }
                  reactor->Finish(ToGrpcStatus(outcome.status()));
                });
  return reactor;
}

}  // namespace passclear
