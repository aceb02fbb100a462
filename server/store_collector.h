// The metrics read when Prometheus scrapes, never on the hot path: writer
// queues, clearing backlog, RocksDB properties and statistics, disk space,
// and the process's start time and build.
#ifndef PASSCLEAR_SERVER_STORE_COLLECTOR_H_
#define PASSCLEAR_SERVER_STORE_COLLECTOR_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"
#include "storage/pass_store.h"

namespace passclear {

struct BuildInfo {
  std::string version;
  std::string git_commit;
};

class StoreCollector final : public prometheus::Collectable {
 public:
  StoreCollector(const storage::PassStore& store, BuildInfo build,
                 absl::Time started_at)
      : store_(store), build_(std::move(build)), started_at_(started_at) {}

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const storage::PassStore& store_;
  const BuildInfo build_;
  const absl::Time started_at_;
};

}  // namespace passclear

#endif  // PASSCLEAR_SERVER_STORE_COLLECTOR_H_
