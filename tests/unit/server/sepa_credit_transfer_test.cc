#include "server/sepa_credit_transfer.h"

#include <stdlib.h>    // mkdtemp
#include <sys/wait.h>  // WIFEXITED, WEXITSTATUS

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

// The build passes the path of deploy/schemas/pain.001.001.03.xsd.
#ifndef PASSCLEAR_SEPA_SCHEMA
#error "PASSCLEAR_SEPA_SCHEMA must name the pain.001.001.03 schema"
#endif

namespace passclear {
namespace {

SepaPaymentFile SampleFile() {
  return {
      .message_id = "PASSCLEAR-20240531-0001",
      .created_at = absl::FromCivil(absl::CivilSecond(2024, 5, 31, 14, 30, 5),
                                    absl::UTCTimeZone()),
      .debtor = {.name = "Pass Culture Mandataire",
                 .iban = "FR7630006000011234567890189",
                 .bic = "AGRIFRPP"},
      .execution_date = absl::CivilDay(2024, 6, 3),
      .transfers =
          {
              {.end_to_end_id = "B000000000042",
               .creditor = {.name = "Médiathèque de Saint-Étienne & Co",
                            .iban = "FR1420041010050500013M02606",
                            .bic = "PSSTFRPPLIL"},
               .amount_cents = 123450,
               .remittance = "Passes de l'été, mai 2024"},
              {.end_to_end_id = "B000000000043",
               .creditor = {.name = "L’Œuvre <Théâtre> \"Cœur\"",
                            .iban = "DE89370400440532013000",
                            .bic = "COBADEFFXXX"},
               .amount_cents = 1,
               .remittance = "Lot B000000000043"},
              {.end_to_end_id = "B000000000044",
               .creditor = {.name = "Librairie Ça Ira",
                            .iban = "BE68539007547034",
                            .bic = "GEBABEBB"},
               .amount_cents = kMaxSepaTransferCents,
               .remittance = ""},
          },
  };
}

// The text of every <tag> element, in document order.
std::vector<std::string> ElementTexts(absl::string_view xml,
                                      absl::string_view tag) {
  const std::string open = absl::StrCat("<", tag, ">");
  const std::string close = absl::StrCat("</", tag, ">");
  std::vector<std::string> texts;
  for (size_t start = xml.find(open); start != absl::string_view::npos;
       start = xml.find(open, start)) {
    start += open.size();
    const size_t end = xml.find(close, start);
    if (end == absl::string_view::npos) break;
    texts.emplace_back(xml.substr(start, end - start));
  }
  return texts;
}

int CountOf(absl::string_view xml, absl::string_view needle) {
  int count = 0;
  for (size_t at = xml.find(needle); at != absl::string_view::npos;
       at = xml.find(needle, at + needle.size())) {
    ++count;
  }
  return count;
}

struct SchemaCheck {
  bool valid = false;
  std::string output;  // what xmllint said, for the failure message
};

// Writes `xml` to a fresh temp directory and runs xmllint on it against
// the pain.001.001.03 schema.
SchemaCheck ValidateAgainstSchema(absl::string_view xml) {
  std::string dir = absl::StrCat(::testing::TempDir(), "sepa_XXXXXX");
  if (mkdtemp(dir.data()) == nullptr) return {.output = "mkdtemp failed"};
  const std::string path = absl::StrCat(dir, "/pain001.xml");
  std::ofstream(path, std::ios::binary) << xml;
  const std::string command =
      absl::StrCat("xmllint --noout --schema '", PASSCLEAR_SEPA_SCHEMA, "' '",
                   path, "' 2>&1");
  SchemaCheck check;
  if (FILE* pipe = popen(command.c_str(), "r"); pipe != nullptr) {
    char buffer[512];
    while (fgets(buffer, sizeof buffer, pipe) != nullptr) {
      check.output += buffer;
    }
    const int status = pclose(pipe);
    check.valid = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  } else {
    check.output = "popen failed";
  }
  std::filesystem::remove_all(dir);
  return check;
}

void ExpectInvalid(const SepaPaymentFile& file, absl::string_view field) {
  const absl::StatusOr<std::string> xml = WritePain001(file);
  ASSERT_FALSE(xml.ok()) << "expected an error on " << field;
  EXPECT_EQ(xml.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(
      absl::StartsWith(xml.status().message(), absl::StrCat(field, ": ")))
      << xml.status();
}

TEST(SepaCreditTransferTest, WritesAFileTheSchemaAccepts) {
  const absl::StatusOr<std::string> xml = WritePain001(SampleFile());
  ASSERT_TRUE(xml.ok()) << xml.status();
  const SchemaCheck check = ValidateAgainstSchema(*xml);
  EXPECT_TRUE(check.valid) << check.output << "\n" << *xml;
}

TEST(SepaCreditTransferTest, SchemaCheckCatchesAnInvalidFile) {
  // Guards the test above: a file the schema refuses must fail, so a
  // missing xmllint or schema cannot pass unnoticed.
  const absl::StatusOr<std::string> xml = WritePain001(SampleFile());
  ASSERT_TRUE(xml.ok()) << xml.status();
  const std::string tampered = absl::StrReplaceAll(
      *xml, {{"<ChrgBr>SLEV</ChrgBr>", "<ChrgBr>NONE</ChrgBr>"}});
  ASSERT_NE(tampered, *xml);
  EXPECT_FALSE(ValidateAgainstSchema(tampered).valid);
}

TEST(SepaCreditTransferTest, WritesCountsControlSumsAndAmountsExactly) {
  const absl::StatusOr<std::string> xml = WritePain001(SampleFile());
  ASSERT_TRUE(xml.ok()) << xml.status();
  // 1234.50 + 0.01 + 999999999.99, once in GrpHdr and once in PmtInf.
  EXPECT_EQ(ElementTexts(*xml, "CtrlSum"),
            std::vector<std::string>({"1000001234.50", "1000001234.50"}));
  EXPECT_EQ(ElementTexts(*xml, "NbOfTxs"),
            std::vector<std::string>({"3", "3"}));
  EXPECT_EQ(CountOf(*xml, "<InstdAmt Ccy=\"EUR\">1234.50</InstdAmt>"), 1);
  EXPECT_EQ(CountOf(*xml, "<InstdAmt Ccy=\"EUR\">0.01</InstdAmt>"), 1);
  EXPECT_EQ(CountOf(*xml, "<InstdAmt Ccy=\"EUR\">999999999.99</InstdAmt>"), 1);
}

TEST(SepaCreditTransferTest, WritesTheFixedSepaFields) {
  const absl::StatusOr<std::string> xml = WritePain001(SampleFile());
  ASSERT_TRUE(xml.ok()) << xml.status();
  EXPECT_EQ(ElementTexts(*xml, "MsgId"),
            std::vector<std::string>({"PASSCLEAR-20240531-0001"}));
  EXPECT_EQ(ElementTexts(*xml, "CreDtTm"),
            std::vector<std::string>({"2024-05-31T14:30:05Z"}));
  EXPECT_EQ(ElementTexts(*xml, "ReqdExctnDt"),
            std::vector<std::string>({"2024-06-03"}));
  EXPECT_EQ(ElementTexts(*xml, "PmtMtd"), std::vector<std::string>({"TRF"}));
  EXPECT_EQ(ElementTexts(*xml, "BtchBookg"),
            std::vector<std::string>({"true"}));
  EXPECT_EQ(ElementTexts(*xml, "Cd"), std::vector<std::string>({"SEPA"}));
  EXPECT_EQ(ElementTexts(*xml, "ChrgBr"), std::vector<std::string>({"SLEV"}));
  EXPECT_EQ(ElementTexts(*xml, "EndToEndId"),
            std::vector<std::string>(
                {"B000000000042", "B000000000043", "B000000000044"}));
  // Debtor agent first, then one creditor agent per transfer.
  EXPECT_EQ(ElementTexts(*xml, "BIC"),
            std::vector<std::string>(
                {"AGRIFRPP", "PSSTFRPPLIL", "COBADEFFXXX", "GEBABEBB"}));
  EXPECT_EQ(ElementTexts(*xml, "IBAN"),
            std::vector<std::string>(
                {"FR7630006000011234567890189", "FR1420041010050500013M02606",
                 "DE89370400440532013000", "BE68539007547034"}));
}

TEST(SepaCreditTransferTest, TransliteratesAndEscapesFreeText) {
  const absl::StatusOr<std::string> xml = WritePain001(SampleFile());
  ASSERT_TRUE(xml.ok()) << xml.status();
  // InitgPty, Dbtr, then one Cdtr per transfer. '&', '<', '>' and '"' are
  // outside the SEPA set and become spaces; the apostrophe stays, escaped.
  EXPECT_EQ(ElementTexts(*xml, "Nm"),
            std::vector<std::string>(
                {"Pass Culture Mandataire", "Pass Culture Mandataire",
                 "Mediatheque de Saint-Etienne Co",
                 "L&apos;OEuvre Theatre Coeur", "Librairie Ca Ira"}));
  // The empty remittance of the third transfer is left out.
  EXPECT_EQ(ElementTexts(*xml, "Ustrd"),
            std::vector<std::string>(
                {"Passes de l&apos;ete, mai 2024", "Lot B000000000043"}));
  EXPECT_EQ(CountOf(*xml, "<RmtInf>"), 2);
}

TEST(SepaCreditTransferTest, CutsNamesAndRemittanceAfterTransliterating) {
  SepaPaymentFile file = SampleFile();
  // 80 two-byte letters: 160 bytes of UTF-8, 80 characters once cleaned.
  std::string long_name;
  for (int i = 0; i < 80; ++i) long_name += "é";
  file.transfers[0].creditor.name = long_name;
  file.transfers[0].remittance = std::string(150, 'r');
  const absl::StatusOr<std::string> xml = WritePain001(file);
  ASSERT_TRUE(xml.ok()) << xml.status();
  EXPECT_EQ(ElementTexts(*xml, "Nm")[2], std::string(70, 'e'));
  EXPECT_EQ(ElementTexts(*xml, "Ustrd")[0], std::string(140, 'r'));
  const SchemaCheck check = ValidateAgainstSchema(*xml);
  EXPECT_TRUE(check.valid) << check.output;
}

TEST(SepaCreditTransferTest, FormatsOneCentAndLargeAmountsExactly) {
  const struct {
    std::vector<int64_t> cents;
    std::vector<std::string> amounts;
    std::string control_sum;
  } cases[] = {
      {{1}, {"0.01"}, "0.01"},
      {{100}, {"1.00"}, "1.00"},
      {{1234567890}, {"12345678.90"}, "12345678.90"},
      {{kMaxSepaTransferCents}, {"999999999.99"}, "999999999.99"},
      {{kMaxSepaTransferCents, kMaxSepaTransferCents, 10},
       {"999999999.99", "999999999.99", "0.10"},
       "2000000000.08"},
  };
  for (const auto& c : cases) {
    SepaPaymentFile file = SampleFile();
    const SepaTransfer first = file.transfers[0];
    file.transfers.assign(c.cents.size(), first);
    for (size_t i = 0; i < c.cents.size(); ++i) {
      file.transfers[i].amount_cents = c.cents[i];
    }
    const absl::StatusOr<std::string> xml = WritePain001(file);
    ASSERT_TRUE(xml.ok()) << xml.status();
    EXPECT_EQ(ElementTexts(*xml, "CtrlSum"),
              std::vector<std::string>({c.control_sum, c.control_sum}));
    std::vector<std::string> expected_amounts;
    for (const std::string& amount : c.amounts) {
      expected_amounts.push_back(
          absl::StrCat("<InstdAmt Ccy=\"EUR\">", amount, "</InstdAmt>"));
    }
    std::vector<std::string> written_amounts;
    for (const std::string& amount : ElementTexts(*xml, "Amt")) {
      written_amounts.emplace_back(absl::StripAsciiWhitespace(amount));
    }
    EXPECT_EQ(written_amounts, expected_amounts);
  }
}

TEST(SepaCreditTransferTest, RefusesBadIbans) {
  for (const char* iban :
       {"", "FR76 3000 6000 0112 3456 7890 189", "fr7630006000011234567890189",
        "FRX630006000011234567890189", "FR76",
        "FR763000600001123456789018901234567",
        "FR7630006000-011234567890189"}) {
    SepaPaymentFile file = SampleFile();
    file.transfers[2].creditor.iban = iban;
    ExpectInvalid(file, "transfers[2].creditor.iban");
  }
  SepaPaymentFile file = SampleFile();
  file.debtor.iban = "GB29 NWBK 6016 1331 9268 19";
  ExpectInvalid(file, "debtor.iban");
}

TEST(SepaCreditTransferTest, RefusesBadBics) {
  // Too short, between lengths, lower case, '1' as 7th, 'O' as 8th, a dash.
  for (const char* bic : {"", "PSSTFRP", "PSSTFRPPLI", "psstfrpp", "PSSTFR1P",
                          "PSSTFRPO", "PSST-RPP"}) {
    SepaPaymentFile file = SampleFile();
    file.transfers[1].creditor.bic = bic;
    ExpectInvalid(file, "transfers[1].creditor.bic");
  }
  SepaPaymentFile file = SampleFile();
  file.debtor.bic = "AGRIFRPPX";
  ExpectInvalid(file, "debtor.bic");
}

TEST(SepaCreditTransferTest, RefusesAmountsOutsideTheSepaRange) {
  for (int64_t cents : {int64_t{0}, int64_t{-1}, kMaxSepaTransferCents + 1}) {
    SepaPaymentFile file = SampleFile();
    file.transfers[0].amount_cents = cents;
    ExpectInvalid(file, "transfers[0].amount_cents");
  }
}

TEST(SepaCreditTransferTest, RefusesAFileWithoutTransfers) {
  SepaPaymentFile file = SampleFile();
  file.transfers.clear();
  ExpectInvalid(file, "transfers");
}

TEST(SepaCreditTransferTest, RefusesNamesThatCleanToNothing) {
  SepaPaymentFile file = SampleFile();
  file.transfers[1].creditor.name = "«★» & <>";
  ExpectInvalid(file, "transfers[1].creditor.name");
  file = SampleFile();
  file.debtor.name = "";
  ExpectInvalid(file, "debtor.name");
}

TEST(SepaCreditTransferTest, RefusesIdentifiersRatherThanAlteringThem) {
  for (const std::string& id :
       {std::string(""), std::string(36, 'B'), std::string("Lot été"),
        std::string("B/"), std::string("/B"), std::string("B//42"),
        std::string("B<42>")}) {
    SepaPaymentFile file = SampleFile();
    file.message_id = id;
    ExpectInvalid(file, "message_id");
    file = SampleFile();
    file.transfers[2].end_to_end_id = id;
    ExpectInvalid(file, "transfers[2].end_to_end_id");
  }
}

TEST(SepaCreditTransferTest, RefusesDatesWithoutFourDigitYears) {
  SepaPaymentFile file = SampleFile();
  file.created_at = absl::InfiniteFuture();
  ExpectInvalid(file, "created_at");
  file = SampleFile();
  file.execution_date = absl::CivilDay(10000, 1, 1);
  ExpectInvalid(file, "execution_date");
}

TEST(SepaCreditTransferTest, MalformedUtf8BecomesSpaces) {
  SepaPaymentFile file = SampleFile();
  // A stray continuation byte, a truncated sequence, an overlong '<'.
  file.transfers[0].creditor.name = "Caf\x80 du\xC3 Parc\xC0\xBC";
  const absl::StatusOr<std::string> xml = WritePain001(file);
  ASSERT_TRUE(xml.ok()) << xml.status();
  EXPECT_EQ(ElementTexts(*xml, "Nm")[2], "Caf du Parc");
}

}  // namespace
}  // namespace passclear
