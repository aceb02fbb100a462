#include "storage/answer_expiry.h"

#include "storage/record_codec.h"

namespace passclear::storage {

bool AnswerExpiryFilter::Filter(int, const rocksdb::Slice&,
                                const rocksdb::Slice& existing_value,
                                std::string*, bool*) const {
  absl::StatusOr<StoredAnswer> answer = DecodeStoredAnswer(
      absl::string_view(existing_value.data(), existing_value.size()));
  return answer.ok() && AnswerExpired(answer->answered_at, ttl_, clock_());
}

}  // namespace passclear::storage
