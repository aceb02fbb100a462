// How passctl prints answers: a human-readable text by default, the
// message as JSON (protobuf's canonical mapping) with --json.
#ifndef PASSCLEAR_CLIENTS_PASSCTL_OUTPUT_H_
#define PASSCLEAR_CLIENTS_PASSCTL_OUTPUT_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"

namespace passclear::passctl {

// Prints `message` as JSON when `json`, else `text`.
void Print(bool json, const google::protobuf::Message& message,
           const std::string& text);

// How many columns `utf8` takes on a terminal: its characters, not its
// bytes, combining accents taking none (names of communes are accented).
size_t DisplayWidth(absl::string_view utf8);

// Rows as aligned columns, two spaces apart; the first row is the header.
// No newline after the last row. Widths are DisplayWidth, so accented
// names line up.
std::string FormatTable(const std::vector<std::vector<std::string>>& rows);

// "2026-11-02 10:31:12 UTC", or "-" when unset.
std::string FormatTimestamp(const google::protobuf::Timestamp& timestamp);

}  // namespace passclear::passctl

#endif  // PASSCLEAR_CLIENTS_PASSCTL_OUTPUT_H_
