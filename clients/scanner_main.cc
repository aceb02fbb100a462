// passclear-scanner: replays a day of scans from many terminals against a
// passclear service, some terminals losing the network for a while and
// uploading their offline queue when they come back. For integration
// tests, demos and rehearsals of a venue network.
//
//   passclear-scanner --server=127.0.0.1:50051
//       --admin_token_file=passclear-data/admin-token
//       --codes_file=passclear-data/demo-codes.txt --venues=1
//       --terminals=8 --offline_terminals=2 --scans=600 --seed=7 [--json]
//
// It enrols its own terminals (sim-<venue>-<k>) with the admin's token,
// plans the day from the seed (clients/scanner_day.h), runs each terminal
// on a thread of its own through the terminal client library
// (clients/simulated_terminal.h), and prints what the service answered.
//
// Exit codes: 0 every scan got the service's answer, 1 some did not (still
// queued, failed) or the terminals could not be enrolled, 2 usage error.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "clients/bearer_token.h"
#include "clients/offline_queue.h"
#include "clients/scanner_day.h"
#include "clients/scanner_summary.h"
#include "clients/simulated_terminal.h"
#include "clients/step_barrier.h"
#include "clients/terminal_enrolment.h"
#include "clients/unreachable_address.h"
#include "storage/partition_map.h"

ABSL_FLAG(std::string, server, "",
          "passclear-server address (default 127.0.0.1:50051 unless "
          "--partition_map is given)");
ABSL_FLAG(std::string, partition_map, "",
          "a partitioned scheme's map (storage/partition_map.h), instead of "
          "--server");
ABSL_FLAG(uint32_t, shards, 16,
          "with --server: the server's pass shard count (routing only)");
ABSL_FLAG(std::string, admin_token_file, "",
          "an ADMIN's token, to enrol the simulated terminals (required)");
ABSL_FLAG(std::vector<std::string>, venues, {"1"},
          "comma-separated ids of registered, labelled venues accepting the "
          "codes' programme; terminals are spread over them");
ABSL_FLAG(int, terminals, 8, "simulated terminals, ids sim-<venue>-<k>");
ABSL_FLAG(std::string, work_dir, "",
          "offline queues go in WORK_DIR/<terminal>; default a new temporary "
          "directory, removed when no scan is left queued");
ABSL_FLAG(std::string, codes_file, "",
          "pass codes, one per line, e.g. passclear-data/demo-codes.txt "
          "(required)");
ABSL_FLAG(int, scans, 1000, "scans in the day");
ABSL_FLAG(double, duplicate_share, 0.05,
          "share of scans presenting a code already scanned at another "
          "terminal");
ABSL_FLAG(int, offline_terminals, 2,
          "terminals losing the network for one to three hours");
ABSL_FLAG(uint64_t, seed, 1, "the plan of the day follows from it");
ABSL_FLAG(std::string, day, "",
          "the simulated day, YYYY-MM-DD (UTC), scanned from 08:00 to 20:00 "
          "or to now; default the last day that has opened");
ABSL_FLAG(bool, json, false, "print the summary as JSON");

namespace passclear::scanner {
namespace {

constexpr int kAllAnswered = 0;
constexpr int kNotAllAnswered = 1;
constexpr int kUsage = 2;

int UsageError(const std::string& message) {
  std::cerr << "passclear-scanner: " << message << "\n";
  return kUsage;
}

int UsageError(const absl::Status& status) {
  return UsageError(std::string(status.message()));
}

absl::StatusOr<storage::PartitionMap> Partitions() {
  const std::string server = absl::GetFlag(FLAGS_server);
  const std::string map = absl::GetFlag(FLAGS_partition_map);
  if (!map.empty()) {
    if (!server.empty()) {
      return absl::InvalidArgumentError(
          "give --server or --partition_map, not both");
    }
    return storage::PartitionMap::Load(map);
  }
  if (absl::GetFlag(FLAGS_shards) == 0) {
    return absl::InvalidArgumentError("--shards: at least 1");
  }
  return storage::PartitionMap::SingleInstance(
      server.empty() ? "127.0.0.1:50051" : server, absl::GetFlag(FLAGS_shards));
}

absl::StatusOr<std::vector<std::string>> ReadCodes(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("--codes_file: cannot read '", path, "'"));
  }
  std::vector<std::string> codes;
  for (std::string line; std::getline(in, line);) {
    absl::StripAsciiWhitespace(&line);
    if (!line.empty()) codes.push_back(line);
  }
  return codes;
}

absl::StatusOr<DayOptions> Options() {
  DayOptions options{
      .terminals = absl::GetFlag(FLAGS_terminals),
      .scans = absl::GetFlag(FLAGS_scans),
      .duplicate_share = absl::GetFlag(FLAGS_duplicate_share),
      .offline_terminals = absl::GetFlag(FLAGS_offline_terminals),
      .seed = absl::GetFlag(FLAGS_seed)};
  for (const std::string& text : absl::GetFlag(FLAGS_venues)) {
    uint64_t venue_id = 0;
    if (!absl::SimpleAtoi(text, &venue_id) || venue_id == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("--venues: '", text, "' is not a venue id"));
    }
    options.venue_ids.push_back(venue_id);
  }
  if (absl::Status set =
          SetOpeningHours(absl::GetFlag(FLAGS_day), absl::Now(), options);
      !set.ok()) {
    return set;
  }
  return options;
}

