// What metrics cost a redemption: the updates one unary Redeem makes
// (request count, latency histogram, result counter, request-to-durable
// histogram, with their clock reads), alone and with 4 threads updating the
// same series at once.
//
//   BM_RedemptionMetricUpdates: all of one redemption's updates.
//   BM_ObserveRedeem: the result counter alone (cached by result and
//     programme).
#include "absl/time/clock.h"
#include "benchmark/benchmark.h"
#include "prometheus/registry.h"
#include "server/redemption_metrics.h"
#include "server/rpc_metrics.h"

namespace passclear {
namespace {

prometheus::Registry& SharedRegistry() {
  static auto* registry = new prometheus::Registry();
  return *registry;
}

RedemptionMetrics& SharedMetrics() {
  static auto* metrics = new RedemptionMetrics(SharedRegistry());
  return *metrics;
}

MethodMetrics& SharedMethod() {
  static auto* method = [] {
    prometheus::Registry& registry = SharedRegistry();
    auto& requests = prometheus::BuildCounter()
                         .Name("bench_requests_total")
                         .Help("bench")
                         .Register(registry);
    auto& errors = prometheus::BuildCounter()
                       .Name("bench_errors_total")
                       .Help("bench")
                       .Register(registry);
    auto& latency = prometheus::BuildHistogram()
                        .Name("bench_duration_seconds")
                        .Help("bench")
                        .Register(registry);
    return new MethodMetrics("passclear.v1.RedemptionService/Redeem", requests,
                             errors, latency);
  }();
  return *method;
}

void BM_ObserveRedeem(benchmark::State& state) {
  RedemptionMetrics& metrics = SharedMetrics();
  v1::RedeemResponse response;
  response.set_result(v1::REDEEM_RESULT_REDEEMED);
  response.set_programme_id(1);
  for (auto _ : state) metrics.ObserveRedeem(response);
}
BENCHMARK(BM_ObserveRedeem)->Threads(1)->Threads(4);

void BM_RedemptionMetricUpdates(benchmark::State& state) {
  RedemptionMetrics& metrics = SharedMetrics();
  MethodMetrics& method = SharedMethod();
  v1::RedeemResponse response;
  response.set_result(v1::REDEEM_RESULT_REDEEMED);
  response.set_programme_id(1);
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    method.ObserveStart();
    const absl::Time submitted = absl::Now();
    metrics.ObserveDurable(absl::Now() - submitted);
    metrics.ObserveRedeem(response);
    const std::chrono::duration<double> elapsed =
        std::chrono::steady_clock::now() - start;
    method.ObserveEnd(grpc::StatusCode::OK, elapsed.count());
  }
}
BENCHMARK(BM_RedemptionMetricUpdates)->Threads(1)->Threads(4);

}  // namespace
}  // namespace passclear

BENCHMARK_MAIN();
