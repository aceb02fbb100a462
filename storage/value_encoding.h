// Byte-level helpers for stored values: little-endian fixed-width integers
// and length-prefixed strings, for record_codec.cc and the usage counters.
//
//   ValueWriter writer;
//   writer.U8(kFormatVersion).U64(id).String(name);
//   ValueReader reader(bytes);
//   if (!reader.U64(id) || !reader.String(name)) return corrupt;
#ifndef PASSCLEAR_STORAGE_VALUE_ENCODING_H_
#define PASSCLEAR_STORAGE_VALUE_ENCODING_H_

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace passclear::storage {

class ValueWriter {
 public:
  ValueWriter& U8(uint8_t value) {
    out_.push_back(static_cast<char>(value));
    return *this;
  }
  ValueWriter& U32(uint32_t value) { return Fixed(value); }
  ValueWriter& U64(uint64_t value) { return Fixed(value); }
  ValueWriter& I64(int64_t value) { return Fixed(value); }
  // Times are stored as microseconds since the Unix epoch.
  ValueWriter& Time(absl::Time value) { return I64(absl::ToUnixMicros(value)); }
  ValueWriter& String(absl::string_view value) {
    U32(static_cast<uint32_t>(value.size()));
    out_.append(value.data(), value.size());
    return *this;
  }
  // Leaves the writer empty.
  std::string Finish() { return std::move(out_); }

 private:
  template <typename T>
  ValueWriter& Fixed(T value) {
    static_assert(std::endian::native == std::endian::little,
                  "stored values are little-endian");
    char bytes[sizeof(T)];
    std::memcpy(bytes, &value, sizeof(T));
    out_.append(bytes, sizeof(T));
    return *this;
  }

  std::string out_;
};

// Every read returns false, and leaves the reader failed, when the bytes run
// out: a truncated or corrupt value is detected, never read past.
class ValueReader {
 public:
  explicit ValueReader(absl::string_view in) : in_(in) {}

  bool U8(uint8_t& value) { return Fixed(value); }
  bool U32(uint32_t& value) { return Fixed(value); }
  bool U64(uint64_t& value) { return Fixed(value); }
  bool I64(int64_t& value) { return Fixed(value); }
  bool Time(absl::Time& value) {
    int64_t micros = 0;
    if (!I64(micros)) return false;
    value = absl::FromUnixMicros(micros);
    return true;
  }
  bool String(std::string& value) {
    uint32_t size = 0;
    if (!U32(size) || in_.size() < size) return Fail();
    value.assign(in_.data(), size);
    in_.remove_prefix(size);
    return true;
  }
  bool AtEnd() const { return in_.empty(); }

 private:
  template <typename T>
  bool Fixed(T& value) {
    if (in_.size() < sizeof(T)) return Fail();
    std::memcpy(&value, in_.data(), sizeof(T));
    in_.remove_prefix(sizeof(T));
    return true;
  }
  bool Fail() {
    in_ = {};
    return false;
  }

  absl::string_view in_;
};

}  // namespace passclear::storage

#endif  // PASSCLEAR_STORAGE_VALUE_ENCODING_H_
