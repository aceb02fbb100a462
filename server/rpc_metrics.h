// Per-RPC metrics for every method the server serves, recorded in one
// place: a gRPC server interceptor counts requests, errors by status code
// and latency, so no handler does it by hand.
//
//   auto factory = std::make_unique<RpcMetricsInterceptorFactory>(registry);
//   creators.push_back(std::move(factory));
//   builder.experimental().SetInterceptorCreators(std::move(creators));
#ifndef PASSCLEAR_SERVER_RPC_METRICS_H_
#define PASSCLEAR_SERVER_RPC_METRICS_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/support/server_interceptor.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace passclear {

// The instruments of one method, created on its first call and kept.
class MethodMetrics {
 public:
  MethodMetrics(const std::string& method,
                prometheus::Family<prometheus::Counter>& requests,
                prometheus::Family<prometheus::Counter>& errors,
                prometheus::Family<prometheus::Histogram>& latency);

  void ObserveStart() { requests_.Increment(); }
  void ObserveEnd(grpc::StatusCode code, double seconds);

 private:
  const std::string method_;
  prometheus::Family<prometheus::Counter>& errors_;
  prometheus::Counter& requests_;
  prometheus::Histogram& latency_;
  absl::Mutex mu_;
  std::map<grpc::StatusCode, prometheus::Counter*> errors_by_code_
      ABSL_GUARDED_BY(mu_);
};

class RpcMetricsInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  // `methods`: the full names ("/package.Service/Method") of every method
  // served. Any other path a client sends is counted as method "unknown",
  // so that clients cannot create series at will.
  RpcMetricsInterceptorFactory(prometheus::Registry& registry,
                               const std::vector<std::string>& methods);

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Counter>& errors_;
  prometheus::Family<prometheus::Histogram>& latency_;
  // Filled once by the constructor, read-only afterwards: no lock.
  std::map<std::string, std::unique_ptr<MethodMetrics>, std::less<>> methods_;
  std::unique_ptr<MethodMetrics> unknown_;
};

}  // namespace passclear

#endif  // PASSCLEAR_SERVER_RPC_METRICS_H_
