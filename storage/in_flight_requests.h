// The (terminal, request id) pairs whose operations are queued or being
// decided right now.
//
// Writer lanes serialise operations per pass, not per request id: two
// requests that reuse one id for two passes in different lanes could both
// miss each other's stored answer and both be carried out. The store claims
// the id here before queueing; a second claim with other content is refused
// at once, one with the same content (a retry racing its original) is let
// through, since it goes to the same lane and will replay the answer.
//
//   if (!in_flight.TryClaim(key, {.operation = kRedeem, .serial = 42, ...}))
//     return AlreadyExists;
//   ... when the operation completes:
//   in_flight.Release(key);
#ifndef PASSCLEAR_STORAGE_IN_FLIGHT_REQUESTS_H_
#define PASSCLEAR_STORAGE_IN_FLIGHT_REQUESTS_H_

#include <array>
#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "storage/records.h"

namespace passclear::storage {

// What identifies a request's content.
struct RequestContent {
  OperationKind operation = OperationKind::kRedeem;
  uint64_t serial = 0;
  uint64_t venue_id = 0;
  bool operator==(const RequestContent&) const = default;
};

class InFlightRequests {
 public:
  // False when `key` is claimed by a request with other content.
  [[nodiscard]] bool TryClaim(const std::string& key,
                              const RequestContent& content);
  // Undoes one successful TryClaim.
  void Release(const std::string& key);

 private:
  struct Claim {
    RequestContent content;
    int count = 0;
  };
  // Striped so that unrelated requests rarely share a mutex.
  struct Stripe {
    absl::Mutex mu;
    absl::flat_hash_map<std::string, Claim> claims ABSL_GUARDED_BY(mu);
  };
  Stripe& StripeFor(const std::string& key);

  std::array<Stripe, 16> stripes_;
};

}  // namespace passclear::storage

#endif  // PASSCLEAR_STORAGE_IN_FLIGHT_REQUESTS_H_
