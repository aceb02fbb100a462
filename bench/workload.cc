#include "bench/workload.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <memory>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace passclear {

absl::Status WriteWorkload(const std::string& path, const Workload& workload) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return absl::NotFoundError(absl::StrCat("cannot create ", path));
  std::unique_ptr<FILE, int (*)(FILE*)> file(fdopen(fd, "w"), &fclose);
  std::fprintf(file.get(),
               "# passclear workload: %zu requests, %zu terminals\n",
               workload.requests.size(), workload.terminals.size());
  for (const auto& [venue_id, terminal] : workload.terminals) {
    std::fprintf(file.get(), "T\t%llu\t%s\t%s\n",
                 static_cast<unsigned long long>(venue_id),
                 terminal.terminal_id.c_str(), terminal.token.c_str());
  }
  for (const WorkloadRequest& request : workload.requests) {
    std::fprintf(file.get(), "R\t%s\t%llu\t%s\n", request.code.c_str(),
                 static_cast<unsigned long long>(request.venue_id),
                 request.expected.c_str());
  }
  if (std::fflush(file.get()) != 0 || std::ferror(file.get())) {
    return absl::DataLossError(absl::StrCat("cannot write ", path));
  }
  return absl::OkStatus();
}

absl::StatusOr<Workload> ReadWorkload(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  Workload workload;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty() || line[0] == '#') continue;
    const std::vector<std::string> fields = absl::StrSplit(line, '\t');
    uint64_t venue_id = 0;
    const bool venue_ok =
        fields.size() == 4 &&
        absl::SimpleAtoi(fields[fields[0] == "T" ? 1 : 2], &venue_id);
    if (venue_ok && fields[0] == "T") {
      workload.terminals[venue_id] = {fields[2], fields[3]};
    } else if (venue_ok && fields[0] == "R") {
      workload.requests.push_back({fields[1], venue_id, fields[3]});
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", number,
                       ": expected 'T venue terminal token' or 'R code venue "
                       "expected', tab-separated"));
    }
  }
  for (const WorkloadRequest& request : workload.requests) {
    if (!workload.terminals.contains(request.venue_id)) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": no terminal for venue ", request.venue_id,
                       " (request '", request.code, "')"));
    }
  }
  return workload;
}

}  // namespace passclear
