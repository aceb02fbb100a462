// passclear-load: a closed-loop load generator for the redemption API.
//
//   passclear-load --target=127.0.0.1:50051 --clients=32 --duration=10s
//   passclear-load --mode=batch --batch_size=100 ...
//
// Each client is a thread with one call outstanding at a time (closed loop),
// redeeming passes no one redeemed before. With --setup (default) it first
// creates a programme, issues --passes passes and registers a venue through
// the AdminService; without it (for passclear-empty-server) it makes up
// well-formed codes. Prints one JSON line with throughput and latency
// percentiles, and a Markdown table row.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "passclear/v1/admin.grpc.pb.h"
#include "passclear/v1/redemption.grpc.pb.h"
#include "server/pass_code.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50051", "server address");
ABSL_FLAG(std::string, label, "passclear", "name of this run in the report");
ABSL_FLAG(int, clients, 32, "concurrent clients (threads)");
ABSL_FLAG(int, channels, 4, "gRPC connections shared by the clients");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(10), "measured run time");
ABSL_FLAG(std::string, mode, "unary",
          "'unary' (Redeem), 'batch' (RedeemBatch) or 'stream' (RedeemStream)");
ABSL_FLAG(int, batch_size, 100,
          "items per RedeemBatch in batch mode; requests in flight per "
          "stream in stream mode");
ABSL_FLAG(bool, setup, true, "create a programme, passes and a venue first");
ABSL_FLAG(int, passes, 200000, "passes to issue with --setup");

namespace passclear {
namespace {

struct Scheme {
  uint64_t venue_id = 1;
  std::vector<std::string> codes;
};

Scheme SetUp(v1::AdminService::Stub& admin, int passes) {
  Scheme scheme;
  v1::CreateProgrammeRequest programme_request;
  programme_request.set_sponsor("Load test");
  programme_request.set_name("Load test");
  programme_request.set_face_value_cents(1000);
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  programme_request.mutable_valid_from()->set_seconds(now - 86400);
  programme_request.mutable_valid_until()->set_seconds(now + 86400 * 365);
  v1::Programme programme;
  grpc::ClientContext programme_context;
  if (!admin.CreateProgramme(&programme_context, programme_request, &programme)
           .ok()) {
    std::cerr << "CreateProgramme failed\n";
    std::exit(1);
  }
  while (static_cast<int>(scheme.codes.size()) < passes) {
    v1::IssueBookletsRequest issue;
    issue.set_programme_id(programme.programme_id());
    issue.set_booklet_count(1000);
    issue.set_booklet_size(10);
    v1::IssueBookletsResponse issued;
    grpc::ClientContext context;
    if (!admin.IssueBooklets(&context, issue, &issued).ok()) {
      std::cerr << "IssueBooklets failed\n";
      std::exit(1);
    }
    for (const v1::Booklet& booklet : issued.booklets()) {
      scheme.codes.insert(scheme.codes.end(), booklet.codes().begin(),
                          booklet.codes().end());
    }
  }
  v1::RegisterVenueRequest venue_request;
  venue_request.set_name("Load test venue");
  venue_request.add_accepted_programme_ids(programme.programme_id());
  venue_request.set_labelled(true);
  venue_request.set_address("1 place de la Mairie, 79000 Niort");
  venue_request.set_siret("73282932000074");
  venue_request.set_iban("FR76 3000 6000 0112 3456 7890 189");
  venue_request.set_bic("AGRIFRPP");
  v1::Venue venue;
  grpc::ClientContext venue_context;
  if (!admin.RegisterVenue(&venue_context, venue_request, &venue).ok()) {
    std::cerr << "RegisterVenue failed\n";
    std::exit(1);
  }
  scheme.venue_id = venue.venue_id();
  return scheme;
}

Scheme MadeUpScheme(int passes) {
  Scheme scheme;
  for (int i = 1; i <= passes; ++i) {
    scheme.codes.push_back(FormatPassCode({.serial = uint64_t(i), .tag = 0}));
  }
  return scheme;
}

// Latencies of one client, in microseconds.
struct ClientResult {
  std::vector<int64_t> latencies_us;
  int64_t redeemed = 0;  // passes (items) answered REDEEMED
  int64_t errors = 0;
};

// One client in stream mode: one RedeemStream call for the whole run, with
// up to `window` requests in flight; a reader thread matches answers to
// requests by request id.
void RunStreamClient(v1::RedemptionService::Stub& stub, const Scheme& scheme,
                     const std::string& terminal, int window, absl::Time end,
                     std::atomic<size_t>& next_code, ClientResult& result) {
  grpc::ClientContext context;
  auto stream = stub.RedeemStream(&context);
  absl::Mutex mu;
  absl::flat_hash_map<std::string, absl::Time> sent_at;
  int outstanding = 0;
  std::thread reader([&] {
    v1::RedeemResponse response;
    while (stream->Read(&response)) {
      absl::MutexLock lock(&mu);
      auto it = sent_at.find(response.request_id());
      if (it == sent_at.end()) continue;
      result.latencies_us.push_back(
          absl::ToInt64Microseconds(absl::Now() - it->second));
      sent_at.erase(it);
      --outstanding;
      result.redeemed += response.result() == v1::REDEEM_RESULT_REDEEMED;
    }
  });
  while (absl::Now() < end) {
    const size_t index = next_code.fetch_add(1);
    v1::RedeemRequest request;
    request.set_code(scheme.codes[index % scheme.codes.size()]);
    request.set_venue_id(scheme.venue_id);
    request.set_terminal_id(terminal);
    request.set_request_id(absl::StrCat(index));
    {
      absl::MutexLock lock(&mu);
      const auto has_room = [&] { return outstanding < window; };
      mu.Await(absl::Condition(&has_room));
      ++outstanding;
      sent_at[request.request_id()] = absl::Now();
    }
    if (!stream->Write(request)) break;
  }
  stream->WritesDone();
  reader.join();
  if (!stream->Finish().ok()) ++result.errors;
}

double Percentile(const std::vector<int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t index = static_cast<size_t>(p * (sorted.size() - 1) + 0.5);
  return sorted[index] / 1000.0;  // milliseconds
}

}  // namespace

int Main() {
  const std::string target = absl::GetFlag(FLAGS_target);
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < absl::GetFlag(FLAGS_channels); ++i) {
    grpc::ChannelArguments arguments;
    arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    channels.push_back(grpc::CreateCustomChannel(
        target, grpc::InsecureChannelCredentials(), arguments));
  }
  const Scheme scheme = absl::GetFlag(FLAGS_setup)
                            ? SetUp(*v1::AdminService::NewStub(channels[0]),
                                    absl::GetFlag(FLAGS_passes))
                            : MadeUpScheme(absl::GetFlag(FLAGS_passes));
  const std::string mode = absl::GetFlag(FLAGS_mode);
  const bool batch = mode == "batch";
  const bool stream = mode == "stream";
  const int batch_size = batch || stream ? absl::GetFlag(FLAGS_batch_size) : 1;
  const int clients = absl::GetFlag(FLAGS_clients);

