#include "clients/scanner_summary.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace passclear {
namespace {

// The text shows the first errors; the JSON has them all.
constexpr size_t kErrorsShown = 20;

std::string Clock(absl::Time time) {
  return absl::FormatTime("%H:%M", time, absl::UTCTimeZone());
}

std::string Rfc3339(absl::Time time) {
  return absl::FormatTime(absl::RFC3339_sec, time, absl::UTCTimeZone());
}

std::string ReasonsText(const std::map<std::string, int>& reasons) {
  if (reasons.empty()) return "0";
  return absl::StrJoin(reasons, ", ", [](std::string* out, const auto& entry) {
    absl::StrAppend(out, entry.second, " ", entry.first);
  });
}

int Total(const std::map<std::string, int>& reasons) {
  int total = 0;
  for (const auto& [reason, count] : reasons) total += count;
  return total;
}

void Add(std::map<std::string, int>& into,
         const std::map<std::string, int>& from) {
  for (const auto& [reason, count] : from) into[reason] += count;
}

// JSON values: protobuf's Struct does the quoting. 64-bit ids are strings,
// as in protobuf's JSON mapping (a double holds 53 bits).
google::protobuf::Value Number(double number) {
  google::protobuf::Value value;
  value.set_number_value(number);
  return value;
}

google::protobuf::Value String(std::string text) {
  google::protobuf::Value value;
  value.set_string_value(std::move(text));
  return value;
}

google::protobuf::Value Object(google::protobuf::Struct object) {
  google::protobuf::Value value;
  *value.mutable_struct_value() = std::move(object);
  return value;
}

google::protobuf::Value Reasons(const std::map<std::string, int>& reasons) {
  google::protobuf::Struct object;
  for (const auto& [reason, count] : reasons) {
    (*object.mutable_fields())[reason] = Number(count);
  }
  return Object(std::move(object));
}

}  // namespace

DaySummary Summarize(const DayOptions& options, const DayPlan& plan,
                     const std::vector<TerminalReport>& reports,
                     absl::Duration elapsed) {
  DaySummary summary{.opening = options.opening,
                     .closing = options.closing,
                     .venue_ids = options.venue_ids,
                     .terminals = options.terminals,
                     .seed = options.seed,
                     .duplicates = plan.duplicates,
                     .elapsed = elapsed};
  for (const TerminalPlan& terminal : plan.terminals) {
    if (!terminal.offline) continue;
    summary.offline.push_back(
        {terminal.terminal_id,
         MinuteStart(options, terminal.offline->first_minute),
         MinuteStart(options, terminal.offline->end_minute)});
  }
  for (const TerminalReport& report : reports) {
    summary.scans += report.scans;
    summary.redeemed_online += report.redeemed_online;
    summary.redeemed_after_upload += report.redeemed_after_upload;
    Add(summary.refused_online, report.refused_online);
    Add(summary.refused_after_upload, report.refused_after_upload);
    summary.queued += report.queued;
    summary.uploaded += report.uploaded;
    summary.still_queued += report.still_queued;
    summary.failed += report.failed;
    for (const std::string& code : report.redeemed_codes) {
      summary.redeemed.push_back({code, report.terminal_id, report.venue_id});
    }
    summary.errors.insert(summary.errors.end(), report.errors.begin(),
                          report.errors.end());
  }
  return summary;
}

