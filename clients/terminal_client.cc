#include "clients/terminal_client.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "clients/bearer_token.h"
#include "google/protobuf/timestamp.pb.h"
#include "grpcpp/create_channel.h"
#include "server/pass_code.h"

namespace passclear {
namespace {

// Failures after which the outcome is unknown and the same request may be
// sent again: the transport, the deadline, the server's overload shedding.
bool Retryable(const grpc::Status& status) {
  return status.error_code() == grpc::StatusCode::UNAVAILABLE ||
         status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ||
         status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED;
}

absl::Status ToAbsl(const grpc::Status& status) {
  // gRPC and Abseil share their status code numbering.
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

void SetTime(absl::Time time, google::protobuf::Timestamp* out) {
  const int64_t nanos = absl::ToUnixNanos(time);
  out->set_seconds(nanos / 1'000'000'000);
  out->set_nanos(static_cast<int32_t>(nanos % 1'000'000'000));
}

}  // namespace

std::vector<UploadedScan> UploadReport::Refused() const {
  std::vector<UploadedScan> refused;
  for (const UploadedScan& uploaded : answered) {
    if (uploaded.answer.result() != v1::REDEEM_RESULT_REDEEMED) {
      refused.push_back(uploaded);
    }
  }
  return refused;
}

absl::StatusOr<std::unique_ptr<TerminalClient>> TerminalClient::Create(
    TerminalClientOptions options) {
  if (options.venue_id == 0) {
    return absl::InvalidArgumentError("venue_id: required");
  }
  if (options.terminal_id.empty()) {
    return absl::InvalidArgumentError("terminal_id: required");
  }
  if (options.max_batch_items < 1) {
    return absl::InvalidArgumentError("max_batch_items: at least 1");
  }
  if (options.max_attempts < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_attempts: at least 1, got ", options.max_attempts));
  }
  // gRPC's own reconnection backoff grows to 120 s by default: a terminal
  // would stay offline long after the service is back.
  grpc::ChannelArguments arguments;
  arguments.SetInt(
      GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS,
      static_cast<int>(absl::ToInt64Milliseconds(options.initial_backoff)));
  arguments.SetInt(
      GRPC_ARG_MAX_RECONNECT_BACKOFF_MS,
      static_cast<int>(absl::ToInt64Milliseconds(options.max_backoff)));
  std::vector<std::unique_ptr<v1::RedemptionService::Stub>> stubs;
  for (const storage::PartitionInstance& instance :
       options.partitions.instances()) {
    stubs.push_back(v1::RedemptionService::NewStub(CreateChannelWithToken(
        instance.address, options.credentials, arguments, options.token)));
  }
  std::unique_ptr<OfflineQueue> queue;
  if (!options.offline_queue_dir.empty()) {
    absl::StatusOr<std::unique_ptr<OfflineQueue>> opened =
        OfflineQueue::Open(options.offline_queue_dir);
    if (!opened.ok()) return opened.status();
    queue = *std::move(opened);
  }
  return std::unique_ptr<TerminalClient>(new TerminalClient(
      std::move(options), std::move(stubs), std::move(queue)));
}

TerminalClient::TerminalClient(
    TerminalClientOptions options,
    std::vector<std::unique_ptr<v1::RedemptionService::Stub>> stubs,
    std::unique_ptr<OfflineQueue> queue)
    : options_(std::move(options)),
      stubs_(std::move(stubs)),
      queue_(std::move(queue)) {}

std::string TerminalClient::NewRequestId() {
  absl::BitGen random;
  return absl::StrFormat("t-%016x%016x", absl::Uniform<uint64_t>(random),
                         absl::Uniform<uint64_t>(random));
}

absl::StatusOr<v1::RedemptionService::Stub*> TerminalClient::StubFor(
    absl::string_view code, size_t* instance) const {
  absl::StatusOr<PassCode> parsed = ParsePassCode(code);
  if (!parsed.ok()) return parsed.status();
  const size_t index = options_.partitions.IndexOfSerial(parsed->serial);
  if (instance != nullptr) *instance = index;
  return stubs_[index].get();
}

grpc::Status TerminalClient::WithRetries(
    const std::function<grpc::Status(grpc::ClientContext&)>& call) {
  absl::BitGen random;
  absl::Duration backoff = options_.initial_backoff;
  for (int attempt = 1;; ++attempt) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + options_.deadline));
    const grpc::Status status = call(context);
    if (status.ok() || !Retryable(status) || attempt == options_.max_attempts) {
      return status;
    }
    // Full jitter: terminals cut off together must not retry together.
    absl::SleepFor(backoff * absl::Uniform(random, 0.5, 1.0));
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

absl::StatusOr<ScanOutcome> TerminalClient::Redeem(absl::string_view code) {
  return Redeem(code, options_.clock(), NewRequestId());
}

absl::StatusOr<ScanOutcome> TerminalClient::Redeem(absl::string_view code,
                                                   absl::Time scanned_at,
                                                   std::string request_id) {
  absl::StatusOr<v1::RedemptionService::Stub*> stub = StubFor(code, nullptr);
  if (!stub.ok()) return stub.status();
  v1::RedeemRequest request;
  request.set_code(std::string(code));
  request.set_venue_id(options_.venue_id);
  request.set_terminal_id(options_.terminal_id);
  request.set_request_id(request_id);
  SetTime(scanned_at, request.mutable_scanned_at());
  ScanOutcome outcome;
  const grpc::Status status = WithRetries([&](grpc::ClientContext& context) {
    return (*stub)->Redeem(&context, request, &outcome.answer);
  });
  if (status.ok()) return outcome;
  if (!Retryable(status) || queue_ == nullptr) return ToAbsl(status);
  // The outcome is unknown: the upload sends the same request id, so a
  // redemption the server made after all is replayed, not repeated.
  if (absl::Status queued = queue_->Add({.request_id = request_id,
                                         .code = std::string(code),
                                         .scanned_at = scanned_at});
      !queued.ok()) {
    return queued;
  }
  outcome.queued = true;
  outcome.answer.Clear();
  outcome.answer.set_request_id(request_id);
  return outcome;
}

absl::StatusOr<v1::CheckPassResponse> TerminalClient::Check(
    absl::string_view code) {
  absl::StatusOr<v1::RedemptionService::Stub*> stub = StubFor(code, nullptr);
  if (!stub.ok()) return stub.status();
  v1::CheckPassRequest request;
  request.set_code(std::string(code));
  request.set_venue_id(options_.venue_id);
  v1::CheckPassResponse response;
  const grpc::Status status = WithRetries([&](grpc::ClientContext& context) {
    return (*stub)->CheckPass(&context, request, &response);
  });
  if (!status.ok()) return ToAbsl(status);
  return response;
}

absl::StatusOr<v1::CancelRedemptionResponse> TerminalClient::Cancel(
    absl::string_view code) {
  absl::StatusOr<v1::RedemptionService::Stub*> stub = StubFor(code, nullptr);
  if (!stub.ok()) return stub.status();
  v1::CancelRedemptionRequest request;
  request.set_code(std::string(code));
  request.set_venue_id(options_.venue_id);
  request.set_terminal_id(options_.terminal_id);
  request.set_request_id(NewRequestId());
  v1::CancelRedemptionResponse response;
  const grpc::Status status = WithRetries([&](grpc::ClientContext& context) {
    return (*stub)->CancelRedemption(&context, request, &response);
  });
  if (!status.ok()) return ToAbsl(status);
  return response;
}

absl::Status TerminalClient::UploadTo(size_t instance,
                                      const std::vector<QueuedScan>& scans,
                                      UploadReport& report) {
  v1::RedeemBatchRequest request;
  request.set_venue_id(options_.venue_id);
  request.set_terminal_id(options_.terminal_id);
  for (const QueuedScan& scan : scans) {
    v1::RedeemBatchItem* item = request.add_items();
    item->set_code(scan.code);
    item->set_request_id(scan.request_id);
    SetTime(scan.scanned_at, item->mutable_scanned_at());
  }
  v1::RedeemBatchResponse response;
  // One attempt: the next UploadQueued() is the retry, with the same
  // request ids. No one waits on it, so it may wait for a connection to a
  // service coming back rather than fail while gRPC reconnects.
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + options_.deadline));
  context.set_wait_for_ready(true);
  const grpc::Status status =
      stubs_[instance]->RedeemBatch(&context, request, &response);
  if (!status.ok()) return ToAbsl(status);
  if (response.results_size() != request.items_size()) {
    return absl::InternalError(
        absl::StrCat("the batch of ", request.items_size(), " scans got ",
                     response.results_size(), " answers"));
  }
  absl::flat_hash_set<std::string> answered;
  for (int i = 0; i < response.results_size(); ++i) {
    report.answered.push_back({scans[i], response.results(i)});
    answered.insert(scans[i].request_id);
  }
  return queue_->Remove(answered);
}

absl::StatusOr<UploadReport> TerminalClient::UploadQueued() {
  UploadReport report;
  if (queue_ == nullptr) return report;
  std::vector<std::vector<QueuedScan>> by_instance(stubs_.size());
  for (QueuedScan& scan : queue_->Scans()) {
    size_t instance = 0;
    // Only well-formed codes are queued, unless the file was edited.
    if (absl::Status routed = StubFor(scan.code, &instance).status();
        !routed.ok()) {
      report.errors.push_back(
          absl::StrCat("request ", scan.request_id, ": ", routed.message()));
      continue;
    }
    by_instance[instance].push_back(std::move(scan));
  }
  for (size_t instance = 0; instance < by_instance.size(); ++instance) {
    const std::vector<QueuedScan>& scans = by_instance[instance];
    const size_t per_batch = options_.max_batch_items;
    for (size_t first = 0; first < scans.size(); first += per_batch) {
      const std::vector<QueuedScan> chunk(
          scans.begin() + first,
          scans.begin() + std::min(scans.size(), first + per_batch));
      if (absl::Status sent = UploadTo(instance, chunk, report); !sent.ok()) {
        report.errors.push_back(absl::StrCat(
            options_.partitions.instances()[instance].name, ": ",
            absl::StatusCodeToString(sent.code()), ": ", sent.message()));
        break;  // this instance's later scans wait too, in order
      }
    }
  }
  report.still_queued = queue_->size();
  return report;
}

size_t TerminalClient::QueuedCount() const {
  return queue_ == nullptr ? 0 : queue_->size();
}

}  // namespace passclear