  std::atomic<size_t> next_code{0};
  std::vector<ClientResult> results(clients);
  const absl::Time end = absl::Now() + absl::GetFlag(FLAGS_duration);
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      auto stub = v1::RedemptionService::NewStub(channels[c % channels.size()]);
      ClientResult& result = results[c];
      // Unique per run, so that request ids never collide with an earlier
      // run's against the same server.
      const std::string terminal = absl::StrCat("load-", getpid(), "-", c);
      if (stream) {
        RunStreamClient(*stub, scheme, terminal, batch_size, end, next_code,
                        result);
        return;
      }
      while (absl::Now() < end) {
        const size_t first = next_code.fetch_add(batch_size);
        const absl::Time start = absl::Now();
        grpc::ClientContext context;
        grpc::Status status;
        if (!batch) {
          v1::RedeemRequest request;
          request.set_code(scheme.codes[first % scheme.codes.size()]);
          request.set_venue_id(scheme.venue_id);
          request.set_terminal_id(terminal);
          request.set_request_id(absl::StrCat(first));
          v1::RedeemResponse response;
          status = stub->Redeem(&context, request, &response);
          result.redeemed +=
              status.ok() && response.result() == v1::REDEEM_RESULT_REDEEMED;
        } else {
          v1::RedeemBatchRequest request;
          request.set_venue_id(scheme.venue_id);
          request.set_terminal_id(terminal);
          for (int i = 0; i < batch_size; ++i) {
            v1::RedeemBatchItem* item = request.add_items();
            item->set_code(scheme.codes[(first + i) % scheme.codes.size()]);
            item->set_request_id(absl::StrCat(first + i));
          }
          v1::RedeemBatchResponse response;
          status = stub->RedeemBatch(&context, request, &response);
          for (const v1::RedeemResponse& item : response.results()) {
            result.redeemed += item.result() == v1::REDEEM_RESULT_REDEEMED;
          }
        }
        if (!status.ok()) ++result.errors;
        result.latencies_us.push_back(
            absl::ToInt64Microseconds(absl::Now() - start));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  std::vector<int64_t> latencies;
  int64_t redeemed = 0;
  int64_t errors = 0;
  for (const ClientResult& result : results) {
    latencies.insert(latencies.end(), result.latencies_us.begin(),
                     result.latencies_us.end());
    redeemed += result.redeemed;
    errors += result.errors;
  }
  std::sort(latencies.begin(), latencies.end());
  const double seconds = absl::ToDoubleSeconds(absl::GetFlag(FLAGS_duration));
  const double calls_per_second = latencies.size() / seconds;
  const double redeemed_per_second = redeemed / seconds;
  const std::string label = absl::GetFlag(FLAGS_label);
  std::cout << absl::StrFormat(
      "{\"label\":\"%s\",\"mode\":\"%s\",\"clients\":%d,\"batch_size\":%d,"
      "\"calls_per_second\":%.0f,\"redeemed_per_second\":%.0f,"
      "\"errors\":%d,\"p50_ms\":%.2f,\"p90_ms\":%.2f,\"p99_ms\":%.2f,"
      "\"p999_ms\":%.2f,\"max_ms\":%.2f}\n",
      label, mode.c_str(), clients, batch_size, calls_per_second,
      redeemed_per_second, errors, Percentile(latencies, 0.5),
      Percentile(latencies, 0.9), Percentile(latencies, 0.99),
      Percentile(latencies, 0.999), Percentile(latencies, 1.0));
  std::cout << absl::StrFormat(
      "| %s | %s | %d | %d | %.0f | %.0f | %d | %.2f | %.2f | %.2f |\n", label,
      mode.c_str(), clients, batch_size, calls_per_second, redeemed_per_second,
      errors, Percentile(latencies, 0.5), Percentile(latencies, 0.99),
      Percentile(latencies, 1.0));
  return errors == 0 ? 0 : 1;
}

}  // namespace passclear

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return passclear::Main();
}