// --work_dir, or a new temporary directory (`temporary` set).
absl::StatusOr<std::string> WorkDir(bool& temporary) {
  temporary = absl::GetFlag(FLAGS_work_dir).empty();
  if (!temporary) return absl::GetFlag(FLAGS_work_dir);
  const char* base = std::getenv("TMPDIR");
  std::string pattern = absl::StrCat(base != nullptr ? base : "/tmp",
                                     "/passclear-scanner-XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) {
    return absl::UnavailableError(absl::StrCat("cannot create ", pattern));
  }
  return pattern;
}

// Scans an earlier run left queued would be uploaded with this run's and
// blur its counts: they are the earlier run's business.
absl::Status CheckQueuesEmpty(const DayPlan& plan, const std::string& dir) {
  for (const TerminalPlan& terminal : plan.terminals) {
    const std::string queue_dir =
        (std::filesystem::path(dir) / terminal.terminal_id).string();
    absl::StatusOr<std::unique_ptr<OfflineQueue>> queue =
        OfflineQueue::Open(queue_dir);
    if (!queue.ok()) return queue.status();
    if ((*queue)->size() > 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          queue_dir, " holds ", (*queue)->size(),
          " scans an earlier run left queued; give another --work_dir"));
    }
  }
  return absl::OkStatus();
}

int Run() {
  if (absl::GetFlag(FLAGS_admin_token_file).empty()) {
    return UsageError("--admin_token_file is required");
  }
  if (absl::GetFlag(FLAGS_codes_file).empty()) {
    return UsageError("--codes_file is required");
  }
  absl::StatusOr<storage::PartitionMap> partitions = Partitions();
  if (!partitions.ok()) return UsageError(partitions.status());
  absl::StatusOr<std::string> admin_token =
      ReadTokenFile(absl::GetFlag(FLAGS_admin_token_file));
  if (!admin_token.ok()) return UsageError(admin_token.status());
  absl::StatusOr<std::vector<std::string>> codes =
      ReadCodes(absl::GetFlag(FLAGS_codes_file));
  if (!codes.ok()) return UsageError(codes.status());
  absl::StatusOr<DayOptions> options = Options();
  if (!options.ok()) return UsageError(options.status());
  absl::StatusOr<DayPlan> plan = PlanDay(*options, *std::move(codes));
  if (!plan.ok()) return UsageError(plan.status());
  bool temporary_work_dir = false;
  absl::StatusOr<std::string> work_dir = WorkDir(temporary_work_dir);
  if (!work_dir.ok()) return UsageError(work_dir.status());
  if (absl::Status empty = CheckQueuesEmpty(*plan, *work_dir); !empty.ok()) {
    return UsageError(empty);
  }
  absl::StatusOr<std::unique_ptr<UnreachableAddress>> unreachable =
      UnreachableAddress::Bind();
  if (!unreachable.ok()) {
    std::cerr << "passclear-scanner: " << unreachable.status() << "\n";
    return kNotAllAnswered;
  }

  TerminalEnrolment enrolment(*partitions, *admin_token);
  std::vector<std::string> tokens;
  for (const TerminalPlan& terminal : plan->terminals) {
    absl::StatusOr<std::string> token =
        enrolment.Enrol(terminal.terminal_id, terminal.venue_id);
    if (!token.ok()) {
      std::cerr << "passclear-scanner: cannot enrol " << terminal.terminal_id
                << ": " << token.status() << "\n";
      std::error_code ignored;
      if (temporary_work_dir) std::filesystem::remove_all(*work_dir, ignored);
      return kNotAllAnswered;
    }
    tokens.push_back(*std::move(token));
  }

  const TerminalSetup setup{.partitions = *partitions,
                            .unreachable_address = (*unreachable)->address(),
                            .work_dir = *work_dir};
  StepBarrier barrier(static_cast<int>(plan->terminals.size()));
  std::vector<TerminalReport> reports(plan->terminals.size());
  const absl::Time start = absl::Now();
  {
    std::vector<std::jthread> threads;
    for (size_t i = 0; i < plan->terminals.size(); ++i) {
      threads.emplace_back([&, i] {
        reports[i] =
            RunSimulatedTerminal(plan->terminals[i], tokens[i], setup, barrier);
      });
    }
  }
  const DaySummary summary =
      Summarize(*options, *plan, reports, absl::Now() - start);
  std::cout << (absl::GetFlag(FLAGS_json) ? SummaryJson(summary)
                                          : SummaryText(summary));
  if (summary.still_queued > 0) {
    std::cerr << "passclear-scanner: " << summary.still_queued
              << " scans are still queued under " << *work_dir << "\n";
  } else if (temporary_work_dir) {
    std::error_code ignored;  // a leftover temporary directory is harmless
    std::filesystem::remove_all(*work_dir, ignored);
  }
  return summary.AllAnswered() ? kAllAnswered : kNotAllAnswered;
}

}  // namespace
}  // namespace passclear::scanner

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "replays a day of scans from many terminals, some going offline and "
      "uploading their queue when back:\n  passclear-scanner "
      "[--server=HOST:PORT | --partition_map=FILE] --admin_token_file=FILE "
      "--codes_file=FILE [--venues=1,2] [--terminals=8] [--scans=1000] "
      "[--duplicate_share=0.05] [--offline_terminals=2] [--seed=1] "
      "[--day=YYYY-MM-DD] [--work_dir=DIR] [--json]");
  const std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  if (positional.size() > 1) {
    return passclear::scanner::UsageError(
        absl::StrCat("unexpected argument '", positional[1], "'"));
  }
  return passclear::scanner::Run();
}
