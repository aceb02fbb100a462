// Metrics against a real Prometheus: the server's /metrics passes
// `promtool check metrics`, a Prometheus started by the test scrapes it and
// stores counters that match the redemptions made, loads the shipped alert
// rules, and accepts every query of the shipped Grafana dashboard. A fresh
// server shows every result counter at 0, and a scrape answers at once
// while other clients hold connections to the metrics port and stall.
#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "server/metrics_endpoint.h"
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

// The value of one sample of a scrape page, `series` written as the server
// writes it (labels sorted by name), e.g.
// passclear_cancellations_total{result="cancelled"}; nullopt when absent.
std::optional<double> SampleValue(const std::string& page,
                                  const std::string& series) {
  for (absl::string_view line : absl::StrSplit(page, '\n')) {
    double value = 0;
    if (absl::ConsumePrefix(&line, series) && absl::ConsumePrefix(&line, " ") &&
        absl::SimpleAtod(line, &value)) {
      return value;
    }
  }
  return std::nullopt;
}

// "REDEEM_RESULT_ALREADY_REDEEMED" -> "already_redeemed".
std::string ResultLabel(const std::string& name, absl::string_view prefix) {
  return absl::AsciiStrToLower(absl::StripPrefix(name, prefix));
}

// Connections to the metrics port that hold whatever serves them: clients
// that connected and say nothing, and clients that sent the start of a
// request and never finish its headers.
std::vector<TcpConnection> StallConnections(const std::string& address,
                                            int silent, int half_sent) {
  std::vector<TcpConnection> stalled;
  for (int i = 0; i < silent + half_sent; ++i) {
    absl::StatusOr<TcpConnection> connection = TcpConnection::Open(address);
    if (!connection.ok()) {
      ADD_FAILURE() << connection.status();
      break;
    }
    if (i >= silent) {
      EXPECT_TRUE(
          connection->Send("GET /metrics HTTP/1.1\r\nHost: x\r\n").ok());
    }
    stalled.push_back(*std::move(connection));
  }
  return stalled;
}

// A whole page: families of both collectables (the registry's counters and
// what the store collector reads when scraped), its last line complete.
void ExpectWholePage(const std::string& page) {
  EXPECT_NE(page.find("passclear_redemptions_total"), std::string::npos);
  EXPECT_NE(page.find("passclear_build_info"), std::string::npos);
  EXPECT_TRUE(!page.empty() && page.back() == '\n');
}

class MetricsTest : public ServerFixture {};

// Every value of `results` but UNSPECIFIED has its series on `page` at 0:
// `series_start` then result="<name without prefix, lower case>"}.
void ExpectEveryResultAtZero(const std::string& page,
                             const google::protobuf::EnumDescriptor& results,
                             absl::string_view prefix,
                             absl::string_view series_start) {
  for (int i = 0; i < results.value_count(); ++i) {
    if (results.value(i)->number() == 0) continue;  // *_UNSPECIFIED
    const std::string series =
        absl::StrCat(series_start, "result=\"",
                     ResultLabel(results.value(i)->name(), prefix), "\"}");
    EXPECT_EQ(SampleValue(page, series), 0) << series;
  }
}

// Dashboards and rate() alerts read every result from the first scrape of a
// fresh server, not from the first answer of each kind.
TEST_F(MetricsTest, EveryResultIsCountedAtZeroBeforeAnyAnswer) {
  absl::StatusOr<std::string> scrape =
      HttpGet(server_->metrics_address(), "/metrics");
  ASSERT_TRUE(scrape.ok()) << scrape.status();
  ExpectEveryResultAtZero(*scrape, *v1::RedeemResult_descriptor(),
                          "REDEEM_RESULT_",
                          "passclear_redemptions_total{programme_id=\"0\",");
  ExpectEveryResultAtZero(*scrape, *v1::CancelResult_descriptor(),
                          "CANCEL_RESULT_", "passclear_cancellations_total{");
  for (const char* reason : {"rate_limited", "locked_out"}) {
    const std::string series = absl::StrCat(
        "passclear_terminal_refusals_total{reason=\"", reason, "\"}");
    EXPECT_EQ(SampleValue(*scrape, series), 0) << series;
  }
}

// One stalled client must not blind the scrapes: with more of them than one
// worker could serve, a scrape still gets the whole page at once.
TEST_F(MetricsTest, ScrapeAnswersAtOnceWhileOtherConnectionsStall) {
  const std::string address = server_->metrics_address();
  std::vector<TcpConnection> stalled =
      StallConnections(address, /*silent=*/4, /*half_sent=*/4);
  const absl::Time start = absl::Now();
  absl::StatusOr<std::string> scrape =
      HttpGet(address, "/metrics", absl::Seconds(10));
  const absl::Duration took = absl::Now() - start;
  ASSERT_TRUE(scrape.ok()) << scrape.status() << " after " << took;
  ExpectWholePage(*scrape);
  EXPECT_LT(took, absl::Seconds(1));
}

// Even with every worker held by a stalled client, each is let go after the
// request timeout, so a scrape waits for that at most, far below
// Prometheus's scrape timeout (10 s by default).
TEST_F(MetricsTest, ScrapeWaitsAtMostTheRequestTimeoutWhenEveryWorkerStalls) {
  const std::string address = server_->metrics_address();
  std::vector<TcpConnection> stalled = StallConnections(
      address, /*silent=*/kMetricsWorkerThreads / 2,
      /*half_sent=*/kMetricsWorkerThreads - kMetricsWorkerThreads / 2);
  const absl::Time start = absl::Now();
  absl::StatusOr<std::string> scrape =
      HttpGet(address, "/metrics", absl::Seconds(20));
  const absl::Duration took = absl::Now() - start;
  ASSERT_TRUE(scrape.ok()) << scrape.status() << " after " << took;
  ExpectWholePage(*scrape);
  EXPECT_LT(took, kMetricsRequestTimeout + absl::Seconds(1.5));
}

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
