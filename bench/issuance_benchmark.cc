// Issuance throughput, passes per second, each run on a fresh store:
//   BM_IssueOnePutPerPass/N: what a team would write first, one RocksDB Put
//     per pass record (through the WAL and memtable), synced once at the end.
//   BM_IssueBatch/N: PassStore::IssueBooklets below the bulk threshold: one
//     synced WriteBatch.
//   BM_IssueBulk/N: PassStore::IssueBooklets at or above the threshold:
//     sorted SST files per shard, ingested atomically.
#include <filesystem>
#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "benchmark/benchmark.h"
#include "storage/key_codec.h"
#include "storage/pass_store.h"
#include "storage/record_codec.h"

namespace passclear::storage {
namespace {

std::string FreshPath() {
  static int runs = 0;
  const std::string path =
      (std::filesystem::temp_directory_path() /
       ("passclear-issue-bench-" + std::to_string(getpid()) + "-" +
        std::to_string(runs++)))
          .string();
  std::filesystem::remove_all(path);
  return path;
}

std::unique_ptr<PassStore> OpenWithProgramme(const std::string& path,
                                             uint64_t* programme_id) {
  auto store = std::move(PassStore::Open({.path = path})).value();
  const absl::Time now = absl::Now();
  *programme_id =
      store
          ->CreateProgramme({.sponsor = "Bench",
                             .name = "Bench",
                             .face_value_cents = 1000,
                             .valid_from = now,
                             .valid_until = now + absl::Hours(24 * 365)})
          .value()
          .id;
  return store;
}

void BM_IssueOnePutPerPass(benchmark::State& state) {
  const uint64_t passes = state.range(0);
  for (auto _ : state) {
    state.PauseTiming();
    const std::string path = FreshPath();
    auto database = std::move(Database::Open({.path = path})).value();
    const std::string record = EncodePass({.programme_id = 1, .booklet_id = 1});
    state.ResumeTiming();
    for (uint64_t serial = 1; serial <= passes; ++serial) {
      if (!database->db()
               ->Put(rocksdb::WriteOptions(), database->PassFamily(serial),
                     PassKey(serial), record)
               .ok()) {
        state.SkipWithError("put failed");
        break;
      }
    }
    if (!database->db()->FlushWAL(/*sync=*/true).ok()) {
      state.SkipWithError("sync failed");
    }
    state.PauseTiming();
    database.reset();
    std::filesystem::remove_all(path);
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * passes);
}
BENCHMARK(BM_IssueOnePutPerPass)
    ->Arg(40'000)
    ->Arg(1'000'000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(2);

void IssueThroughStore(benchmark::State& state) {
  const uint64_t passes = state.range(0);
  for (auto _ : state) {
    state.PauseTiming();
    const std::string path = FreshPath();
    uint64_t programme_id = 0;
    std::unique_ptr<PassStore> store = OpenWithProgramme(path, &programme_id);
    state.ResumeTiming();
    uint64_t left = passes;
    while (left > 0) {  // at most kMaxBookletsPerIssue booklets a call
      const uint64_t booklets =
          std::min<uint64_t>(left / 10, kMaxBookletsPerIssue);
      if (!store->IssueBooklets(programme_id, booklets, 10).ok()) {
        state.SkipWithError("issue failed");
        break;
      }
      left -= booklets * 10;
    }
    state.PauseTiming();
    store.reset();
    std::filesystem::remove_all(path);
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * passes);
}

void BM_IssueBatch(benchmark::State& state) { IssueThroughStore(state); }
BENCHMARK(BM_IssueBatch)
    ->Arg(40'000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(2);

void BM_IssueBulk(benchmark::State& state) { IssueThroughStore(state); }
BENCHMARK(BM_IssueBulk)
    ->Arg(1'000'000)
    ->Arg(10'000'000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(2);

}  // namespace
}  // namespace passclear::storage

BENCHMARK_MAIN();
