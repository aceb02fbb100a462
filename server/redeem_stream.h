// The reactor of one RedeemStream call: reads requests, hands each to the
// PassStore, and writes each answer back once it is durable.
//
// At most kMaxInFlight requests of a stream are being decided or waiting for
// their answer to be written: past that it stops reading until answers go
// out, so a fast client cannot queue unbounded work. Answers are written one at
// a time (gRPC allows one write in flight), in the order they become durable.
// The reactor deletes itself in OnDone, which gRPC calls only after Finish, and
// Finish is called only when no request is in flight: no store callback can
// outlive it.
#ifndef PASSCLEAR_SERVER_REDEEM_STREAM_H_
#define PASSCLEAR_SERVER_REDEEM_STREAM_H_

#include <deque>
#include <functional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/support/server_callback.h"
#include "passclear/v1/redemption.pb.h"
#include "server/redemption_metrics.h"
#include "server/terminal_guard.h"
#include "storage/identity_store.h"
#include "storage/pass_store.h"

namespace passclear {

class RedeemStreamReactor final
    : public grpc::ServerBidiReactor<v1::RedeemRequest, v1::RedeemResponse> {
 public:
  static constexpr int kMaxInFlight = 256;

  // `admit` checks each request against the caller's access (its terminal
  // and venue); a refused one ends the stream with its status.
  RedeemStreamReactor(
      storage::PassStore& store, RedemptionMetrics& metrics,
      TerminalGuard& guard,
      std::function<absl::StatusOr<storage::Identity>(const v1::RedeemRequest&)>
          admit);

  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnDone() override { delete this; }

 private:
  // What to start next; decided under the lock, started after it.
  struct Actions {
    bool write = false;  // writing_response_
    bool read = false;
    bool finish = false;
    absl::Status finish_status;
  };

  // Called with each store answer, on a writer lane's thread.
  void OnAnswer(absl::StatusOr<storage::RedeemOutcome> outcome,
                const std::string& request_id);
  Actions NextActions() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Start(const Actions& actions);

  storage::PassStore& store_;
  RedemptionMetrics& metrics_;
  TerminalGuard& guard_;
  const std::function<absl::StatusOr<storage::Identity>(
      const v1::RedeemRequest&)>
      admit_;
  v1::RedeemRequest request_;  // the buffer of the read in progress

  absl::Mutex mu_;
  bool reading_ ABSL_GUARDED_BY(mu_) = true;
  bool reads_done_ ABSL_GUARDED_BY(mu_) = false;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool write_failed_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status status_ ABSL_GUARDED_BY(mu_);
  std::deque<v1::RedeemResponse> pending_ ABSL_GUARDED_BY(mu_);
  v1::RedeemResponse writing_response_ ABSL_GUARDED_BY(mu_);
};

}  // namespace passclear

#endif  // PASSCLEAR_SERVER_REDEEM_STREAM_H_
