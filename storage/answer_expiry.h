// Stored answers (idempotency records) expire `ttl` after they were given:
// a retry after that is decided afresh (a pass redeemed meanwhile answers
// ALREADY_REDEEMED, never a second redemption), and compactions drop the
// expired records of the idempotency family, off the hot path.
#ifndef PASSCLEAR_STORAGE_ANSWER_EXPIRY_H_
#define PASSCLEAR_STORAGE_ANSWER_EXPIRY_H_

#include <functional>

#include "absl/time/time.h"
#include "rocksdb/compaction_filter.h"

namespace passclear::storage {

// Whether an answer given at `answered_at` has expired at `now`.
inline bool AnswerExpired(absl::Time answered_at, absl::Duration ttl,
                          absl::Time now) {
  return answered_at + ttl <= now;
}

class AnswerExpiryFilter : public rocksdb::CompactionFilter {
 public:
  AnswerExpiryFilter(absl::Duration ttl, std::function<absl::Time()> clock)
      : ttl_(ttl), clock_(std::move(clock)) {}

  // True (drop) for an expired answer; a value that does not decode is kept.
  bool Filter(int level, const rocksdb::Slice& key,
              const rocksdb::Slice& existing_value, std::string* new_value,
              bool* value_changed) const override;
  const char* Name() const override { return "passclear.AnswerExpiry"; }

 private:
  const absl::Duration ttl_;
  const std::function<absl::Time()> clock_;
};

}  // namespace passclear::storage

#endif  // PASSCLEAR_STORAGE_ANSWER_EXPIRY_H_
