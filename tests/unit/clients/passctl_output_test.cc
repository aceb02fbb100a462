#include "clients/passctl_output.h"

#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gtest/gtest.h"

namespace passclear::passctl {
namespace {

TEST(DisplayWidthTest, CountsCharactersNotBytes) {
  EXPECT_EQ(DisplayWidth("Orgeval"), 7u);
  EXPECT_EQ(DisplayWidth("Saint-Rémy-lès-Chevreuse"), 24u);  // precomposed
  EXPECT_EQ(DisplayWidth("Bre\xCC\x81val"), 6u);  // "e" + combining acute
  EXPECT_EQ(DisplayWidth("Œuvre"), 5u);
  EXPECT_EQ(DisplayWidth(""), 0u);
}

TEST(FormatTableTest, AlignsColumnsOfAccentedNames) {
  const std::string table = FormatTable({{"distributor", "passes"},
                                         {"Bréval", "10"},
                                         {"Saint-Rémy-lès-Chevreuse", "20"},
                                         {"Orgeval", "30"}});
  const std::vector<std::string> lines = absl::StrSplit(table, '\n');
  ASSERT_EQ(lines.size(), 4u);
  // The second column starts at the same character on every line.
  for (const std::string& line : lines) {
    const size_t last_column = line.find_last_of(' ') + 1;
    EXPECT_EQ(DisplayWidth(line.substr(0, last_column)), 26u) << line;
  }
  EXPECT_EQ(lines[1], "Bréval" + std::string(20, ' ') + "10");
}

}  // namespace
}  // namespace passclear::passctl
