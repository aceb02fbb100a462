#include "storage/in_flight_requests.h"

#include "absl/hash/hash.h"

namespace passclear::storage {

InFlightRequests::Stripe& InFlightRequests::StripeFor(const std::string& key) {
  return stripes_[absl::HashOf(key) % stripes_.size()];
}

bool InFlightRequests::TryClaim(const std::string& key,
                                const RequestContent& content) {
  Stripe& stripe = StripeFor(key);
  absl::MutexLock lock(&stripe.mu);
  auto [it, inserted] = stripe.claims.try_emplace(key, Claim{content, 0});
  if (!inserted && it->second.content != content) return false;
  ++it->second.count;
  return true;
}

void InFlightRequests::Release(const std::string& key) {
  Stripe& stripe = StripeFor(key);
  absl::MutexLock lock(&stripe.mu);
  auto it = stripe.claims.find(key);
  if (it != stripe.claims.end() && --it->second.count == 0) {
    stripe.claims.erase(it);
  }
}

}  // namespace passclear::storage
