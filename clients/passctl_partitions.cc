#include "clients/passctl_partitions.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <regex>
#include <set>
#include <sstream>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "clients/passctl_call.h"
#include "server/pass_code.h"
#include "storage/partition_map.h"

namespace {

std::string PartitionMapFromEnvironment() {
  const char* path = std::getenv("PASSCLEAR_PARTITION_MAP");
  return path == nullptr ? "" : path;
}

}  // namespace

ABSL_DECLARE_FLAG(uint64_t, serial);  // void --serial, in passctl_main.cc

ABSL_FLAG(std::string, partition_map, PartitionMapFromEnvironment(),
          "the partition map of a scheme split across several instances "
          "(default: $PASSCLEAR_PARTITION_MAP); --server is then ignored");
ABSL_FLAG(std::string, instance, "",
          "with --partition_map: run on this instance only");

namespace passclear::passctl {
namespace {

enum class Reach {
  kOwnerOfSerial,  // the instance owning the pass
  kEvery,          // every instance: a catalog change
  kEach,           // each instance's own data, one after the other
  kNamed,          // one instance, which --instance must name
  kAny,            // the catalog, as any instance holds it
};

Reach ReachOf(const std::string& command) {
  static const auto* by_serial =
      new std::set<std::string>{"redeem", "check", "cancel"};
  static const auto* catalog_changes =
      new std::set<std::string>{"create-programme",
                                "extend-programme",
                                "close-programme",
                                "rotate-key",
                                "issue-booklets",
                                "register-venue",
                                "label-venue",
                                "suspend-venue",
                                "reinstate-venue",
                                "update-venue",
                                "allocate",
                                "return-booklet",
                                "void",
                                "enroll-terminal",
                                "activate-terminal",
                                "create-account",
                                "revoke",
                                "rotate-credential",
                                "rotate-signing-key"};
  static const auto* per_instance = new std::set<std::string>{
      "usage",    "close-cycle",     "list-batches", "reconcile",
      "backup",   "backups",         "signing-keys", "booklet",
      "booklets", "refund-statement"};
  static const auto* one_batch = new std::set<std::string>{
      "acknowledge", "reject",    "resubmit",        "batch",
      "batch-lines", "statement", "export-transfers"};
  if (by_serial->contains(command)) return Reach::kOwnerOfSerial;
  if (command == "void" && absl::GetFlag(FLAGS_serial) != 0) {
    return Reach::kOwnerOfSerial;
  }
  if (catalog_changes->contains(command)) return Reach::kEvery;
  if (per_instance->contains(command)) return Reach::kEach;
  if (one_batch->contains(command)) return Reach::kNamed;
  return Reach::kAny;
}

struct Captured {
  int exit_code = kDone;
  std::string out;
  std::string err;
};

// Runs `run` against `instance`, keeping what it prints.
Captured RunOn(const storage::PartitionInstance& instance,
               const std::function<int()>& run) {
  absl::SetFlag(&FLAGS_server, instance.address);
  std::ostringstream out;
  std::ostringstream err;
  std::streambuf* const cout = std::cout.rdbuf(out.rdbuf());
  std::streambuf* const cerr = std::cerr.rdbuf(err.rdbuf());
  Captured captured;
  captured.exit_code = run();
  std::cout.flush();
  std::cout.rdbuf(cout);
  std::cerr.rdbuf(cerr);
  captured.out = out.str();
  captured.err = err.str();
  return captured;
}

// `text` with its times (RFC 3339, or "2026-11-02 10:31:12 UTC") blanked.
std::string WithoutTimes(const std::string& text) {
  static const auto* time = new std::regex(
      R"(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?( UTC|Z|[+-]\d\d:\d\d))");
  return std::regex_replace(text, *time, "TIME");
}

void PrintErrors(const storage::PartitionInstance& instance,
                 const std::string& err) {
  for (absl::string_view line : absl::StrSplit(err, '\n', absl::SkipEmpty())) {
    std::cerr << "[" << instance.name << "] " << line << "\n";
  }
}

// Every instance in order. `partial_answers`: each instance answers for
// its own passes (void --booklet), and the answers add up; otherwise all
// must give the same answer, but for the times they state (each instance's
// clock): any other difference means their catalogs have diverged.
int RunOnEvery(const std::vector<const storage::PartitionInstance*>& targets,
               const std::function<int()>& run, bool partial_answers) {
  std::vector<Captured> results;
  std::vector<std::string> failed;
  int worst = kDone;
  for (const storage::PartitionInstance* instance : targets) {
    results.push_back(RunOn(*instance, run));
    PrintErrors(*instance, results.back().err);
    worst = std::max(worst, results.back().exit_code);
    if (results.back().exit_code == kCallFailed) {
      failed.push_back(instance->name);
    }
  }
  if (partial_answers) {
    for (const Captured& result : results) std::cout << result.out;
  } else {
    const auto answered = std::find_if(
        results.begin(), results.end(),
        [](const Captured& result) { return result.exit_code != kCallFailed; });
    if (answered != results.end()) std::cout << answered->out;
    bool diverged = false;
    for (size_t i = 0; i < results.size(); ++i) {
      if (results[i].exit_code == kCallFailed ||
          WithoutTimes(results[i].out) == WithoutTimes(answered->out)) {
        continue;
      }
      std::cerr << "[" << targets[i]->name << "] answered differently:\n"
                << results[i].out;
      diverged = true;
    }
    if (diverged) {
      std::cerr << "passctl: the instances answered differently: their "
                   "catalogs have diverged (a change one of them missed, or "
                   "one made with --instance); compare them with "
                   "list-programmes and identities before any other change\n";
      worst = std::max(worst, kCallFailed);
    }
  }
  if (!failed.empty() && failed.size() < targets.size()) {
    std::cerr << "passctl: the catalog change failed on "
              << absl::StrJoin(failed, ", ")
              << ": once it is back, run the same command with --instance="
              << failed[0]
              << " (each in turn) before any other catalog change\n";
  }
  return worst;
}

int RunOnEach(const std::vector<const storage::PartitionInstance*>& targets,
              const std::function<int()>& run) {
  int worst = kDone;
  for (const storage::PartitionInstance* instance : targets) {
    std::cout << "# instance " << instance->name << " (" << instance->address
              << ")\n";
    Captured result = RunOn(*instance, run);
    std::cout << result.out;
    PrintErrors(*instance, result.err);
    worst = std::max(worst, result.exit_code);
  }
  return worst;
}

// The first instance that answers.
int RunOnAny(const std::vector<const storage::PartitionInstance*>& targets,
             const std::function<int()>& run) {
  Captured result;
  for (const storage::PartitionInstance* instance : targets) {
    result = RunOn(*instance, run);
    if (result.exit_code != kCallFailed) {
      std::cout << result.out;
      PrintErrors(*instance, result.err);
      return result.exit_code;
    }
    PrintErrors(*instance, result.err);
  }
  return result.exit_code;
}

}  // namespace

int RunPartitioned(const std::string& command,
                   const std::vector<std::string>& operands,
                   const std::function<int()>& run,
                   const std::function<void()>& summarise) {
  const std::string path = absl::GetFlag(FLAGS_partition_map);
  if (path.empty()) return run();
  absl::StatusOr<storage::PartitionMap> map = storage::PartitionMap::Load(path);
  if (!map.ok()) {
    return UsageError(
        absl::StrCat("--partition_map: ", map.status().message()));
  }
  std::vector<const storage::PartitionInstance*> targets;
  const std::string only = absl::GetFlag(FLAGS_instance);
  if (!only.empty()) {
    const storage::PartitionInstance* named = map->Find(only);
    if (named == nullptr) {
      std::vector<std::string> names;
      for (const auto& instance : map->instances()) {
        names.push_back(instance.name);
      }
      return UsageError(absl::StrCat("--instance: '", only,
                                     "' is not in the partition map (",
                                     absl::StrJoin(names, ", "), ")"));
    }
    targets.push_back(named);
  } else {
    for (const auto& instance : map->instances()) targets.push_back(&instance);
  }
  switch (ReachOf(command)) {
    case Reach::kOwnerOfSerial: {
      uint64_t serial = absl::GetFlag(FLAGS_serial);
      if (!operands.empty()) {
        absl::StatusOr<PassCode> code = ParsePassCode(operands[0]);
        if (!code.ok()) return UsageError(std::string(code.status().message()));
        serial = code->serial;
      }
      return RunOnAny({&map->OwnerOfSerial(serial)}, run);
    }
    case Reach::kEvery:
      return RunOnEvery(targets, run, /*partial_answers=*/command == "void");
    case Reach::kEach: {
      const int worst = RunOnEach(targets, run);
      if (summarise && worst == kDone && targets.size() > 1) summarise();
      return worst;
    }
    case Reach::kNamed:
      if (only.empty()) {
        return UsageError(
            absl::StrCat(command,
                         ": batch ids are per instance; name the batch's "
                         "instance with --instance"));
      }
      return RunOnAny(targets, run);
    case Reach::kAny:
      return RunOnAny(targets, run);
  }
  return run();
}

}  // namespace passclear::passctl
