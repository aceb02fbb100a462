#include "server/pass_code.h"

#include <string>

#include "gtest/gtest.h"

namespace passclear {
namespace {

TEST(PassCodeTest, FormatsSerialWithMod97CheckDigits) {
  EXPECT_EQ(FormatPassCode(1), "00000000000195");
  EXPECT_EQ(FormatPassCode(42), "00000000004269");
}

TEST(PassCodeTest, ParsesWhatItFormats) {
  for (uint64_t serial : {uint64_t{0}, uint64_t{1}, uint64_t{1230},
                          uint64_t{123456789012}, storage::kMaxSerial}) {
    absl::StatusOr<uint64_t> parsed = ParsePassCode(FormatPassCode(serial));
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(*parsed, serial);
  }
}

TEST(PassCodeTest, IgnoresSpacesAndHyphens) {
  absl::StatusOr<uint64_t> parsed = ParsePassCode("0000-0000 0042 69");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, 42u);
}

TEST(PassCodeTest, CatchesEverySingleDigitSubstitution) {
  for (uint64_t serial : {uint64_t{1}, uint64_t{987654321}, uint64_t{555}}) {
    const std::string code = FormatPassCode(serial);
    for (size_t i = 0; i < code.size(); ++i) {
      for (char digit = '0'; digit <= '9'; ++digit) {
        if (digit == code[i]) continue;
        std::string wrong = code;
        wrong[i] = digit;
        absl::StatusOr<uint64_t> parsed = ParsePassCode(wrong);
        ASSERT_FALSE(parsed.ok()) << wrong;
        EXPECT_NE(parsed.status().message().find("check digits"),
                  absl::string_view::npos);
      }
    }
  }
}

TEST(PassCodeTest, CatchesEveryAdjacentSwap) {
  for (uint64_t serial : {uint64_t{1}, uint64_t{987654321}, uint64_t{102938}}) {
    const std::string code = FormatPassCode(serial);
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
  EXPECT_EQ(ParsePassCode("0000000000019").status().message(),
            "code: must have 14 digits (12 serial, 2 check), got 13");
  EXPECT_EQ(ParsePassCode("00000000000x95").status().message(),
            "code: unexpected character 0x78 at position 12; a code has "
            "digits only");
  EXPECT_EQ(ParsePassCode("").status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace passclear
