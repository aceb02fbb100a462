#include "server/redeem_stream.h"

#include <utility>

#include "server/grpc_status.h"
#include "server/proto_convert.h"
#include "server/redeem_command.h"

namespace passclear {

RedeemStreamReactor::RedeemStreamReactor(
    storage::PassStore& store, RedemptionMetrics& metrics, TerminalGuard& guard,
    std::function<absl::StatusOr<storage::Identity>(const v1::RedeemRequest&)>
        admit)
    : store_(store),
      metrics_(metrics),
      guard_(guard),
      admit_(std::move(admit)) {
  StartRead(&request_);
}

void RedeemStreamReactor::OnReadDone(bool ok) {
  absl::StatusOr<RedeemInput> input;
  std::string request_id;
  {
    absl::MutexLock lock(&mu_);
    reading_ = false;
    if (finished_ || !status_.ok()) return;
    if (!ok) {
      reads_done_ = true;  // the client half-closed, or the call ended
    } else {
      absl::StatusOr<storage::Identity> caller = admit_(request_);
      if (!caller.ok()) {
        input = caller.status();
      } else {
        input = ToRedeemCommand(request_, store_);
        if (input.ok())
          input->command.terminal_enrolled_at = caller->created_at;
      }
      if (input.ok()) {
        if (absl::Status admitted = guard_.Admit(request_.terminal_id(), 1);
            !admitted.ok()) {
          input = admitted;
        }
      }
      if (!input.ok()) {
        status_ = input.status();
      } else if (input->counterfeit) {
        guard_.CounterfeitScanned(request_.terminal_id());
        v1::RedeemResponse response;
        response.set_request_id(request_.request_id());
        FillCounterfeit(input->command.serial, &response);
        metrics_.ObserveRedeem(response);
        pending_.push_back(std::move(response));
      } else {
        // request_ is the next read's buffer as soon as the lock is
        // released: nothing of it may be used after this block.
        request_id = input->command.request_id;
        ++in_flight_;
      }
    }
  }
  if (ok && input.ok() && !input->counterfeit) {
    // Outside the lock: a refused submission answers at once, on this thread.
    store_.Redeem(
        std::move(input->command),
        [this, request_id = std::move(request_id), submitted = absl::Now()](
            absl::StatusOr<storage::RedeemOutcome> outcome) {
          metrics_.ObserveDurable(absl::Now() - submitted);
          OnAnswer(std::move(outcome), request_id);
        });
  }
  Actions actions;
  {
    absl::MutexLock lock(&mu_);
    actions = NextActions();
  }
  Start(actions);
}

void RedeemStreamReactor::OnAnswer(
    absl::StatusOr<storage::RedeemOutcome> outcome,
    const std::string& request_id) {
  Actions actions;
  {
    absl::MutexLock lock(&mu_);
    --in_flight_;
    v1::RedeemResponse response;
    response.set_request_id(request_id);
    if (outcome.ok()) {
      FillRedeemResponse(*outcome, &response);
      metrics_.ObserveRedeem(response);
      pending_.push_back(std::move(response));
    } else if (absl::IsAlreadyExists(outcome.status())) {
      response.set_result(v1::REDEEM_RESULT_REQUEST_ID_CONFLICT);
      response.set_message(std::string(outcome.status().message()));
      metrics_.ObserveRedeem(response);
      pending_.push_back(std::move(response));
    } else if (status_.ok()) {
      // Nothing was decided for this request: end the stream so that the
      // client retries its unanswered requests, with the same ids.
      status_ = outcome.status();
    }
    actions = NextActions();
  }
  Start(actions);
}

void RedeemStreamReactor::OnWriteDone(bool ok) {
  Actions actions;
  {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    if (!ok) write_failed_ = true;  // the client is gone
    actions = NextActions();
  }
  Start(actions);
}

RedeemStreamReactor::Actions RedeemStreamReactor::NextActions() {
  Actions actions;
  if (finished_) return actions;
  if (write_failed_) pending_.clear();
  if (!writing_ && !pending_.empty()) {
    writing_response_ = std::move(pending_.front());
    pending_.pop_front();
    writing_ = true;
    actions.write = true;
  }
  // Answers waiting to be written count too: a client that sends without
  // reading cannot make them pile up.
  if (!reading_ && !reads_done_ && status_.ok() && !write_failed_ &&
      in_flight_ + static_cast<int>(pending_.size()) < kMaxInFlight) {
    reading_ = true;
    actions.read = true;
  }
  // Finish once every decided request is answered (or cannot be); a read
  // still pending when the stream ends in error completes with ok=false.
  const bool no_more_requests = reads_done_ || !status_.ok() || write_failed_;
  if (no_more_requests && !actions.read && in_flight_ == 0 && !writing_ &&
      pending_.empty()) {
    finished_ = true;
    actions.finish = true;
    actions.finish_status = status_;
  }
  return actions;
}

void RedeemStreamReactor::Start(const Actions& actions) {
  // writing_response_ is not touched again until OnWriteDone.
  if (actions.write) StartWrite(&writing_response_);
  if (actions.read) StartRead(&request_);
  if (actions.finish) Finish(ToGrpcStatus(actions.finish_status));
}

}  // namespace passclear
