#include "storage/store_log.h"

namespace passclear::storage {

void StoreLog::Attach(Sink sink) {
  absl::MutexLock lock(&mu_);
  sink_ = std::move(sink);
  if (!sink_) return;
  for (const auto& [level, text] : pending_) sink_(level, text);
  pending_.clear();
}

void StoreLog::Add(Level level, std::string text) {
  // The sink is called under the lock, so that notices keep their order.
  absl::MutexLock lock(&mu_);
  if (sink_) {
    sink_(level, text);
  } else {
    pending_.emplace_back(level, std::move(text));
  }
}

}  // namespace passclear::storage
