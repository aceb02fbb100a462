#include "server/sepa_credit_transfer.h"

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "storage/status_macros.h"

namespace passclear {
namespace {

constexpr absl::string_view kNamespace =
    "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03";

constexpr size_t kMaxIdentifierChars = 35;  // Max35Text
// The schema allows 140 for a party name; the EPC guidelines allow 70.
constexpr size_t kMaxNameChars = 70;
constexpr size_t kMaxRemittanceChars = 140;  // Max140Text
// A control sum is a DecimalNumber (at most 18 digits in all); in cents that
// bounds the whole integer, and it stays well inside int64_t.
constexpr int64_t kMaxControlSumCents = 999'999'999'999'999'999;

absl::Status Invalid(absl::string_view field, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", problem));
}

// Plain ASCII tests: the <cctype> ones depend on the locale.
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) {
  return IsUpper(c) || IsDigit(c) || (c >= 'a' && c <= 'z');
}

// The SEPA (EPC) Latin character set: what every bank must accept.
bool IsSepaCharacter(char c) {
  return IsAlnum(c) ||
         absl::string_view("/-?:().,'+ ").find(c) != absl::string_view::npos;
}

constexpr char32_t kMalformed = 0xFFFD;  // U+FFFD REPLACEMENT CHARACTER

// Reads one UTF-8 code point from the front of `text` (not empty) and sets
// `*length` to the bytes it used. Malformed input yields kMalformed and
// uses one byte, so cleaning turns it into a space and carries on.
char32_t DecodeUtf8(absl::string_view text, size_t* length) {
  const auto byte = [&](size_t i) {
    return static_cast<unsigned char>(text[i]);
  };
  *length = 1;
  const unsigned char lead = byte(0);
  if (lead < 0x80) return lead;
  size_t count;
  if (lead >= 0xC2 && lead <= 0xDF) {
    count = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    count = 3;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    count = 4;
  } else {
    return kMalformed;
  }
  // Below these, a sequence is an overlong encoding of a shorter one.
  constexpr char32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
  if (text.size() < count) return kMalformed;
  char32_t code_point = lead & (0x7F >> count);
  for (size_t i = 1; i < count; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return kMalformed;
    code_point = (code_point << 6) | (byte(i) & 0x3F);
  }
  if (code_point < kSmallest[count] || code_point > 0x10FFFF ||
      (code_point >= 0xD800 && code_point <= 0xDFFF)) {
    return kMalformed;
  }
  *length = count;
  return code_point;
}

// What the letters of French names become in the SEPA set, plus the
// typographic apostrophes and dashes that word processors put in names
// ("L’Atelier", "Café – Bar").
struct Transliteration {
  std::u32string_view letters;
  absl::string_view base;
};
constexpr Transliteration kTransliterations[] = {
    {U"àâä", "a"}, {U"ÀÂÄ", "A"}, {U"éèêë", "e"}, {U"ÉÈÊË", "E"},
    {U"îï", "i"},  {U"ÎÏ", "I"},  {U"ôö", "o"},   {U"ÔÖ", "O"},
    {U"ùûü", "u"}, {U"ÙÛÜ", "U"}, {U"ÿ", "y"},    {U"Ÿ", "Y"},  // L'Haÿ
    {U"ç", "c"},   {U"Ç", "C"},   {U"œ", "oe"},   {U"Œ", "OE"},
    {U"æ", "ae"},  {U"Æ", "AE"},  {U"’‘", "'"},   {U"–—‐‑", "-"},
};

// Empty for a character with no sensible equivalent (it becomes a space).
absl::string_view Transliterate(char32_t c) {
  for (const Transliteration& t : kTransliterations) {
    if (t.letters.find(c) != std::u32string_view::npos) return t.base;
  }
  return "";
}

// Free text made acceptable to any SEPA bank: transliterated, anything else
// outside the set turned into a space, spaces collapsed and trimmed, then
// cut to `max_chars` (characters are bytes by then: all ASCII).
std::string ToSepaText(absl::string_view utf8, size_t max_chars) {
  std::string transliterated;
  while (!utf8.empty()) {
    size_t length;
    const char32_t c = DecodeUtf8(utf8, &length);
    utf8.remove_prefix(length);
    if (c < 0x80 && IsSepaCharacter(static_cast<char>(c))) {
      transliterated.push_back(static_cast<char>(c));
    } else if (absl::string_view base = Transliterate(c); !base.empty()) {
      absl::StrAppend(&transliterated, base);
    } else {
      transliterated.push_back(' ');
    }
  }
  const std::vector<absl::string_view> words =
      absl::StrSplit(transliterated, ' ', absl::SkipEmpty());
  std::string text = absl::StrJoin(words, " ");
  if (text.size() > max_chars) {
    text.resize(max_chars);
    if (text.back() == ' ') text.pop_back();  // spaces never come in pairs
  }
  return text;
}

// References are refused rather than cleaned: a changed one would no longer
// match the claim batch it names when the bank statement comes back.
absl::Status CheckIdentifier(absl::string_view field, absl::string_view id) {
  if (id.empty()) return Invalid(field, "required");
  if (id.size() > kMaxIdentifierChars) {
    return Invalid(field,
                   absl::StrCat("must have at most ", kMaxIdentifierChars,
                                " characters, got ", id.size()));
  }
  for (char c : id) {
    if (!IsSepaCharacter(c)) {
      return Invalid(field,
                     "only letters, digits, space and / - ? : ( ) . , ' + "
                     "are allowed");
    }
  }
  if (id.front() == '/' || id.back() == '/' ||
      id.find("//") != absl::string_view::npos) {
    return Invalid(field, "must not start or end with '/' nor contain \"//\"");
  }
  return absl::OkStatus();
}

// The schema's IBAN2007Identifier: [A-Z]{2}[0-9]{2}[a-zA-Z0-9]{1,30}. The
// MOD 97 check belongs to storage::NormalizeIban, run when the account was
// recorded.
absl::Status CheckIbanPattern(absl::string_view field, absl::string_view iban) {
  if (iban.empty()) return Invalid(field, "required");
  bool ok = iban.size() >= 5 && iban.size() <= 34 && IsUpper(iban[0]) &&
            IsUpper(iban[1]) && IsDigit(iban[2]) && IsDigit(iban[3]);
  for (size_t i = 4; ok && i < iban.size(); ++i) ok = IsAlnum(iban[i]);
  if (!ok) {
    return Invalid(field,
                   "must be 2 upper-case letters (country), 2 check digits, "
                   "then 1 to 30 letters or digits, without spaces");
  }
  return absl::OkStatus();
}

// The schema's BICIdentifier:
// [A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3}){0,1}.
absl::Status CheckBicPattern(absl::string_view field, absl::string_view bic) {
  if (bic.empty()) return Invalid(field, "required");
  if (bic.size() != 8 && bic.size() != 11) {
    return Invalid(
        field, absl::StrCat("must have 8 or 11 characters, got ", bic.size()));
  }
  for (size_t i = 0; i < bic.size(); ++i) {
    const char c = bic[i];
    bool ok;
    if (i < 6) {
      ok = IsUpper(c);
    } else if (i == 6) {
      ok = IsUpper(c) || (c >= '2' && c <= '9');
    } else if (i == 7) {
      ok = (IsUpper(c) && c != 'O') || IsDigit(c);
    } else {
      ok = IsUpper(c) || IsDigit(c);
    }
    if (!ok) {
      return Invalid(field,
                     "must be 4 letters (bank), 2 letters (country), 2 letters "
                     "or digits (location: not 0 or 1 first, not O second), "
                     "then optionally 3 letters or digits (branch), all in "
                     "upper case");
    }
  }
  return absl::OkStatus();
}

// xs:date and xs:dateTime would take other years, but banks expect four
// digits and anything else here is a bug upstream (e.g. an unset time).
absl::Status CheckYear(absl::string_view field, int64_t year) {
  if (year < 1000 || year > 9999) {
    return Invalid(field,
                   absl::StrCat("year must have four digits, got ", year));
  }
  return absl::OkStatus();
}

absl::Status CheckAmount(absl::string_view field, int64_t cents) {
  if (cents <= 0) {
    return Invalid(field, absl::StrCat("must be positive, got ", cents));
  }
  if (cents > kMaxSepaTransferCents) {
    return Invalid(field,
                   absl::StrCat("must be at most ", kMaxSepaTransferCents,
                                " (999999999.99 EUR, the SEPA limit for one "
                                "transfer), got ",
                                cents));
  }
  return absl::OkStatus();
}

absl::StatusOr<SepaAccount> CleanAccount(absl::string_view field,
                                         const SepaAccount& account) {
  SepaAccount cleaned = {.name = ToSepaText(account.name, kMaxNameChars),
                         .iban = account.iban,
                         .bic = account.bic};
  if (cleaned.name.empty()) {
    return Invalid(absl::StrCat(field, ".name"),
                   account.name.empty()
                       ? "required"
                       : "nothing left once reduced to the SEPA character set");
  }
  RETURN_IF_ERROR(CheckIbanPattern(absl::StrCat(field, ".iban"), account.iban));
  RETURN_IF_ERROR(CheckBicPattern(absl::StrCat(field, ".bic"), account.bic));
  return cleaned;
}

// The file as it will be written: every field checked, free text cleaned.
struct CheckedFile {
  SepaPaymentFile file;
  int64_t control_sum_cents = 0;
};

absl::StatusOr<CheckedFile> CheckAndClean(const SepaPaymentFile& file) {
  CheckedFile checked;
  SepaPaymentFile& out = checked.file;
  RETURN_IF_ERROR(CheckIdentifier("message_id", file.message_id));
  out.message_id = file.message_id;
  RETURN_IF_ERROR(CheckYear(
      "created_at",
      absl::ToCivilSecond(file.created_at, absl::UTCTimeZone()).year()));
  out.created_at = file.created_at;
  ASSIGN_OR_RETURN(out.debtor, CleanAccount("debtor", file.debtor));
  RETURN_IF_ERROR(CheckYear("execution_date", file.execution_date.year()));
  out.execution_date = file.execution_date;
  if (file.transfers.empty()) {
    return Invalid("transfers", "at least one transfer is required");
  }
  out.transfers.reserve(file.transfers.size());
  for (size_t i = 0; i < file.transfers.size(); ++i) {
    const SepaTransfer& transfer = file.transfers[i];
    const std::string field = absl::StrCat("transfers[", i, "]");
    SepaTransfer& cleaned = out.transfers.emplace_back();
    RETURN_IF_ERROR(CheckIdentifier(absl::StrCat(field, ".end_to_end_id"),
                                    transfer.end_to_end_id));
    cleaned.end_to_end_id = transfer.end_to_end_id;
    ASSIGN_OR_RETURN(
        cleaned.creditor,
        CleanAccount(absl::StrCat(field, ".creditor"), transfer.creditor));
    RETURN_IF_ERROR(CheckAmount(absl::StrCat(field, ".amount_cents"),
                                transfer.amount_cents));
    cleaned.amount_cents = transfer.amount_cents;
    // Checked before adding, so the sum can never overflow.
    if (transfer.amount_cents >
        kMaxControlSumCents - checked.control_sum_cents) {
      return Invalid("transfers",
                     "the control sum would exceed 18 digits; split the file");
    }
    checked.control_sum_cents += transfer.amount_cents;
    cleaned.remittance = ToSepaText(transfer.remittance, kMaxRemittanceChars);
  }
  return checked;
}

// "1234.50" from 123450: exact, whatever the size.
std::string FormatCents(int64_t cents) {
  return absl::StrFormat("%d.%02d", cents / 100, cents % 100);
}

std::string EscapeXml(absl::string_view text) {
  std::string escaped;
  escaped.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        escaped += "&amp;";
        break;
      case '<':
        escaped += "&lt;";
        break;
      case '>':
        escaped += "&gt;";
        break;
      case '"':
        escaped += "&quot;";
        break;
      case '\'':
        escaped += "&apos;";
        break;
      default:
        escaped.push_back(c);
    }
  }
  return escaped;
}

