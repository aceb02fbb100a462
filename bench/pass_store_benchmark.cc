// Google Benchmarks of the store's redeem path, without gRPC:
//   BM_Redeem/<in flight>/<sync>: redemptions of fresh passes with that many
//     outstanding at once; sync=1 waits for the WAL fsync (production),
//     sync=0 does not (the cost of durability is the ratio of the two).
//   BM_JudgeRedemption: the pure rule check.
//   BM_ParsePassCode, BM_CodeTag, BM_PassKey: code parsing, the code's
//     authenticity tag (HMAC-SHA256) and key encoding.
//   BM_AuthenticateTerminal: what identifying a call costs (SHA-256 of its
//     token, two lookups among 10,000 terminals).
#include <filesystem>
#include <memory>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "benchmark/benchmark.h"
#include "server/pass_code.h"
#include "storage/code_tag.h"
#include "storage/identity_store.h"
#include "storage/key_codec.h"
#include "storage/pass_store.h"
#include "storage/redeem_rules.h"

namespace passclear::storage {
namespace {

// Enough passes that no benchmark run redeems one twice.
constexpr uint32_t kBookletsPerIssue = 1000;
constexpr int kIssues = 150;  // 1,500,000 passes

struct BenchStore {
  std::string path;
  std::unique_ptr<PassStore> store;
  uint64_t venue_id = 0;
  uint64_t next_serial = 1;
  uint64_t last_serial = 0;
};

std::unique_ptr<BenchStore> OpenBenchStore(bool sync) {
  auto bench = std::make_unique<BenchStore>();
  bench->path = (std::filesystem::temp_directory_path() /
                 ("passclear-bench-" + std::to_string(getpid()) + "-" +
                  std::to_string(sync)))
                    .string();
  std::filesystem::remove_all(bench->path);
  bench->store =
      std::move(PassStore::Open({.path = bench->path, .sync_writes = sync}))
          .value();
  const absl::Time now = absl::Now();
  Programme programme =
      bench->store
          ->CreateProgramme({.sponsor = "Bench",
                             .name = "Bench",
                             .face_value_cents = 1000,
                             .valid_from = now - absl::Hours(24),
                             .valid_until = now + absl::Hours(24 * 365)})
          .value();
  for (int i = 0; i < kIssues; ++i) {
    auto booklets =
        bench->store->IssueBooklets(programme.id, kBookletsPerIssue, 10)
            .value();
    bench->last_serial = booklets.back().first_serial + 9;
  }
  bench->venue_id =
      bench->store
          ->RegisterVenue({.name = "Bench venue",
                           .accepted_programme_ids = {programme.id},
                           .address = "1 rue du Banc, 75001 Paris",
                           .siret = "73282932000074",
                           .iban = "FR7630006000011234567890189",
                           .bic = "AGRIFRPP"})
          .value()
          .id;
  return bench;
}

// One store per durability mode, opened on first use and removed at exit.
std::unique_ptr<BenchStore> shared_stores[2];

BenchStore& SharedStore(bool sync) {
  if (shared_stores[sync] == nullptr)
    shared_stores[sync] = OpenBenchStore(sync);
  return *shared_stores[sync];
}

void RemoveSharedStores() {
  for (std::unique_ptr<BenchStore>& bench : shared_stores) {
    if (bench == nullptr) continue;
    bench->store.reset();
    std::filesystem::remove_all(bench->path);
    bench.reset();
  }
}

// Keeps up to `limit` redemptions outstanding.
class InFlightLimit {
 public:
  explicit InFlightLimit(int limit) : limit_(limit) {}
  void Acquire() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(this, &InFlightLimit::HasRoom));
    ++outstanding_;
  }
  void Release() {
    absl::MutexLock lock(&mu_);
    --outstanding_;
  }
  void WaitAll() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(this, &InFlightLimit::IsIdle));
  }

 private:
  bool HasRoom() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return outstanding_ < limit_;
  }
  bool IsIdle() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return outstanding_ == 0;
  }
  const int limit_;
  absl::Mutex mu_;
  int outstanding_ ABSL_GUARDED_BY(mu_) = 0;
};

