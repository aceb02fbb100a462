#include "server/redemption_metrics.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace passclear {
namespace {

// REDEEM_RESULT_ALREADY_REDEEMED -> "already_redeemed".
std::string ResultLabel(const std::string& name, absl::string_view prefix) {
  std::string label =
      absl::StartsWith(name, prefix) ? name.substr(prefix.size()) : name;
  absl::AsciiStrToLower(&label);
  return label;
}

}  // namespace

prometheus::Histogram::BucketBoundaries LatencyBuckets() {
  return {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
          0.025,   0.05,   0.1,     0.25,   0.5,   1,      2.5,   5};
}

RedemptionMetrics::RedemptionMetrics(prometheus::Registry& registry)
    : redemptions_(prometheus::BuildCounter()
                       .Name("passclear_redemptions_total")
                       .Help("Redemption answers by result and programme "
                             "(replays of an earlier answer included)")
                       .Register(registry)),
      cancellations_(prometheus::BuildCounter()
                         .Name("passclear_cancellations_total")
                         .Help("Cancellation answers by result")
                         .Register(registry)),
      batch_items_(prometheus::BuildCounter()
                       .Name("passclear_redeem_batch_items_total")
                       .Help("Items received in RedeemBatch calls")
                       .Register(registry)
                       .Add({})),
      durable_seconds_(
          prometheus::BuildHistogram()
              .Name("passclear_redemption_durable_seconds")
              .Help("From handing a redemption to the store to its decision "
                    "being durable")
              .Register(registry)
              .Add({}, LatencyBuckets())),
      group_commit_operations_(
          prometheus::BuildHistogram()
              .Name("passclear_group_commit_operations")
              .Help("Operations written per writer-lane group commit")
              .Register(registry)
              .Add({},
                   prometheus::Histogram::BucketBoundaries{1, 2, 4, 8, 16, 32,
                                                           64, 128, 256, 512})),
      group_write_seconds_(
          prometheus::BuildHistogram()
              .Name("passclear_group_commit_write_seconds")
              .Help("Time to write one group commit, WAL sync included")
              .Register(registry)
              .Add({}, LatencyBuckets())),
      batches_exported_(prometheus::BuildCounter()
                            .Name("passclear_batches_exported_total")
                            .Help("Claim batches written to SEPA credit "
                                  "transfer files")
                            .Register(registry)
                            .Add({})),
      rate_limited_(prometheus::BuildCounter()
                        .Name("passclear_terminal_refusals_total")
                        .Help("Calls refused by the per-terminal limiter, by "
                              "reason")
                        .Register(registry)
                        .Add({{"reason", "rate_limited"}})),
      locked_out_(prometheus::BuildCounter()
                      .Name("passclear_terminal_refusals_total")
                      .Help("Calls refused by the per-terminal limiter, by "
                            "reason")
                      .Register(registry)
                      .Add({{"reason", "locked_out"}})),
      lockouts_(prometheus::BuildCounter()
                    .Name("passclear_terminal_lockouts_total")
                    .Help("Terminals locked out after a burst of counterfeit "
                          "codes")
                    .Register(registry)
                    .Add({})) {
  // Every result is a series from the start, at 0, so that dashboards and
  // rate() see the first answer of each kind, not only the second
  // (Prometheus's instrumentation guidance). Programme 0 is the label of the
  // answers without a known pass (counterfeit, unknown serial, ...); the
  // series of a programme appear with its first answer.
  for (int result = v1::RedeemResult_MIN; result <= v1::RedeemResult_MAX;
       ++result) {
    if (v1::RedeemResult_IsValid(result) &&
        result != v1::REDEEM_RESULT_UNSPECIFIED) {
      RedemptionCounter(static_cast<v1::RedeemResult>(result), 0);
    }
  }
  for (int result = v1::CancelResult_MIN; result <= v1::CancelResult_MAX;
       ++result) {
    if (v1::CancelResult_IsValid(result) &&
        result != v1::CANCEL_RESULT_UNSPECIFIED) {
      CancellationCounter(static_cast<v1::CancelResult>(result));
    }
  }
}

prometheus::Counter& RedemptionMetrics::RedemptionCounter(
    v1::RedeemResult result, uint64_t programme_id) {
  const std::pair<int, uint64_t> key{result, programme_id};
  {
    absl::ReaderMutexLock lock(&mu_);
    auto it = by_result_.find(key);
    if (it != by_result_.end()) return *it->second;
  }
  absl::MutexLock lock(&mu_);
  prometheus::Counter*& counter = by_result_[key];
  if (counter == nullptr) {
    counter = &redemptions_.Add(
        {{"result",
          ResultLabel(v1::RedeemResult_Name(result), "REDEEM_RESULT_")},
         // 0: no programme (unknown serial, counterfeit, malformed code).
         {"programme_id", std::to_string(programme_id)}});
  }
  return *counter;
}

void RedemptionMetrics::ObserveRedeem(const v1::RedeemResponse& response) {
  RedemptionCounter(response.result(), response.programme_id()).Increment();
}

prometheus::Counter& RedemptionMetrics::CancellationCounter(
    v1::CancelResult result) {
  absl::MutexLock lock(&mu_);
  prometheus::Counter*& counter = cancel_by_result_[result];
  if (counter == nullptr) {
    counter = &cancellations_.Add(
        {{"result",
          ResultLabel(v1::CancelResult_Name(result), "CANCEL_RESULT_")}});
  }
  return *counter;
}

void RedemptionMetrics::ObserveCancel(
    const v1::CancelRedemptionResponse& response) {
  CancellationCounter(response.result()).Increment();
}

void RedemptionMetrics::ObserveBatchItems(int items) {
  batch_items_.Increment(items);
}

void RedemptionMetrics::ObserveDurable(absl::Duration wait) {
  durable_seconds_.Observe(absl::ToDoubleSeconds(wait));
}

void RedemptionMetrics::ObserveGroupCommit(size_t operations,
                                           absl::Duration write_time) {
  group_commit_operations_.Observe(static_cast<double>(operations));
  group_write_seconds_.Observe(absl::ToDoubleSeconds(write_time));
}

void RedemptionMetrics::ObserveExport(int transfers) {
  batches_exported_.Increment(transfers);
}

void RedemptionMetrics::ObserveTerminalRefusal(absl::string_view reason) {
  (reason == "locked_out" ? locked_out_ : rate_limited_).Increment();
}

void RedemptionMetrics::ObserveLockout() { lockouts_.Increment(); }

}  // namespace passclear
