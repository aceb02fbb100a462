#include "server/metrics_endpoint.h"

#include <exception>

#include "absl/strings/str_cat.h"

namespace passclear {
namespace {

// civetweb (1.15 in Debian 12) gives each connection a worker thread for
// as long as it is open, and waits request_timeout_ms (30 s by default)
// for its request headers, counted from when a worker takes it: one
// client that connects and says nothing held the single worker we used to
// run for 30 s, and every scrape queued behind it. So:
// - num_threads: enough workers that a few stalled or slow clients leave
//   room for Prometheus (an HA pair scrapes each pod) and an operator's
//   curl. Idle workers cost a 16 KB buffer and a sleeping thread each.
// - request_timeout_ms: how long one connection may hold its worker
//   before its headers are complete, and per write of the answer. A
//   scrape request is one small packet; 2 s still covers a few TCP
//   retransmissions, and keeps a scrape that finds every worker held
//   waiting far less than Prometheus's 10 s scrape timeout.
// - enable_keep_alive: off (civetweb's default, stated because it
//   matters): a kept-alive connection would hold a worker between scrapes.
//   Prometheus reconnects every interval, which costs nothing here.
std::vector<std::string> CivetwebOptions(const std::string& listen) {
  return {"listening_ports",
          listen,
          "num_threads",
          absl::StrCat(kMetricsWorkerThreads),
          "request_timeout_ms",
          absl::StrCat(absl::ToInt64Milliseconds(kMetricsRequestTimeout)),
          "enable_keep_alive",
          "no"};
}

}  // namespace

absl::StatusOr<std::unique_ptr<MetricsEndpoint>> MetricsEndpoint::Start(
    const std::string& listen,
    const std::vector<std::shared_ptr<prometheus::Collectable>>& collectables) {
  std::unique_ptr<prometheus::Exposer> exposer;
  try {
    exposer = std::make_unique<prometheus::Exposer>(CivetwebOptions(listen));
  } catch (const std::exception& error) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve metrics on ", listen, ": ", error.what()));
  }
  for (const auto& collectable : collectables) {
    exposer->RegisterCollectable(collectable);
  }
  const std::vector<int> ports = exposer->GetListeningPorts();
  const int port = ports.empty() ? 0 : ports.front();
  return std::unique_ptr<MetricsEndpoint>(
      new MetricsEndpoint(std::move(exposer), port));
}

}  // namespace passclear