std::string SummaryText(const DaySummary& s) {
  std::vector<std::string> windows;
  for (const DaySummary::Offline& offline : s.offline) {
    windows.push_back(absl::StrCat(offline.terminal_id, " ",
                                   Clock(offline.from), "-",
                                   Clock(offline.until)));
  }
  std::string text = absl::StrFormat(
      "day:                  %s, %s-%s UTC, %d terminals at venue(s) %s, "
      "seed %d\n"
      "scans:                %d (%d presenting a code already scanned "
      "elsewhere)\n"
      "redeemed:             %d (%d online, %d after upload)\n"
      "refused online:       %s\n"
      "refused after upload: %s\n"
      "offline:              %s\n"
      "queued:               %d\n"
      "uploaded:             %d\n"
      "still queued:         %d\n"
      "failed:               %d\n"
      "elapsed:              %.2f s\n",
      absl::FormatTime("%Y-%m-%d", s.opening, absl::UTCTimeZone()),
      Clock(s.opening), Clock(s.closing), s.terminals,
      absl::StrJoin(s.venue_ids, ","), s.seed, s.scans, s.duplicates,
      s.redeemed_online + s.redeemed_after_upload, s.redeemed_online,
      s.redeemed_after_upload, ReasonsText(s.refused_online),
      ReasonsText(s.refused_after_upload),
      windows.empty() ? "none" : absl::StrJoin(windows, ", "), s.queued,
      s.uploaded, s.still_queued, s.failed, absl::ToDoubleSeconds(s.elapsed));
  for (size_t i = 0; i < s.errors.size() && i < kErrorsShown; ++i) {
    absl::StrAppend(&text, "error: ", s.errors[i], "\n");
  }
  if (s.errors.size() > kErrorsShown) {
    absl::StrAppend(&text, "... and ", s.errors.size() - kErrorsShown,
                    " more errors\n");
  }
  return text;
}

std::string SummaryJson(const DaySummary& s) {
  google::protobuf::Struct json;
  auto& fields = *json.mutable_fields();
  fields["opening"] = String(Rfc3339(s.opening));
  fields["closing"] = String(Rfc3339(s.closing));
  google::protobuf::Value& venues = fields["venue_ids"];
  venues.mutable_list_value();  // [] when none
  for (uint64_t venue_id : s.venue_ids) {
    *venues.mutable_list_value()->add_values() = String(absl::StrCat(venue_id));
  }
  fields["terminals"] = Number(s.terminals);
  fields["seed"] = String(absl::StrCat(s.seed));
  fields["scans"] = Number(s.scans);
  fields["duplicates"] = Number(s.duplicates);
  fields["redeemed"] = Number(s.redeemed_online + s.redeemed_after_upload);
  fields["redeemed_online"] = Number(s.redeemed_online);
  fields["redeemed_after_upload"] = Number(s.redeemed_after_upload);
  fields["refused_online"] = Reasons(s.refused_online);
  fields["refused_after_upload"] = Reasons(s.refused_after_upload);
  fields["refused"] =
      Number(Total(s.refused_online) + Total(s.refused_after_upload));
  fields["queued"] = Number(s.queued);
  fields["uploaded"] = Number(s.uploaded);
  fields["still_queued"] = Number(s.still_queued);
  fields["failed"] = Number(s.failed);
  fields["elapsed_seconds"] = Number(absl::ToDoubleSeconds(s.elapsed));
  google::protobuf::Value& offline = fields["offline"];
  offline.mutable_list_value();
  for (const DaySummary::Offline& window : s.offline) {
    google::protobuf::Struct entry;
    (*entry.mutable_fields())["terminal_id"] = String(window.terminal_id);
    (*entry.mutable_fields())["from"] = String(Rfc3339(window.from));
    (*entry.mutable_fields())["until"] = String(Rfc3339(window.until));
    *offline.mutable_list_value()->add_values() = Object(std::move(entry));
  }
  google::protobuf::Value& redeemed = fields["redeemed_codes"];
  redeemed.mutable_list_value();
  for (const DaySummary::Redeemed& pass : s.redeemed) {
    google::protobuf::Struct entry;
    (*entry.mutable_fields())["code"] = String(pass.code);
    (*entry.mutable_fields())["terminal_id"] = String(pass.terminal_id);
    (*entry.mutable_fields())["venue_id"] = String(absl::StrCat(pass.venue_id));
    *redeemed.mutable_list_value()->add_values() = Object(std::move(entry));
  }
  google::protobuf::Value& errors = fields["errors"];
  errors.mutable_list_value();
  for (const std::string& error : s.errors) {
    *errors.mutable_list_value()->add_values() = String(error);
  }
  std::string out;
  // A Struct always converts.
  (void)google::protobuf::util::MessageToJsonString(json, &out);
  return out + "\n";
}

}  // namespace passclear
