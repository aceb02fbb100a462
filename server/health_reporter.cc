#include "server/health_reporter.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "server/log.h"

namespace passclear {

HealthReporter::HealthReporter(grpc::HealthCheckServiceInterface& health,
                               std::function<std::string()> problem,
                               absl::Duration period)
    : health_(health), problem_(std::move(problem)), period_(period) {
  thread_ = std::thread([this] { Run(); });
}

void HealthReporter::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void HealthReporter::Run() {
  bool reported = true;  // gRPC's default health answer is SERVING
  absl::MutexLock lock(&mu_);
  while (!mu_.AwaitWithTimeout(absl::Condition(&stopping_), period_)) {
    const std::string problem = problem_();
    const bool serving = problem.empty();
    if (serving == reported) continue;
    health_.SetServingStatus(serving);
    reported = serving;
    LogWarning(serving ? "health SERVING again"
                       : absl::StrCat("health NOT_SERVING: ", problem));
  }
}

}  // namespace passclear
