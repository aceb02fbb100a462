// Metrics against a real Prometheus: the server's /metrics passes
// `promtool check metrics`, a Prometheus started by the test scrapes it and
// stores counters that match the redemptions made, loads the shipped alert
// rules, and accepts every query of the shipped Grafana dashboard.
#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "server/pass_code.h"
#include "tests/integration/child_process.h"
#include "tests/integration/http_get.h"
#include "tests/integration/server_fixture.h"

namespace passclear::testing {
namespace {

const std::string kDeployDir = std::string(PASSCLEAR_SOURCE_DIR) + "/deploy";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// "a%20b" style escaping for a PromQL query in a URL.
std::string UrlEncode(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '_' || c == '-' || c == '.') {
      out.push_back(static_cast<char>(c));
    } else {
      out += absl::StrCat("%", absl::Hex(c, absl::kZeroPad2));
    }
  }
  return out;
}

google::protobuf::Struct ParseJson(const std::string& text) {
  google::protobuf::Struct parsed;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(text, &parsed).ok())
      << text;
  return parsed;
}

// A Prometheus server on a free loopback port with a temporary storage
// folder, scraping one target every second and loading the shipped rules.
class PrometheusProcess {
 public:
  PrometheusProcess(const std::string& folder, const std::string& target) {
    port_ = FreeLoopbackPort();
    const std::string config = folder + "/prometheus.yml";
    std::ofstream(config) << "global:\n  scrape_interval: 1s\n"
                          << "  evaluation_interval: 1s\n"
                          << "rule_files:\n  - " << kDeployDir
                          << "/prometheus/alerts.yml\n"
                          << "scrape_configs:\n  - job_name: passclear\n"
                          << "    static_configs:\n      - targets: [\""
                          << target << "\"]\n";
    const int log = ::open((folder + "/prometheus.log").c_str(),
                           O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_ = SpawnChild({"prometheus", "--config.file=" + config,
                       "--storage.tsdb.path=" + folder + "/tsdb",
                       absl::StrCat("--web.listen-address=127.0.0.1:", port_)},
                      log);
    ::close(log);
  }
  ~PrometheusProcess() { StopChild(pid_, SIGTERM); }

  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }

  // The API's answer to an instant query; its "status" must be "success".
  absl::StatusOr<google::protobuf::Struct> Query(const std::string& promql) {
    absl::StatusOr<std::string> body =
        HttpGet(address(), "/api/v1/query?query=" + UrlEncode(promql));
    if (!body.ok()) return body.status();
    return ParseJson(*body);
  }

  // The single value of an instant query, or -1 while there is none.
  double Value(const std::string& promql) {
    absl::StatusOr<google::protobuf::Struct> answer = Query(promql);
    if (!answer.ok()) return -1;
    const auto& result =
        answer->fields().at("data").struct_value().fields().at("result");
    if (result.list_value().values_size() != 1) return -1;
    const auto& value =
        result.list_value().values(0).struct_value().fields().at("value");
    return std::stod(value.list_value().values(1).string_value());
  }

 private:
  int port_ = 0;
  pid_t pid_ = -1;
};

class MetricsTest : public ServerFixture {};

TEST_F(MetricsTest, ScrapePassesPromtoolCheckMetrics) {
  Redeem(MakeRedeemRequest(scheme_.codes[0], scheme_.venue_id, "T-1", "r-1"));
  absl::StatusOr<std::string> scrape =
      HttpGet(server_->metrics_address(), "/metrics");
  ASSERT_TRUE(scrape.ok()) << scrape.status();
  for (const char* name :
       {"passclear_redemptions_total", "passclear_rpc_duration_seconds_bucket",
        "passclear_group_commit_operations_bucket",
        "passclear_writer_queue_depth", "passclear_open_batches",
        "passclear_oldest_unpaid_batch_age_seconds",
        "passclear_rocksdb_pending_compaction_bytes",
        "passclear_rocksdb_wal_sync_seconds_total",
        "passclear_data_dir_free_bytes", "passclear_build_info",
        "passclear_process_start_time_seconds", "passclear_uptime_seconds"}) {
    EXPECT_NE(scrape->find(name), std::string::npos) << name;
  }
  const std::string file = temp_dir_ + "/scrape.txt";
  std::ofstream(file) << *scrape;
  EXPECT_EQ(
      std::system(absl::StrCat("promtool check metrics < ", file).c_str()), 0)
      << *scrape;
}

