#include "clients/passctl_output.h"

#include <iostream>

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

std::string FormatTimestamp(const google::protobuf::Timestamp& timestamp) {
  if (timestamp.seconds() == 0 && timestamp.nanos() == 0) return "-";
  return absl::FormatTime("%Y-%m-%d %H:%M:%S UTC",
                          absl::FromUnixSeconds(timestamp.seconds()),
                          absl::UTCTimeZone());
}

}  // namespace passclear::passctl
