// Closing a national day: R redemptions spread over V venues with a skewed
// (Zipf, s = 1) choice of venue, then closing the cycle (every venue's
// batch closed with its totals and signed statement, in the log) and
// exporting every closed batch as SEPA credit transfer files of 2,000
// transfers.
//
//   BM_CloseNationalDay/R/V: manual time = the close; counters give the
//   export time, the batches and the lines. The redemptions that fill the
//   store go through the real writer lanes (durable), outside the timing.
//
// The national figure is BM_CloseNationalDay/3000000/200000; the small one
// is there to run in seconds.
#include <algorithm>
#include <atomic>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "bench/zipf.h"
#include "benchmark/benchmark.h"
#include "server/credit_transfer_export.h"
#include "storage/pass_store.h"
#include "storage/venue_identifiers.h"

namespace passclear {
namespace {

std::string FreshPath() {
  static int runs = 0;
  const std::string path =
      (std::filesystem::temp_directory_path() /
       absl::StrCat("passclear-clearing-bench-", getpid(), "-", runs++))
          .string();
  std::filesystem::remove_all(path);
  return path;
}

// Fills a new store with `redemptions` durable redemptions over `venues`
// venues; returns it with its venue ids.
std::unique_ptr<storage::PassStore> FillStore(const std::string& path,
                                              uint64_t redemptions,
                                              size_t venue_count) {
  auto store =
      std::move(storage::PassStore::Open(
                    {.path = path, .close_cycles_automatically = false}))
          .value();
  const absl::Time now = absl::Now();
  const uint64_t programme =
      store
          ->CreateProgramme({.sponsor = "Etat",
                             .name = "Pass Numerique national",
                             .face_value_cents = 1000,
                             .valid_from = now - absl::Hours(24),
                             .valid_until = now + absl::Hours(24 * 365)})
          .value()
          .id;
  (void)store
      ->IssueBooklets(programme, static_cast<uint32_t>(redemptions / 10), 10)
      .value();
  std::vector<storage::VenueSpec> specs;
  for (size_t i = 0; i < venue_count; ++i) {
    specs.push_back({.name = absl::StrCat("Espace numerique ", i),
                     .accepted_programme_ids = {programme},
                     .address = "1 place de la Mairie, 79000 Niort",
                     .siret = storage::SiretOfNumber(i + 1),
                     .iban = "FR7630006000011234567890189",
                     .bic = "AGRIFRPP"});
  }
  const std::vector<storage::Venue> venues =
      store->RegisterVenues(specs).value();

  // Redeem with many in flight, as a busy day would.
  Zipf zipf(venue_count);
  std::mt19937_64 random(42);
  constexpr int kInFlight = 4096;
  absl::Mutex mu;
  int in_flight = 0;
  std::atomic<uint64_t> failures{0};
  absl::BlockingCounter done(static_cast<int>(redemptions));
  for (uint64_t serial = 1; serial <= redemptions; ++serial) {
    {
      absl::MutexLock lock(&mu);
      mu.Await(absl::Condition(
          +[](int* count) { return *count < kInFlight; }, &in_flight));
      ++in_flight;
    }
    store->Redeem({.serial = serial,
                   .venue_id = venues[zipf.Next(random)].id,
                   .terminal_id = "T-1",
                   .request_id = absl::StrCat("r-", serial)},
                  [&](absl::StatusOr<storage::RedeemOutcome> outcome) {
                    if (!outcome.ok() ||
                        outcome->result != storage::RedeemResult::kRedeemed) {
                      failures.fetch_add(1);
                    }
                    {
                      absl::MutexLock lock(&mu);
                      --in_flight;
                    }
                    done.DecrementCount();
                  });
  }
  done.Wait();
  if (failures.load() != 0) {
    std::fprintf(stderr, "%lu redemptions failed\n",
                 static_cast<unsigned long>(failures.load()));
    std::abort();
  }
  return store;
}

void BM_CloseNationalDay(benchmark::State& state) {
  const uint64_t redemptions = state.range(0);
  const size_t venues = state.range(1);
  const SepaAccount mandatary{.name = "Mandataire",
                              .iban = "FR7630004000031234567890143",
                              .bic = "BNPAFRPPXXX"};
  for (auto _ : state) {
    const std::string path = FreshPath();
    std::unique_ptr<storage::PassStore> store =
        FillStore(path, redemptions, venues);

    const absl::Time close_start = absl::Now();
    const storage::CycleClose closed = store->CloseCycle().value();
    const absl::Duration close_time = absl::Now() - close_start;

    const absl::Time export_start = absl::Now();
    std::vector<uint64_t> ids;
    size_t bytes = 0;
    uint64_t cursor = 0;
    while (true) {
      std::vector<storage::ClaimBatch> page =
          store->ListClosedBatches(cursor, kMaxBatchesPerTransferFile).value();
      if (page.empty()) break;
      ids.clear();
      for (const storage::ClaimBatch& batch : page) ids.push_back(batch.id);
      bytes += ExportCreditTransfers(*store, mandatary, "", ids, {})
                   .value()
                   .xml.size();
      cursor = page.back().close_seq;
    }
    const absl::Duration export_time = absl::Now() - export_start;

    state.SetIterationTime(absl::ToDoubleSeconds(close_time));
    state.counters["close_s"] = absl::ToDoubleSeconds(close_time);
    state.counters["export_s"] = absl::ToDoubleSeconds(export_time);
    state.counters["batches"] = static_cast<double>(closed.batches_closed);
    state.counters["lines"] = static_cast<double>(closed.lines);
    state.counters["sepa_MB"] = static_cast<double>(bytes) / 1e6;
    state.counters["batches_per_s"] =
        closed.batches_closed / absl::ToDoubleSeconds(close_time);
    store.reset();
    std::filesystem::remove_all(path);
  }
}

BENCHMARK(BM_CloseNationalDay)
    ->Args({300'000, 20'000})
    ->Args({3'000'000, 200'000})
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace passclear

BENCHMARK_MAIN();