TEST_F(MetricsTest, PrometheusStoresCountersMatchingTheRedemptions) {
  // 5 redeemed, 2 already redeemed, 1 counterfeit.
  for (int i = 0; i < 5; ++i) {
    Redeem(MakeRedeemRequest(scheme_.codes[i], scheme_.venue_id, "T-1",
                             absl::StrCat("r-", i)));
  }
  for (int i = 0; i < 2; ++i) {
    Redeem(MakeRedeemRequest(scheme_.codes[i], scheme_.venue_id, "T-2",
                             absl::StrCat("again-", i)));
  }
  // A well-formed code with a wrong authenticity tag.
  absl::StatusOr<PassCode> real = ParsePassCode(scheme_.codes[9]);
  ASSERT_TRUE(real.ok());
  const std::string forged = FormatPassCode(
      {.serial = real->serial, .tag = (real->tag + 1) % 10'000'000'000});
  ASSERT_EQ(Redeem(MakeRedeemRequest(forged, scheme_.venue_id, "T-3", "forged"))
                .result(),
            v1::REDEEM_RESULT_COUNTERFEIT);

  PrometheusProcess prometheus(temp_dir_, server_->metrics_address());
  const std::string redeemed =
      R"(sum(passclear_redemptions_total{job="passclear",result="redeemed"}))";
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (prometheus.Value(redeemed) < 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  EXPECT_EQ(prometheus.Value(redeemed), 5);
  EXPECT_EQ(
      prometheus.Value(
          R"(sum(passclear_redemptions_total{result="already_redeemed"}))"),
      2);
  EXPECT_EQ(prometheus.Value(
                R"(sum(passclear_redemptions_total{result="counterfeit"}))"),
            1);
  EXPECT_EQ(
      prometheus.Value(
          R"(sum(passclear_rpc_requests_total{method="passclear.v1.RedemptionService/Redeem"}))"),
      8);
  EXPECT_EQ(prometheus.Value(R"(up{job="passclear"})"), 1);

  // The shipped rules are loaded.
  absl::StatusOr<std::string> rules =
      HttpGet(prometheus.address(), "/api/v1/rules");
  ASSERT_TRUE(rules.ok()) << rules.status();
  EXPECT_NE(rules->find("PassclearMandataryBacklogOld"), std::string::npos);

  // Every query of the shipped dashboard is valid PromQL.
  google::protobuf::Struct dashboard =
      ParseJson(ReadFile(kDeployDir + "/grafana/passclear-dashboard.json"));
  int queries = 0;
  for (const auto& panel :
       dashboard.fields().at("panels").list_value().values()) {
    auto targets = panel.struct_value().fields().find("targets");
    if (targets == panel.struct_value().fields().end()) continue;
    for (const auto& target : targets->second.list_value().values()) {
      const std::string expr =
          target.struct_value().fields().at("expr").string_value();
      absl::StatusOr<google::protobuf::Struct> answer = prometheus.Query(expr);
      ASSERT_TRUE(answer.ok()) << expr << ": " << answer.status();
      EXPECT_EQ(answer->fields().at("status").string_value(), "success")
          << expr;
      ++queries;
    }
  }
  EXPECT_GE(queries, 15);
}

TEST(DeployConfigTest, PromtoolAcceptsTheShippedConfigAndRules) {
  EXPECT_EQ(std::system(absl::StrCat("promtool check rules ", kDeployDir,
                                     "/prometheus/alerts.yml")
                            .c_str()),
            0);
  EXPECT_EQ(std::system(absl::StrCat("promtool check config ", kDeployDir,
                                     "/prometheus/prometheus.yml")
                            .c_str()),
            0);
}

}  // namespace
}  // namespace passclear::testing
