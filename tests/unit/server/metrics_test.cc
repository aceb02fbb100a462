// The metrics module: redemption counters are labelled by result and
// programme and counted once per answer; the scrape-time collector reads
// the store's queues, clearing backlog and RocksDB figures.
#include <filesystem>
#include <map>
#include <string>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "server/redemption_metrics.h"
#include "server/store_collector.h"
#include "storage/pass_store.h"

namespace passclear {
namespace {

// name{label=value,...} -> value, for counters and gauges.
std::map<std::string, double> Flatten(
    const std::vector<prometheus::MetricFamily>& families) {
  std::map<std::string, double> values;
  for (const prometheus::MetricFamily& family : families) {
    for (const prometheus::ClientMetric& metric : family.metric) {
      std::string key = family.name;
      for (const auto& label : metric.label) {
        key += "|" + label.name + "=" + label.value;
      }
      values[key] = family.type == prometheus::MetricType::Counter
                        ? metric.counter.value
                        : metric.gauge.value;
    }
  }
  return values;
}

TEST(RedemptionMetricsTest, CountsEachAnswerByResultAndProgramme) {
  prometheus::Registry registry;
  RedemptionMetrics metrics(registry);
  v1::RedeemResponse redeemed;
  redeemed.set_result(v1::REDEEM_RESULT_REDEEMED);
  redeemed.set_programme_id(3);
  v1::RedeemResponse again = redeemed;
  again.set_result(v1::REDEEM_RESULT_ALREADY_REDEEMED);
  v1::RedeemResponse forged;
  forged.set_result(v1::REDEEM_RESULT_COUNTERFEIT);
  metrics.ObserveRedeem(redeemed);
  metrics.ObserveRedeem(redeemed);
  metrics.ObserveRedeem(again);
  metrics.ObserveRedeem(forged);
  v1::CancelRedemptionResponse cancelled;
  cancelled.set_result(v1::CANCEL_RESULT_CANCELLED);
  metrics.ObserveCancel(cancelled);
  metrics.ObserveBatchItems(40);

  std::map<std::string, double> values = Flatten(registry.Collect());
  EXPECT_EQ(
      values["passclear_redemptions_total|programme_id=3|result=redeemed"], 2);
  EXPECT_EQ(values["passclear_redemptions_total|programme_id=3|result="
                   "already_redeemed"],
            1);
  EXPECT_EQ(
      values["passclear_redemptions_total|programme_id=0|result=counterfeit"],
      1);
  EXPECT_EQ(values["passclear_cancellations_total|result=cancelled"], 1);
  EXPECT_EQ(values["passclear_redeem_batch_items_total"], 40);
}

TEST(RedemptionMetricsTest, GroupCommitsAndDurableWaitsAreHistograms) {
  prometheus::Registry registry;
  RedemptionMetrics metrics(registry);
  metrics.ObserveGroupCommit(12, absl::Milliseconds(2));
  metrics.ObserveGroupCommit(4, absl::Milliseconds(1));
  metrics.ObserveDurable(absl::Microseconds(900));
  for (const prometheus::MetricFamily& family : registry.Collect()) {
    if (family.name == "passclear_group_commit_operations") {
      EXPECT_EQ(family.metric[0].histogram.sample_count, 2u);
      EXPECT_EQ(family.metric[0].histogram.sample_sum, 16);
    }
    if (family.name == "passclear_redemption_durable_seconds") {
      EXPECT_EQ(family.metric[0].histogram.sample_count, 1u);
      // 900 us falls in the 1 ms bucket, not in the 500 us one.
      for (const auto& bucket : family.metric[0].histogram.bucket) {
        if (bucket.upper_bound == 0.0005) {
          EXPECT_EQ(bucket.cumulative_count, 0u);
        }
        if (bucket.upper_bound == 0.001) {
          EXPECT_EQ(bucket.cumulative_count, 1u);
        }
      }
    }
  }
}

TEST(StoreCollectorTest, ReadsQueuesBacklogAndStorageWhenScraped) {
  const std::string path = (std::filesystem::path(::testing::TempDir()) /
                            ("passclear_collector_" + std::to_string(getpid())))
                               .string();
  std::filesystem::remove_all(path);
  auto store =
      std::move(storage::PassStore::Open({.path = path,
                                          .shard_count = 4,
                                          .writer_lanes = 2,
                                          .close_cycles_automatically = false}))
          .value();
  const absl::Time now = absl::Now();
  const uint64_t programme =
      store
          ->CreateProgramme({.sponsor = "S",
                             .name = "P",
                             .face_value_cents = 1000,
                             .valid_from = now - absl::Hours(1),
                             .valid_until = now + absl::Hours(24)})
          .value()
          .id;
  const uint64_t serial =
      store->IssueBooklets(programme, 1, 10).value().front().first_serial;
  const uint64_t venue =
      store
          ->RegisterVenue({.name = "V",
                           .accepted_programme_ids = {programme},
                           .address = "1 place de la Mairie",
                           .siret = "73282932000074",
                           .iban = "FR7630006000011234567890189",
                           .bic = "AGRIFRPP"})
          .value()
          .id;
  absl::Notification done;
  store->Redeem(
      {.serial = serial,
       .venue_id = venue,
       .terminal_id = "T",
       .request_id = "r"},
      [&done](absl::StatusOr<storage::RedeemOutcome>) { done.Notify(); });
  done.WaitForNotification();

  StoreCollector collector(*store, {.version = "1.2.3", .git_commit = "abc"},
                           now - absl::Seconds(10));
  std::map<std::string, double> values = Flatten(collector.Collect());
  EXPECT_EQ(values["passclear_open_batches"], 1);
  EXPECT_EQ(values["passclear_writer_queue_depth|lane=0"], 0);
  EXPECT_EQ(values.count("passclear_writer_queue_depth|lane=1"), 1u);
  EXPECT_EQ(values["passclear_oldest_unpaid_batch_age_seconds"], 0);
  EXPECT_GT(values["passclear_rocksdb_wal_syncs_total"], 0);
  EXPECT_GT(values["passclear_data_dir_free_bytes"], 0);
  EXPECT_GE(values["passclear_uptime_seconds"], 10);
  EXPECT_EQ(values["passclear_build_info|git_commit=abc|version=1.2.3"], 1);

  ASSERT_TRUE(store->CloseCycle().ok());
  values = Flatten(collector.Collect());
  EXPECT_EQ(values["passclear_open_batches"], 0);
  EXPECT_EQ(values["passclear_batches_closed_total"], 1);
  EXPECT_GT(values["passclear_oldest_unpaid_batch_age_seconds"], 0);
  EXPECT_EQ(values["passclear_clearing_cycle"], 2);
  store.reset();
  std::filesystem::remove_all(path);
}

}  // namespace
}  // namespace passclear
