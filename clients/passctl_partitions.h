// How passctl runs a command against a partitioned scheme
// (--partition_map, see storage/partition_map.h):
// - a command about one pass (redeem, check, cancel, void --serial) goes to
//   the instance owning its serial;
// - a command that changes the catalog (programmes, booklets, venues,
//   identities) goes to every instance in map order, so that all hold the
//   same catalog; one answer is printed, and an instance answering
//   otherwise (but for the times it states) is shown on stderr and makes
//   the exit code 3: the catalogs have diverged. An instance that failed is
//   named: once it is back, run the same command again with
//   --instance=NAME, before any other catalog change, and it catches up
//   with the same ids;
// - a command about per-instance data (usage, clearing, reconcile, backups)
//   runs on each instance in turn under a "# instance NAME" heading, or on
//   the one --instance names; batch ids are per instance, so the commands
//   about one batch need --instance;
// - a catalog read (list-programmes, export-codes, identities, whoami) asks
//   the first instance that answers.
#ifndef PASSCLEAR_CLIENTS_PASSCTL_PARTITIONS_H_
#define PASSCLEAR_CLIENTS_PASSCTL_PARTITIONS_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/flags/declare.h"

ABSL_DECLARE_FLAG(std::string, partition_map);
ABSL_DECLARE_FLAG(std::string, instance);

namespace passclear::passctl {

// Runs `run` (which calls --server) on the instances `command` reaches,
// setting --server to each in turn; returns the worst exit code. For a
// command run on each instance, `summarise` (if set) prints after the
// instances' answers, when every one of several answered.
int RunPartitioned(const std::string& command,
                   const std::vector<std::string>& operands,
                   const std::function<int()>& run,
                   const std::function<void()>& summarise = nullptr);

}  // namespace passclear::passctl

#endif  // PASSCLEAR_CLIENTS_PASSCTL_PARTITIONS_H_
