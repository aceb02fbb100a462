#include "clients/passctl_output.h"

#include <algorithm>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "google/protobuf/util/json_util.h"

namespace passclear::passctl {

void Print(bool json, const google::protobuf::Message& message,
           const std::string& text) {
  if (!json) {
    std::cout << text << '\n';
    return;
  }
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  std::cout << out << '\n';
}

size_t DisplayWidth(absl::string_view utf8) {
  size_t width = 0;
  for (size_t i = 0; i < utf8.size(); ++i) {
    const unsigned char byte = static_cast<unsigned char>(utf8[i]);
    // Continuation bytes (10xxxxxx) add nothing to their character.
    if ((byte & 0xC0) == 0x80) continue;
    // Combining diacritics (U+0300 to U+036F, "e" + U+0301 for a
    // decomposed "é") sit on the character before them.
    if (i + 1 < utf8.size() &&
        ((byte == 0xCC && static_cast<unsigned char>(utf8[i + 1]) >= 0x80) ||
         (byte == 0xCD && static_cast<unsigned char>(utf8[i + 1]) < 0xB0))) {
      continue;
    }
    ++width;
  }
  return width;
}

std::string FormatTable(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const std::vector<std::string>& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (size_t column = 0; column < row.size(); ++column) {
      widths[column] = std::max(widths[column], DisplayWidth(row[column]));
    }
  }
  std::string text;
  for (const std::vector<std::string>& row : rows) {
    if (!text.empty()) text += '\n';
    for (size_t column = 0; column < row.size(); ++column) {
      absl::StrAppend(&text, row[column]);
      if (column + 1 < row.size()) {
        text.append(widths[column] - DisplayWidth(row[column]) + 2, ' ');
      }
    }
  }
  return text;
}

std::string FormatTimestamp(const google::protobuf::Timestamp& timestamp) {
  if (timestamp.seconds() == 0 && timestamp.nanos() == 0) return "-";
  return absl::FormatTime("%Y-%m-%d %H:%M:%S UTC",
                          absl::FromUnixSeconds(timestamp.seconds()),
                          absl::UTCTimeZone());
}

}  // namespace passclear::passctl
