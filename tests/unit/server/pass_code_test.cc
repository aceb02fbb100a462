#include "server/pass_code.h"

#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "storage/code_tag.h"
#include "storage/records.h"

namespace passclear {
namespace {

const std::vector<PassCode> kSamples = {
    {.serial = 1, .tag = 0},
    {.serial = 42, .tag = 1234567890},
    {.serial = 987654321, .tag = 9999999999},
    {.serial = storage::kMaxSerial, .tag = 5555},
};

TEST(PassCodeTest, FormatsSerialTagAndMod97CheckDigits) {
  EXPECT_EQ(FormatPassCode({.serial = 42, .tag = 1234567890}),
            "000000000042123456789029");
  EXPECT_EQ(FormatPassCode({.serial = 1, .tag = 0}).size(), 24u);
}

TEST(PassCodeTest, ParsesWhatItFormats) {
  for (const PassCode& sample : kSamples) {
    absl::StatusOr<PassCode> parsed = ParsePassCode(FormatPassCode(sample));
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(parsed->serial, sample.serial);
    EXPECT_EQ(parsed->tag, sample.tag);
  }
}

TEST(PassCodeTest, IgnoresSpacesAndHyphens) {
  absl::StatusOr<PassCode> parsed =
      ParsePassCode("0000-0000-0042 12345 67890 29");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->serial, 42u);
  EXPECT_EQ(parsed->tag, 1234567890u);
}

TEST(PassCodeTest, CatchesEverySingleDigitSubstitution) {
  for (const PassCode& sample : kSamples) {
    const std::string code = FormatPassCode(sample);
    for (size_t i = 0; i < code.size(); ++i) {
      for (char digit = '0'; digit <= '9'; ++digit) {
        if (digit == code[i]) continue;
        std::string wrong = code;
        wrong[i] = digit;
        absl::StatusOr<PassCode> parsed = ParsePassCode(wrong);
        ASSERT_FALSE(parsed.ok()) << wrong;
        EXPECT_NE(parsed.status().message().find("check digits"),
                  absl::string_view::npos);
      }
    }
  }
}

TEST(PassCodeTest, CatchesEveryAdjacentSwap) {
  for (const PassCode& sample : kSamples) {
    const std::string code = FormatPassCode(sample);
    for (size_t i = 0; i + 1 < code.size(); ++i) {
      if (code[i] == code[i + 1]) continue;
      std::string swapped = code;
      std::swap(swapped[i], swapped[i + 1]);
      EXPECT_FALSE(ParsePassCode(swapped).ok()) << swapped;
    }
  }
}

TEST(PassCodeTest, NamesWhatIsWrong) {
  EXPECT_EQ(ParsePassCode("").status().message(), "code: required");
  EXPECT_EQ(ParsePassCode(std::string(65, '1')).status().message(),
            "code: at most 64 characters, got 65");
  EXPECT_EQ(ParsePassCode("00000000000195").status().message(),
            "code: must have 24 digits (12 serial, 10 tag, 2 check), got 14");
  EXPECT_EQ(ParsePassCode("00000000000x95").status().message(),
            "code: unexpected character 0x78 at position 12; a code has "
            "digits only");
  EXPECT_EQ(ParsePassCode("").status().code(),
            absl::StatusCode::kInvalidArgument);
}

// The tag is a keyed function of the serial: another key or another serial
// gives another tag (with odds of 1 in 10^10 of a collision).
TEST(CodeTagTest, DependsOnKeyAndSerial) {
  const std::string key = storage::NewKeySecret(1, 1);
  const std::string other_key = storage::NewKeySecret(2, 1);
  ASSERT_EQ(key.size(), storage::kKeyBytes);
  ASSERT_NE(key, other_key);
  EXPECT_EQ(storage::CodeTag(key, 42), storage::CodeTag(key, 42));
  EXPECT_NE(storage::CodeTag(key, 42), storage::CodeTag(other_key, 42));
  EXPECT_NE(storage::CodeTag(key, 42), storage::CodeTag(key, 43));
  for (uint64_t serial = 1; serial < 1000; ++serial) {
    EXPECT_LT(storage::CodeTag(key, serial), storage::kTagModulus);
  }
  // A known answer (computed with Python's hmac module), so that a change of
  // the function is noticed: it would make every printed pass counterfeit.
  EXPECT_EQ(storage::CodeTag(std::string(32, 'k'), 1), 9365511484u);
}

// Each thread keeps its HMAC keyed with the last secret: alternating keys,
// on this thread and on a new one, must still give each key's own tags
// (known answers computed with Python's hmac module).
TEST(CodeTagTest, AlternatingKeysKeepTheirOwnTags) {
  const std::string k(32, 'k');
  const std::string p(32, 'p');
  auto check = [&] {
    for (int round = 0; round < 3; ++round) {
      EXPECT_EQ(storage::CodeTag(k, 1), 9365511484u);
      EXPECT_EQ(storage::CodeTag(p, 1), 7298993170u);
      EXPECT_EQ(storage::CodeTag(p, 2), 5901258117u);
      EXPECT_EQ(storage::CodeTag(k, 2), 9354578759u);
    }
  };
  check();
  std::thread other(check);
  other.join();
}

}  // namespace
}  // namespace passclear