// Just enough XML writing for this file: nested elements, indented, with
// escaped text; Close() always closes the innermost open element.
class XmlWriter {
 public:
  void Open(absl::string_view tag, absl::string_view attributes = "") {
    Indent();
    absl::StrAppend(&xml_, "<", tag, attributes.empty() ? "" : " ", attributes,
                    ">\n");
    open_.emplace_back(tag);
  }
  void Close() {
    const std::string tag = std::move(open_.back());
    open_.pop_back();
    Indent();
    absl::StrAppend(&xml_, "</", tag, ">\n");
  }
  void Leaf(absl::string_view tag, absl::string_view text) {
    Indent();
    absl::StrAppend(&xml_, "<", tag, ">", EscapeXml(text), "</", tag, ">\n");
  }
  void EuroAmount(absl::string_view tag, int64_t cents) {
    Indent();
    absl::StrAppend(&xml_, "<", tag, " Ccy=\"EUR\">", FormatCents(cents), "</",
                    tag, ">\n");
  }
  std::string Finish() && { return std::move(xml_); }

 private:
  void Indent() { xml_.append(2 * open_.size(), ' '); }

  std::string xml_ = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  std::vector<std::string> open_;
};

void WriteAgent(XmlWriter& xml, absl::string_view tag, absl::string_view bic) {
  xml.Open(tag);
  xml.Open("FinInstnId");
  xml.Leaf("BIC", bic);
  xml.Close();
  xml.Close();
}