void BM_Redeem(benchmark::State& state) {
  BenchStore& bench = SharedStore(state.range(1) == 1);
  InFlightLimit limit(static_cast<int>(state.range(0)));
  std::atomic<int64_t> redeemed{0};
  for (auto _ : state) {
    if (bench.next_serial > bench.last_serial) {
      state.SkipWithError("out of fresh passes; raise kIssues");
      break;
    }
    limit.Acquire();
    bench.store->Redeem(
        {.serial = bench.next_serial,
         .venue_id = bench.venue_id,
         .terminal_id = "bench",
         .request_id = std::to_string(bench.next_serial)},
        [&](absl::StatusOr<RedeemOutcome> outcome) {
          if (outcome.ok() && outcome->result == RedeemResult::kRedeemed) {
            redeemed.fetch_add(1, std::memory_order_relaxed);
          }
          limit.Release();
        });
    ++bench.next_serial;
  }
  limit.WaitAll();
  if (redeemed.load() != static_cast<int64_t>(state.iterations())) {
    state.SkipWithError("a redemption was refused or failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Redeem)
    ->ArgNames({"in_flight", "sync"})
    ->ArgsProduct({{1, 16, 256}, {1, 0}})
    ->UseRealTime()
    ->MinTime(0.5);

void BM_JudgeRedemption(benchmark::State& state) {
  const absl::Time now = absl::Now();
  Programme programme{.id = 1,
                      .face_value_cents = 1000,
                      .valid_from = now - absl::Hours(1),
                      .valid_until = now + absl::Hours(1),
                      .grace_period = absl::Hours(24)};
  Venue venue{.id = 7, .accepted_programme_ids = {3, 2, 1}};
  PassRecord pass{.programme_id = 1, .booklet_id = 1};
  for (auto _ : state) {
    Verdict verdict = JudgeRedemption({.serial = 42,
                                       .pass = &pass,
                                       .programme = &programme,
                                       .venue_id = 7,
                                       .venue = &venue,
                                       .scanned_at = now,
                                       .now = now});
    benchmark::DoNotOptimize(verdict);
  }
}
BENCHMARK(BM_JudgeRedemption);

void BM_ParsePassCode(benchmark::State& state) {
  const std::string code =
      FormatPassCode({.serial = 123456789, .tag = 1234567890});
  for (auto _ : state) benchmark::DoNotOptimize(ParsePassCode(code));
}
BENCHMARK(BM_ParsePassCode);

// The authenticity check every scan pays: an HMAC-SHA256 of the serial.
void BM_CodeTag(benchmark::State& state) {
  const std::string secret = NewKeySecret(/*programme_id=*/1, /*version=*/1);
  uint64_t serial = 1;
  for (auto _ : state) benchmark::DoNotOptimize(CodeTag(secret, serial++));
}
BENCHMARK(BM_CodeTag);

void BM_PassKey(benchmark::State& state) {
  uint64_t serial = 1;
  for (auto _ : state) benchmark::DoNotOptimize(PassKey(serial++));
}
BENCHMARK(BM_PassKey);

void BM_AuthenticateTerminal(benchmark::State& state) {
  BenchStore& bench = SharedStore(/*sync=*/false);
  auto identities = IdentityStore::Open(bench.store->database(), [] {
                      return absl::Now();
                    }).value();
  std::vector<std::string> tokens;
  for (int i = 0; i < 10'000; ++i) {
    const Enrolment enrolment =
        identities->EnrollTerminal("T-" + std::to_string(i), bench.venue_id)
            .value();
    tokens.push_back(
        identities->ActivateTerminal(enrolment.activation_code).value().token);
  }
  size_t next = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        identities->Authenticate(tokens[next++ % tokens.size()]));
  }
}
BENCHMARK(BM_AuthenticateTerminal);

}  // namespace
}  // namespace passclear::storage

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  passclear::storage::RemoveSharedStores();
  return 0;
}
