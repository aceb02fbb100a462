// What the store did by itself that its operator should read: what the
// recovery at open found and did, leftovers removed, permissions narrowed,
// interrupted work finished. Storage has no logger of its own: the notices
// wait here until the server attaches its log, then go straight to it.
//
//   database.log().Attach([](StoreLog::Level level, absl::string_view text) {
//     level == StoreLog::Level::kWarning ? LogWarning(text) : LogInfo(text);
//   });
//
// Thread-safe: the clearing scheduler and admin calls add notices too.
#ifndef PASSCLEAR_STORAGE_STORE_LOG_H_
#define PASSCLEAR_STORAGE_STORE_LOG_H_

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace passclear::storage {

class StoreLog {
 public:
  enum class Level { kInfo, kWarning };
  using Sink = std::function<void(Level, absl::string_view)>;

  void Info(std::string text) { Add(Level::kInfo, std::move(text)); }
  void Warning(std::string text) { Add(Level::kWarning, std::move(text)); }

  // Hands `sink` every notice so far, in order, then each later one as it
  // comes. Replaces an earlier sink; nullptr keeps the later notices here
  // again.
  void Attach(Sink sink);

 private:
  void Add(Level level, std::string text);

  absl::Mutex mu_;
  Sink sink_ ABSL_GUARDED_BY(mu_);
  std::vector<std::pair<Level, std::string>> pending_ ABSL_GUARDED_BY(mu_);
};

}  // namespace passclear::storage

#endif  // PASSCLEAR_STORAGE_STORE_LOG_H_
