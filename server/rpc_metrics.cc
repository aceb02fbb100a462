#include "server/rpc_metrics.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "server/redemption_metrics.h"

namespace passclear {
namespace {

// "OK", "INVALID_ARGUMENT", ...: the names of the gRPC status codes.
const char* CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    default:
      return "UNKNOWN";
  }
}

// Times one call from its creation to the status it sends.
class RpcMetricsInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit RpcMetricsInterceptor(MethodMetrics& metrics)
      : metrics_(metrics), start_(std::chrono::steady_clock::now()) {
    metrics_.ObserveStart();
  }

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      const std::chrono::duration<double> elapsed =
          std::chrono::steady_clock::now() - start_;
      metrics_.ObserveEnd(methods->GetSendStatus().error_code(),
                          elapsed.count());
    }
    methods->Proceed();
  }

 private:
  MethodMetrics& metrics_;
  const std::chrono::steady_clock::time_point start_;
};

}  // namespace

MethodMetrics::MethodMetrics(const std::string& method,
                             prometheus::Family<prometheus::Counter>& requests,
                             prometheus::Family<prometheus::Counter>& errors,
                             prometheus::Family<prometheus::Histogram>& latency)
    : method_(method),
      errors_(errors),
      requests_(requests.Add({{"method", method}})),
      latency_(latency.Add({{"method", method}}, LatencyBuckets())) {}

void MethodMetrics::ObserveEnd(grpc::StatusCode code, double seconds) {
  latency_.Observe(seconds);
  if (code == grpc::StatusCode::OK) return;
  prometheus::Counter* counter = nullptr;
  {
    absl::MutexLock lock(&mu_);
    prometheus::Counter*& cached = errors_by_code_[code];
    if (cached == nullptr) {
      cached = &errors_.Add({{"method", method_}, {"code", CodeName(code)}});
    }
    counter = cached;
  }
  counter->Increment();
}

RpcMetricsInterceptorFactory::RpcMetricsInterceptorFactory(
    prometheus::Registry& registry, const std::vector<std::string>& methods)
    : requests_(prometheus::BuildCounter()
                    .Name("passclear_rpc_requests_total")
                    .Help("gRPC calls received, by method")
                    .Register(registry)),
      errors_(prometheus::BuildCounter()
                  .Name("passclear_rpc_errors_total")
                  .Help("gRPC calls answered with a status other than OK, by "
                        "method and code (refused redemptions are OK)")
                  .Register(registry)),
      latency_(prometheus::BuildHistogram()
                   .Name("passclear_rpc_duration_seconds")
                   .Help("From receiving a gRPC call to sending its status, "
                         "by method")
                   .Register(registry)),
      unknown_(std::make_unique<MethodMetrics>("unknown", requests_, errors_,
                                               latency_)) {
  for (const std::string& method : methods) {
    // "/passclear.v1.RedemptionService/Redeem": labelled without the slash.
    methods_.emplace(
        method, std::make_unique<MethodMetrics>(method.substr(1), requests_,
                                                errors_, latency_));
  }
}

grpc::experimental::Interceptor*
RpcMetricsInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  auto it = methods_.find(absl::string_view(info->method()));
  return new RpcMetricsInterceptor(it == methods_.end() ? *unknown_
                                                        : *it->second);
}

}  // namespace passclear
