// The hot-path metrics of redemptions: counters and histograms looked up
// once and kept, so that recording one redemption costs tens of
// nanoseconds (bench/metrics_benchmark.cc measures it).
//
//   RedemptionMetrics metrics(registry);
//   metrics.ObserveRedeem(response);  // once per answer given
#ifndef PASSCLEAR_SERVER_REDEMPTION_METRICS_H_
#define PASSCLEAR_SERVER_REDEMPTION_METRICS_H_

#include <array>
#include <cstdint>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "passclear/v1/redemption.pb.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace passclear {

class RedemptionMetrics {
 public:
  explicit RedemptionMetrics(prometheus::Registry& registry);

  // One redemption answer (unary, batch item or stream), by result and
  // programme.
  void ObserveRedeem(const v1::RedeemResponse& response);
  void ObserveCancel(const v1::CancelRedemptionResponse& response);
  // The items of one RedeemBatch.
  void ObserveBatchItems(int items);
  // From handing a redemption to the store to its decision being durable.
  void ObserveDurable(absl::Duration wait);
  // One writer-lane group: its operations and its write (WAL sync included).
  void ObserveGroupCommit(size_t operations, absl::Duration write_time);
  // One SEPA file exported, with its transfers.
  void ObserveExport(int transfers);
  // A call refused by the terminal limiter: "rate_limited" or "locked_out".
  void ObserveTerminalRefusal(absl::string_view reason);
  // A terminal locked out after a burst of counterfeit codes.
  void ObserveLockout();

 private:
  prometheus::Counter& RedemptionCounter(v1::RedeemResult result,
                                         uint64_t programme_id);
  prometheus::Counter& CancellationCounter(v1::CancelResult result);

  prometheus::Family<prometheus::Counter>& redemptions_;
  prometheus::Family<prometheus::Counter>& cancellations_;
  prometheus::Counter& batch_items_;
  prometheus::Histogram& durable_seconds_;
  prometheus::Histogram& group_commit_operations_;
  prometheus::Histogram& group_write_seconds_;
  prometheus::Counter& batches_exported_;
  prometheus::Counter& rate_limited_;
  prometheus::Counter& locked_out_;
  prometheus::Counter& lockouts_;

  absl::Mutex mu_;
  // (result, programme) -> its counter, created on first use (every result
  // of programme 0 and every cancellation result: at construction).
  absl::flat_hash_map<std::pair<int, uint64_t>, prometheus::Counter*> by_result_
      ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<int, prometheus::Counter*> cancel_by_result_
      ABSL_GUARDED_BY(mu_);
};

// Buckets from 50 microseconds to 5 seconds, for every latency histogram.
prometheus::Histogram::BucketBoundaries LatencyBuckets();

}  // namespace passclear

#endif  // PASSCLEAR_SERVER_REDEMPTION_METRICS_H_
