// The HTTP endpoint Prometheus scrapes (/metrics), separate from the gRPC
// port so that it can stay on loopback or an operations network.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<MetricsEndpoint> endpoint,
//                    MetricsEndpoint::Start("127.0.0.1:9464",
//                                           {registry, collector}));
#ifndef PASSCLEAR_SERVER_METRICS_ENDPOINT_H_
#define PASSCLEAR_SERVER_METRICS_ENDPOINT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "prometheus/collectable.h"
#include "prometheus/exposer.h"

namespace passclear {

// Connections the endpoint serves at once, and how long one may take to
// send its request or to take its answer before it is dropped.
inline constexpr int kMetricsWorkerThreads = 16;
inline constexpr absl::Duration kMetricsRequestTimeout = absl::Seconds(2);

class MetricsEndpoint {
 public:
  // Serves every collectable at http://`listen`/metrics. Port 0 picks a
  // free port (see port()).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<MetricsEndpoint>> Start(
      const std::string& listen,
      const std::vector<std::shared_ptr<prometheus::Collectable>>&
          collectables);

  int port() const { return port_; }

 private:
  MetricsEndpoint(std::unique_ptr<prometheus::Exposer> exposer, int port)
      : exposer_(std::move(exposer)), port_(port) {}

  std::unique_ptr<prometheus::Exposer> exposer_;
  int port_;
};

}  // namespace passclear

#endif  // PASSCLEAR_SERVER_METRICS_ENDPOINT_H_
