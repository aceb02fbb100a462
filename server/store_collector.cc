#include "server/store_collector.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "rocksdb/db.h"
#include "rocksdb/statistics.h"

namespace passclear {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily Single(std::string name, std::string help, MetricType type,
                    double value) {
  ClientMetric metric;
  if (type == MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  return {.name = std::move(name),
          .help = std::move(help),
          .type = type,
          .metric = {std::move(metric)}};
}

MetricFamily Gauge(std::string name, std::string help, double value) {
  return Single(std::move(name), std::move(help), MetricType::Gauge, value);
}

MetricFamily Counter(std::string name, std::string help, double value) {
  return Single(std::move(name), std::move(help), MetricType::Counter, value);
}

// A property RocksDB keeps per column family, summed over all of them.
double SummedProperty(rocksdb::DB& db, const std::string& name) {
  uint64_t value = 0;
  db.GetAggregatedIntProperty(name, &value);
  return static_cast<double>(value);
}

// A property of the whole database (summing it over the families would
// count it once per family).
double DatabaseProperty(rocksdb::DB& db, const std::string& name) {
  uint64_t value = 0;
  db.GetIntProperty(name, &value);
  return static_cast<double>(value);
}

void AddStorage(const storage::Database& database,
                std::vector<MetricFamily>& out) {
  rocksdb::DB& db = *database.db();
  rocksdb::Statistics& stats = database.statistics();
  out.push_back(Gauge("passclear_store_writable",
                      "1 while the store takes writes; 0 after a write failed "
                      "for good (disk full), until it resumes",
                      database.write_health().writable() ? 1 : 0));
  out.push_back(Gauge("passclear_rocksdb_live_data_bytes",
                      "Estimated size of the live data in the store",
                      SummedProperty(db, "rocksdb.estimate-live-data-size")));
  out.push_back(Gauge("passclear_rocksdb_memtable_bytes",
                      "Size of all memtables, flushing ones included",
                      SummedProperty(db, "rocksdb.cur-size-all-mem-tables")));
  out.push_back(
      Gauge("passclear_rocksdb_pending_compaction_bytes",
            "Bytes compaction must rewrite to bring every level in shape",
            SummedProperty(db, "rocksdb.estimate-pending-compaction-bytes")));
  out.push_back(Gauge("passclear_rocksdb_running_compactions",
                      "Compactions running now",
                      DatabaseProperty(db, "rocksdb.num-running-compactions")));
  out.push_back(Gauge("passclear_rocksdb_running_flushes",
                      "Memtable flushes running now",
                      DatabaseProperty(db, "rocksdb.num-running-flushes")));
  out.push_back(Gauge("passclear_rocksdb_write_stopped",
                      "1 while RocksDB stops writes (too many L0 files or "
                      "memtables, or too much pending compaction)",
                      DatabaseProperty(db, "rocksdb.is-write-stopped")));
  out.push_back(Counter(
      "passclear_rocksdb_write_stall_seconds_total",
      "Time writers spent stalled or delayed by RocksDB",
      static_cast<double>(stats.getTickerCount(rocksdb::STALL_MICROS)) / 1e6));
  out.push_back(Counter(
      "passclear_rocksdb_block_cache_hits_total", "Block cache hits",
      static_cast<double>(stats.getTickerCount(rocksdb::BLOCK_CACHE_HIT))));
  out.push_back(Counter(
      "passclear_rocksdb_block_cache_misses_total", "Block cache misses",
      static_cast<double>(stats.getTickerCount(rocksdb::BLOCK_CACHE_MISS))));
  rocksdb::HistogramData wal_sync;
  stats.histogramData(rocksdb::WAL_FILE_SYNC_MICROS, &wal_sync);
  out.push_back(Counter("passclear_rocksdb_wal_syncs_total",
                        "Write-ahead log syncs",
                        static_cast<double>(wal_sync.count)));
  out.push_back(Counter("passclear_rocksdb_wal_sync_seconds_total",
                        "Time spent syncing the write-ahead log",
                        static_cast<double>(wal_sync.sum) / 1e6));
  std::error_code error;
  const std::filesystem::space_info space =
      std::filesystem::space(database.path(), error);
  if (!error) {
    out.push_back(Gauge("passclear_data_dir_free_bytes",
                        "Free space on the data directory's file system",
                        static_cast<double>(space.available)));
    out.push_back(Gauge("passclear_data_dir_capacity_bytes",
                        "Size of the data directory's file system",
                        static_cast<double>(space.capacity)));
  }
}

void AddWriters(const storage::PassStore& store,
                std::vector<MetricFamily>& out) {
  MetricFamily depth{.name = "passclear_writer_queue_depth",
                     .help = "Operations waiting in each writer lane",
                     .type = MetricType::Gauge};
  const std::vector<size_t> depths = store.LaneQueueDepths();
  for (size_t lane = 0; lane < depths.size(); ++lane) {
    ClientMetric metric;
    metric.label = {{"lane", absl::StrCat(lane)}};
    metric.gauge.value = static_cast<double>(depths[lane]);
    depth.metric.push_back(std::move(metric));
  }
  out.push_back(std::move(depth));
}

void AddClearing(const storage::PassStore& store, absl::Time now,
                 std::vector<MetricFamily>& out) {
  out.push_back(Gauge("passclear_clearing_cycle",
                      "Number of the clearing cycle now open",
                      static_cast<double>(store.CurrentCycle().number)));
  absl::StatusOr<storage::ClearingStats> stats = store.ClearingFigures();
  if (!stats.ok()) return;  // the scrape shows the figures it could read
  out.push_back(Gauge("passclear_open_batches",
                      "Claim batches open (venues with unclosed lines)",
                      static_cast<double>(stats->open_batches)));
  out.push_back(Counter("passclear_batches_closed_total",
                        "Claim batches closed with lines, since start",
                        static_cast<double>(stats->batches_closed)));
  out.push_back(Counter("passclear_batches_acknowledged_total",
                        "Claim batches acknowledged as paid, since start",
                        static_cast<double>(stats->batches_acknowledged)));
  out.push_back(Counter("passclear_batches_rejected_total",
                        "Claim batches rejected by the mandatary, since start",
                        static_cast<double>(stats->batches_rejected)));
  out.push_back(Gauge(
      "passclear_oldest_unpaid_batch_age_seconds",
      "Age of the oldest closed batch not yet acknowledged (the mandatary's "
      "backlog); 0 when none",
      stats->oldest_unpaid_closed_at
          ? absl::ToDoubleSeconds(now - *stats->oldest_unpaid_closed_at)
          : 0));
}

}  // namespace

std::vector<MetricFamily> StoreCollector::Collect() const {
  const absl::Time now = absl::Now();
  std::vector<MetricFamily> out;
  AddWriters(store_, out);
  AddClearing(store_, now, out);
  AddStorage(store_.database(), out);
  out.push_back(Gauge("passclear_process_start_time_seconds",
                      "When the server started, seconds since the epoch",
                      absl::ToDoubleSeconds(started_at_ - absl::UnixEpoch())));
  out.push_back(Gauge("passclear_uptime_seconds",
                      "Time since the server started",
                      absl::ToDoubleSeconds(now - started_at_)));
  MetricFamily build{.name = "passclear_build_info",
                     .help = "The running build; always 1",
                     .type = MetricType::Gauge};
  ClientMetric info;
  info.label = {{"git_commit", build_.git_commit}, {"version", build_.version}};
  info.gauge.value = 1;
  build.metric.push_back(std::move(info));
  out.push_back(std::move(build));
  return out;
}

}  // namespace passclear
