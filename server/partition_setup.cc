#include "server/partition_setup.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "storage/partition_map.h"
#include "storage/secret_source.h"

namespace passclear {
namespace {

absl::Status UseSchemeSecretFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("--scheme_secret_file: cannot read ", path));
  }
  std::ostringstream secret;
  secret << in.rdbuf();
  // A trailing newline from an editor or `echo` must not make two
  // instances' secrets differ.
  const absl::Status used = storage::UseSchemeSecret(
      absl::StripTrailingAsciiWhitespace(secret.str()));
  if (!used.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--scheme_secret_file ", path, ": ", used.message()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ApplyPartitionFlags(const PartitionFlags& flags,
                                 storage::PassStoreOptions& options) {
  if (!flags.scheme_secret_file.empty()) {
    if (absl::Status used = UseSchemeSecretFile(flags.scheme_secret_file);
        !used.ok()) {
      return used;
    }
  }
  if (flags.partition_map.empty()) {
    if (!flags.instance.empty()) {
      return absl::InvalidArgumentError(
          "--instance names an instance of --partition_map, which is empty");
    }
    return absl::OkStatus();
  }
  absl::StatusOr<storage::PartitionMap> map =
      storage::PartitionMap::Load(flags.partition_map);
  if (!map.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--partition_map: ", map.status().message()));
  }
  const storage::PartitionInstance* self = map->Find(flags.instance);
  if (self == nullptr) {
    std::vector<std::string> names;
    for (const auto& instance : map->instances())
      names.push_back(instance.name);
    return absl::InvalidArgumentError(absl::StrCat(
        "--instance: '", flags.instance, "' is not in the partition map (",
        absl::StrJoin(names, ", "), ")"));
  }
  if (map->shard_count() != options.shard_count) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--shards is ", options.shard_count, " but the partition map has ",
        map->shard_count(), " shards: every instance uses the map's count"));
  }
  if (flags.scheme_secret_file.empty()) {
    return absl::InvalidArgumentError(
        "--partition_map needs --scheme_secret_file: every instance derives "
        "programme keys and credentials from the same scheme secret");
  }
  if (flags.demo_data) {
    return absl::InvalidArgumentError(
        "--demo_data redeems passes of every shard: pass --demo_data=false "
        "with --partition_map");
  }
  options.first_owned_shard = self->first_shard;
  options.last_owned_shard = self->last_shard;
  options.partition_map = *std::move(map);
  return absl::OkStatus();
}

}  // namespace passclear