void WriteParty(XmlWriter& xml, absl::string_view tag, absl::string_view name) {
  xml.Open(tag);
  xml.Leaf("Nm", name);
  xml.Close();
}

void WriteAccount(XmlWriter& xml, absl::string_view tag,
                  absl::string_view iban) {
  xml.Open(tag);
  xml.Open("Id");
  xml.Leaf("IBAN", iban);
  xml.Close();
  xml.Close();
}

// Element order follows the schema's sequences (GroupHeader32,
// PaymentInstructionInformation3, CreditTransferTransactionInformation10).
std::string Render(const CheckedFile& checked) {
  const SepaPaymentFile& file = checked.file;
  const std::string transfer_count = absl::StrCat(file.transfers.size());
  const std::string control_sum = FormatCents(checked.control_sum_cents);
  XmlWriter xml;
  xml.Open("Document", absl::StrCat("xmlns=\"", kNamespace, "\""));
  xml.Open("CstmrCdtTrfInitn");

  xml.Open("GrpHdr");
  xml.Leaf("MsgId", file.message_id);
  xml.Leaf("CreDtTm", absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", file.created_at,
                                       absl::UTCTimeZone()));
  xml.Leaf("NbOfTxs", transfer_count);
  xml.Leaf("CtrlSum", control_sum);
  WriteParty(xml, "InitgPty", file.debtor.name);
  xml.Close();  // GrpHdr

  xml.Open("PmtInf");
  xml.Leaf("PmtInfId", file.message_id);  // the file's only block
  xml.Leaf("PmtMtd", "TRF");
  xml.Leaf("BtchBookg", "true");
  xml.Leaf("NbOfTxs", transfer_count);
  xml.Leaf("CtrlSum", control_sum);
  xml.Open("PmtTpInf");
  xml.Open("SvcLvl");
  xml.Leaf("Cd", "SEPA");
  xml.Close();  // SvcLvl
  xml.Close();  // PmtTpInf
  xml.Leaf("ReqdExctnDt", absl::FormatCivilTime(file.execution_date));
  WriteParty(xml, "Dbtr", file.debtor.name);
  WriteAccount(xml, "DbtrAcct", file.debtor.iban);
  WriteAgent(xml, "DbtrAgt", file.debtor.bic);
  xml.Leaf("ChrgBr", "SLEV");

  for (const SepaTransfer& transfer : file.transfers) {
    xml.Open("CdtTrfTxInf");
    xml.Open("PmtId");
    xml.Leaf("EndToEndId", transfer.end_to_end_id);
    xml.Close();  // PmtId
    xml.Open("Amt");
    xml.EuroAmount("InstdAmt", transfer.amount_cents);
    xml.Close();  // Amt
    WriteAgent(xml, "CdtrAgt", transfer.creditor.bic);
    WriteParty(xml, "Cdtr", transfer.creditor.name);
    WriteAccount(xml, "CdtrAcct", transfer.creditor.iban);
    if (!transfer.remittance.empty()) {  // Ustrd may not be empty
      xml.Open("RmtInf");
      xml.Leaf("Ustrd", transfer.remittance);
      xml.Close();  // RmtInf
    }
    xml.Close();  // CdtTrfTxInf
  }

  xml.Close();  // PmtInf
  xml.Close();  // CstmrCdtTrfInitn
  xml.Close();  // Document
  return std::move(xml).Finish();
}

}  // namespace

absl::StatusOr<std::string> WritePain001(const SepaPaymentFile& file) {
  ASSIGN_OR_RETURN(CheckedFile checked, CheckAndClean(file));
  return Render(checked);
}

}  // namespace passclear
