// Keeps the gRPC health service's answer in step with the store: SERVING
// while it takes writes, NOT_SERVING while it does not (disk full), so that
// load balancers and terminals' health checks move away meanwhile.
#ifndef PASSCLEAR_SERVER_HEALTH_REPORTER_H_
#define PASSCLEAR_SERVER_HEALTH_REPORTER_H_

#include <functional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/health_check_service_interface.h"

namespace passclear {

class HealthReporter {
 public:
  // Checks `problem` (empty while all is well, else why the server cannot
  // serve) every `period` on a thread of its own.
  HealthReporter(grpc::HealthCheckServiceInterface& health,
                 std::function<std::string()> problem, absl::Duration period);
  ~HealthReporter() { Stop(); }
  HealthReporter(const HealthReporter&) = delete;
  HealthReporter& operator=(const HealthReporter&) = delete;

  // Stops checking; the last status stays.
  void Stop();

 private:
  void Run();

  grpc::HealthCheckServiceInterface& health_;
  const std::function<std::string()> problem_;
  const absl::Duration period_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace passclear

#endif  // PASSCLEAR_SERVER_HEALTH_REPORTER_H_
