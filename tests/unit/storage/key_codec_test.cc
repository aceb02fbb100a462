// The key layouts: what goes in comes out, and keys sort as their numbers do,
// which is what keeps a venue's claim lines contiguous and in redemption order.
#include "storage/key_codec.h"

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <tuple>

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace passclear::storage {
namespace {

constexpr uint64_t kMax64 = std::numeric_limits<uint64_t>::max();

// The largest serial a pass can print (12 digits).
constexpr uint64_t kLargestPrintedSerial = 999'999'999'999;

const uint64_t kInterestingNumbers[] = {0,
                                        1,
                                        42,
                                        255,
                                        256,
                                        65535,
                                        65536,
                                        uint64_t{1} << 31,
                                        0x0102030405060708,
                                        kLargestPrintedSerial,
                                        kMax64 - 1,
                                        kMax64};

TEST(KeyCodecTest, BigEndianRoundTrip) {
  for (uint64_t value : kInterestingNumbers) {
    std::string bytes;
    AppendBigEndian64(bytes, value);
    ASSERT_EQ(bytes.size(), 8u);
    absl::StatusOr<uint64_t> read = ReadBigEndian64(bytes);
    ASSERT_TRUE(read.ok()) << read.status();
    EXPECT_EQ(*read, value);
  }
}

TEST(KeyCodecTest, BigEndianPutsTheMostSignificantByteFirst) {
  std::string bytes;
  AppendBigEndian64(bytes, 0x0102030405060708);
  EXPECT_EQ(bytes, std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
}

TEST(KeyCodecTest, ReadBigEndianRefusesFewerThanEightBytes) {
  for (size_t size = 0; size < 8; ++size) {
    absl::StatusOr<uint64_t> read = ReadBigEndian64(std::string(size, '\x01'));
    EXPECT_EQ(read.status().code(), absl::StatusCode::kDataLoss) << size;
  }
}

TEST(KeyCodecTest, PassKeyRoundTrip) {
  for (uint64_t serial : kInterestingNumbers) {
    const std::string key = PassKey(serial);
    EXPECT_EQ(key.size(), 8u);
    absl::StatusOr<uint64_t> parsed = ParsePassKey(key);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(*parsed, serial);
  }
}

TEST(KeyCodecTest, IdKeyRoundTrip) {
  for (uint64_t id : kInterestingNumbers) {
    const std::string key = IdKey(id);
    EXPECT_EQ(key.size(), 8u);
    absl::StatusOr<uint64_t> parsed = ParseIdKey(key);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(*parsed, id);
  }
}

TEST(KeyCodecTest, ClaimAndVenueBatchKeysRoundTrip) {
  for (uint64_t first : kInterestingNumbers) {
    for (uint64_t second : kInterestingNumbers) {
      const std::string key = ClaimKey(first, second);
      EXPECT_EQ(key.size(), 16u);
      absl::StatusOr<ClaimKeyParts> parsed = ParseClaimKey(key);
      ASSERT_TRUE(parsed.ok()) << parsed.status();
      EXPECT_EQ(parsed->batch_id, first);
      EXPECT_EQ(parsed->seq, second);
      absl::StatusOr<VenueBatchKeyParts> venue_batch =
          ParseVenueBatchKey(VenueBatchKey(first, second));
      ASSERT_TRUE(venue_batch.ok()) << venue_batch.status();
      EXPECT_EQ(venue_batch->venue_id, first);
      EXPECT_EQ(venue_batch->batch_id, second);
    }
  }
  EXPECT_FALSE(ParseVenueBatchKey("short").ok());
}

TEST(KeyCodecTest, IdKeysSortNumerically) {
  EXPECT_LT(IdKey(255), IdKey(256));
  EXPECT_LT(IdKey(0), IdKey(1));
  EXPECT_LT(IdKey(kMax64 - 1), IdKey(kMax64));
  std::mt19937_64 random(20230301);
  for (int i = 0; i < 10000; ++i) {
    // Mixed magnitudes, so that keys differing in a high byte come up often.
    const uint64_t a = random() >> (random() % 64);
    const uint64_t b = random() >> (random() % 64);
    EXPECT_EQ(PassKey(a) < PassKey(b), a < b) << a << " vs " << b;
    EXPECT_EQ(IdKey(a) < IdKey(b), a < b) << a << " vs " << b;
  }
}

TEST(KeyCodecTest, ClaimKeysSortByVenueThenSequence) {
  EXPECT_LT(ClaimKey(7, 255), ClaimKey(7, 256));
  EXPECT_LT(ClaimKey(255, kMax64), ClaimKey(256, 0));
  EXPECT_LT(ClaimKey(1, kMax64), ClaimKey(2, 1));
  std::mt19937_64 random(97);
  for (int i = 0; i < 10000; ++i) {
    // Few venues so that equal venues (ordered by sequence) come up often.
    const uint64_t venue_a = random() % 300;
    const uint64_t venue_b = random() % 300;
    const uint64_t seq_a = random() >> (random() % 64);
    const uint64_t seq_b = random() >> (random() % 64);
    const bool keys_less = ClaimKey(venue_a, seq_a) < ClaimKey(venue_b, seq_b);
    const bool numbers_less =
        std::tie(venue_a, seq_a) < std::tie(venue_b, seq_b);
    EXPECT_EQ(keys_less, numbers_less)
        << "(" << venue_a << ", " << seq_a << ") vs (" << venue_b << ", "
        << seq_b << ")";
  }
}

TEST(KeyCodecTest, ParseRefusesWrongLengths) {
  for (size_t size : {0, 1, 7, 9, 15, 16, 17}) {
    if (size == 8) continue;
    EXPECT_EQ(ParseIdKey(std::string(size, 'x')).status().code(),
              absl::StatusCode::kDataLoss)
        << size;
    EXPECT_EQ(ParsePassKey(std::string(size, 'x')).status().code(),
              absl::StatusCode::kDataLoss)
        << size;
  }
  for (size_t size : {0, 1, 8, 15, 17, 24}) {
    EXPECT_EQ(ParseClaimKey(std::string(size, 'x')).status().code(),
              absl::StatusCode::kDataLoss)
        << size;
  }
}

TEST(KeyCodecTest, IdempotencyKeyRoundTrip) {
  const std::string longest(kMaxIdLength, 'z');
  const std::pair<std::string, std::string> cases[] = {
      {"T-1", "9f1c-0001"},
      {"", ""},
      {"", "r"},
      {"T", ""},
      {longest, longest},
      {longest, ""},
      {std::string("\0\xff", 2), std::string("\x01", 1)},
  };
  for (const auto& [terminal, request] : cases) {
    const std::string key = IdempotencyKey(terminal, request);
    EXPECT_EQ(key.size(), 2 + terminal.size() + request.size());
    absl::StatusOr<IdempotencyKeyParts> parsed = ParseIdempotencyKey(key);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(parsed->terminal_id, terminal);
    EXPECT_EQ(parsed->request_id, request);
  }
}

TEST(KeyCodecTest, IdempotencyKeysDoNotMixTheirParts) {
  EXPECT_NE(IdempotencyKey("ab", "c"), IdempotencyKey("a", "bc"));
  EXPECT_NE(IdempotencyKey("", "abc"), IdempotencyKey("abc", ""));
  EXPECT_NE(IdempotencyKey("T-1", "r-1"), IdempotencyKey("T-1r", "-1"));
}

TEST(KeyCodecTest, ParseIdempotencyKeyRefusesMalformedKeys) {
  const std::string valid = IdempotencyKey("T-1", "r-1");
  // Every strict prefix lacks bytes that a length prefix announced.
  for (size_t size = 0; size < valid.size(); ++size) {
    EXPECT_EQ(ParseIdempotencyKey(valid.substr(0, size)).status().code(),
              absl::StatusCode::kDataLoss)
        << size;
  }
  EXPECT_EQ(ParseIdempotencyKey(valid + "x").status().code(),
            absl::StatusCode::kDataLoss);
  // A length byte that claims more than is there.
  EXPECT_EQ(ParseIdempotencyKey(std::string("\x05", 1) + "ab").status().code(),
            absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace passclear::storage
