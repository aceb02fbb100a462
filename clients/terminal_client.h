// The client library for scanner terminals and venue software.
//
//   TerminalClientOptions options{
//       .partitions = PartitionMap::SingleInstance("pass.example:443", 16),
//       .credentials = grpc::SslCredentials({}),
//       .token = *ReadTokenFile("/etc/scanner/token"),
//       .venue_id = 7, .terminal_id = "desk-1",
//       .offline_queue_dir = "/var/lib/scanner"};
//   ASSIGN_OR_RETURN(auto client, TerminalClient::Create(std::move(options)));
//   ASSIGN_OR_RETURN(ScanOutcome outcome, client->Redeem(scanned_code));
//   if (outcome.queued) ... "recorded; it will be sent when online"
//   else if (outcome.answer.result() == v1::REDEEM_RESULT_REDEEMED) ...
//   else show(outcome.answer.message());
//   ... and every minute or so:
//   ASSIGN_OR_RETURN(UploadReport report, client->UploadQueued());
//
// Every scan gets a request id of its own. A call that fails on the way
// (UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED: the outcome is
// unknown) is retried with exponential backoff and the SAME request id, so
// a retry replays the server's decision and never redeems twice. When the
// retries run out and an offline queue is set, the scan is stored on disk
// (its original scan time with it) and uploaded later through RedeemBatch;
// the report says which of those scans were refused, for example because
// the pass was redeemed elsewhere meanwhile.
//
// In a partitioned scheme (storage/partition_map.h) each request goes to the
// instance owning the pass's serial, and uploads are split by instance: an
// instance being down holds back only its own serials.
#ifndef PASSCLEAR_CLIENTS_TERMINAL_CLIENT_H_
#define PASSCLEAR_CLIENTS_TERMINAL_CLIENT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "clients/offline_queue.h"
#include "grpcpp/client_context.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/status.h"
#include "passclear/v1/redemption.grpc.pb.h"
#include "storage/partition_map.h"

namespace passclear {

struct TerminalClientOptions {
  // Where the service is: one instance, or a partitioned scheme's map.
  storage::PartitionMap partitions =
      storage::PartitionMap::SingleInstance("127.0.0.1:50051", 16);
  // TLS (with a client certificate for mutual TLS) or plaintext.
  std::shared_ptr<grpc::ChannelCredentials> credentials =
      grpc::InsecureChannelCredentials();
  // The terminal's bearer token; empty when mutual TLS identifies it.
  std::string token;
  uint64_t venue_id = 0;
  std::string terminal_id;
  // Each attempt's deadline.
  absl::Duration deadline = absl::Seconds(5);
  // Attempts per call, the first included.
  int max_attempts = 4;
  absl::Duration initial_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(5);
  // Where scans wait while the service is unreachable; empty: no queue, a
  // call whose retries run out fails. One client per folder at a time.
  std::string offline_queue_dir;
  // Scans per RedeemBatch when uploading: the server's --max_batch_items.
  size_t max_batch_items = 1000;
  // Scan times are read from it.
  std::function<absl::Time()> clock = [] { return absl::Now(); };
};

struct ScanOutcome {
  // True when the service could not be reached and the scan is in the
  // offline queue (on disk); `answer` is then empty but for its request_id.
  bool queued = false;
  v1::RedeemResponse answer;
};

struct UploadedScan {
  QueuedScan scan;
  v1::RedeemResponse answer;
};

struct UploadReport {
  // The scans the service answered (and that left the queue), REDEEMED or
  // refused, in queue order per instance.
  std::vector<UploadedScan> answered;
  // Those that stay queued: their instance could not be reached.
  size_t still_queued = 0;
  // Why, per unreachable instance ("pc-1: DEADLINE_EXCEEDED: ..."), and
  // per queued code that cannot be read (a queue file edited by hand).
  std::vector<std::string> errors;

  std::vector<UploadedScan> Refused() const;
};

// Redeem, Check and Cancel may be called from several threads at once;
// UploadQueued from one at a time.
class TerminalClient {
 public:
  // INVALID_ARGUMENT when the venue or terminal id is missing;
  // UNAVAILABLE when the offline queue cannot be opened.
  static absl::StatusOr<std::unique_ptr<TerminalClient>> Create(
      TerminalClientOptions options);

  // Redeems the pass scanned now. An error status is a request the service
  // refused as malformed (INVALID_ARGUMENT naming the field), a credential
  // it refused, or a call that failed with no offline queue to fall back on.
  absl::StatusOr<ScanOutcome> Redeem(absl::string_view code);
  // The same with a scan time and request id of the caller's (an upload
  // from another device, a retry after the caller's own crash).
  absl::StatusOr<ScanOutcome> Redeem(absl::string_view code,
                                     absl::Time scanned_at,
                                     std::string request_id);
  absl::StatusOr<v1::CheckPassResponse> Check(absl::string_view code);
  absl::StatusOr<v1::CancelRedemptionResponse> Cancel(absl::string_view code);

  // Sends the queued scans, max_batch_items per RedeemBatch, each
  // instance's in turn. Scans answered leave the queue; the others stay for
  // the next call (call it every minute or so: each batch gets one attempt,
  // which waits up to `deadline` for a connection, so an unreachable
  // instance costs one deadline per call).
  absl::StatusOr<UploadReport> UploadQueued();
  size_t QueuedCount() const;

  // A new request id: "t-" and 128 random bits in hex.
  static std::string NewRequestId();

 private:
  TerminalClient(
      TerminalClientOptions options,
      std::vector<std::unique_ptr<v1::RedemptionService::Stub>> stubs,
      std::unique_ptr<OfflineQueue> queue);

  // The stub of the instance owning the code's serial; INVALID_ARGUMENT
  // when the code is not well formed (the server's own message).
  absl::StatusOr<v1::RedemptionService::Stub*> StubFor(absl::string_view code,
                                                       size_t* instance) const;
  // Runs `call` until it succeeds, fails for good, or the attempts run out.
  grpc::Status WithRetries(
      const std::function<grpc::Status(grpc::ClientContext&)>& call);
  absl::Status UploadTo(size_t instance, const std::vector<QueuedScan>& scans,
                        UploadReport& report);

  const TerminalClientOptions options_;
  const std::vector<std::unique_ptr<v1::RedemptionService::Stub>> stubs_;
  const std::unique_ptr<OfflineQueue> queue_;  // null: none
};

}  // namespace passclear

#endif  // PASSCLEAR_CLIENTS_TERMINAL_CLIENT_H_
