// passclear-load: a load generator for the redemption API, closed or open loop.
//
//   passclear-load --target=127.0.0.1:50051 --clients=32 --duration=10s
//   passclear-load --mode=batch --batch_size=100 ...
//   passclear-load --rate=5000 --clients=64 ...   # open loop
//
// Each client is a thread with one call outstanding at a time, redeeming
// passes no one redeemed before. Closed loop by default: each client sends
// its next call when the previous one is answered. With --rate (open loop)
// calls are due at a fixed rate whatever the answers, the clients taking
// them in turn, and each latency counts from when its call was due, so that
// a slow answer delaying the next calls shows in the percentiles (no
// coordinated omission) as long as --clients is large enough to keep up. With
// --setup (default) it first creates a programme, issues --passes passes and
// registers a venue through the AdminService; without it (for
// passclear-empty-server) it makes up well-formed codes. With
// --admin_token_file (a server with authentication) it sets up with the admin
// token and, before the measured run, enrols and activates each client's
// terminal for the venue, so that each client presents its own terminal's
// token. With --workload (a file from passclear-dataset) it replays that
// workload's unary requests instead, in order, each as its venue's enrolled
// terminal, until the workload or --duration ends, and counts the answers by
// result next to the answers the workload expected. Prints one JSON line with
// throughput and latency percentiles, and a Markdown table row.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/workload.h"
#include "clients/bearer_token.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "passclear/v1/admin.grpc.pb.h"
#include "passclear/v1/identity.grpc.pb.h"
#include "passclear/v1/redemption.grpc.pb.h"
#include "server/pass_code.h"
#include "storage/venue_identifiers.h"

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
ABSL_FLAG(double, rate, 0,
          "open loop: calls per second, due at fixed intervals (unary and "
          "batch modes); 0 for a closed loop");
ABSL_FLAG(bool, setup, true, "create a programme, passes and a venue first");
ABSL_FLAG(int, passes, 200000, "passes to issue with --setup");
ABSL_FLAG(int64_t, background_passes, 0,
          "with --setup, passes issued first and never redeemed (10 million "
          "per call, bulk-ingested): the store size the run is measured at");
ABSL_FLAG(std::string, workload, "",
          "replay this passclear-dataset workload (unary or open loop) "
          "instead of setting up and redeeming fresh passes");
ABSL_FLAG(std::string, admin_token_file, "",
          "the server's admin token (<data_dir>/admin-token): set up with it "
          "and enrol each client's terminal; empty for a server without "
          "authentication (passclear-empty-server)");

namespace passclear {
namespace {

// Set-up calls must succeed: the run would measure nothing otherwise.
void ExitUnlessOk(const grpc::Status& status, const std::string& call) {
  if (status.ok()) return;
  std::cerr << call << " failed: " << status.error_message() << "\n";
  std::exit(1);
}

struct Scheme {
  uint64_t venue_id = 1;
  std::vector<std::string> codes;
};

// Issues `passes` passes of `programme_id` in calls of up to 10 million,
// whose codes are not returned.
void IssueBackground(v1::AdminService::Stub& admin, uint64_t programme_id,
                     int64_t passes) {
  constexpr int64_t kMaxBookletsPerCall = 1'000'000;
  for (int64_t booklets = passes / 10; booklets > 0;) {
    v1::IssueBookletsRequest issue;
    issue.set_programme_id(programme_id);
    const int64_t count = std::min(booklets, kMaxBookletsPerCall);
    issue.set_booklet_count(static_cast<uint32_t>(count));
    issue.set_booklet_size(10);
    v1::IssueBookletsResponse issued;
    grpc::ClientContext context;
    ExitUnlessOk(admin.IssueBooklets(&context, issue, &issued),
                 "IssueBooklets (background)");
    booklets -= count;
  }
}

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
  ExitUnlessOk(
      admin.CreateProgramme(&programme_context, programme_request, &programme),
      "CreateProgramme");
  IssueBackground(admin, programme.programme_id(),
                  absl::GetFlag(FLAGS_background_passes));
  while (static_cast<int>(scheme.codes.size()) < passes) {
    v1::IssueBookletsRequest issue;
    issue.set_programme_id(programme.programme_id());
    issue.set_booklet_count(1000);
    issue.set_booklet_size(10);
    v1::IssueBookletsResponse issued;
    grpc::ClientContext context;
    ExitUnlessOk(admin.IssueBooklets(&context, issue, &issued),
                 "IssueBooklets");
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
  // Each run registers its own venue, and a SIRET is registered once.
  venue_request.set_siret(storage::SiretOfNumber(
      static_cast<uint64_t>(absl::ToUnixMicros(absl::Now()))));
  venue_request.set_iban("FR76 3000 6000 0112 3456 7890 189");
  venue_request.set_bic("AGRIFRPP");
  v1::Venue venue;
  grpc::ClientContext venue_context;
  ExitUnlessOk(admin.RegisterVenue(&venue_context, venue_request, &venue),
               "RegisterVenue");
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

// The terminal a client redeems as, at the scheme's one venue.
struct Terminal {
  std::string id;
  std::string token;  // empty without authentication
};

// Enrols the terminal for the venue and activates it, as an operator and
// then the terminal would; answers its token. Exits on failure.
std::string EnrolTerminal(v1::IdentityService::Stub& admin,
                          v1::IdentityService::Stub& anonymous,
                          const std::string& terminal_id, uint64_t venue_id) {
  v1::EnrollTerminalRequest enrol;
  enrol.set_terminal_id(terminal_id);
  enrol.set_venue_id(venue_id);
  v1::EnrollTerminalResponse enrolled;
  grpc::ClientContext enrol_context;
  ExitUnlessOk(admin.EnrollTerminal(&enrol_context, enrol, &enrolled),
               "EnrollTerminal");
  v1::ActivateTerminalRequest activate;
  activate.set_activation_code(enrolled.activation_code());
  v1::CredentialIssued issued;
  grpc::ClientContext activate_context;
  ExitUnlessOk(anonymous.ActivateTerminal(&activate_context, activate, &issued),
               "ActivateTerminal");
  return issued.token();
}

// Latencies of one client, in microseconds.
struct ClientResult {
  std::vector<int64_t> latencies_us;
  int64_t redeemed = 0;  // passes (items) answered REDEEMED
  int64_t errors = 0;
  // Workload replay: answers that were not the expected result, and every
  // answer by result.
  int64_t unexpected = 0;
  absl::flat_hash_map<v1::RedeemResult, int64_t> answers;
};

// Answers by result, as a JSON object: {"REDEEM_RESULT_REDEEMED":950,...}.
std::string AnswersJson(const std::vector<ClientResult>& results) {
  std::map<std::string, int64_t> answers;
  for (const ClientResult& result : results) {
    for (const auto& [answer, count] : result.answers) {
      answers[v1::RedeemResult_Name(answer)] += count;
    }
  }
  std::string json = "{";
  for (const auto& [name, count] : answers) {
    absl::StrAppend(&json, json.size() > 1 ? "," : "", "\"", name,
                    "\":", count);
  }
  return json + "}";
}

// One client in stream mode: one RedeemStream call for the whole run, with
// up to `window` requests in flight; a reader thread matches answers to
// requests by request id.
void RunStreamClient(v1::RedemptionService::Stub& stub, const Scheme& scheme,
                     const Terminal& terminal, int window, absl::Time end,
                     std::atomic<size_t>& next_code, ClientResult& result) {
  grpc::ClientContext context;
  AddBearerToken(context, terminal.token);
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
    request.set_terminal_id(terminal.id);
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
  if (const grpc::Status status = stream->Finish(); !status.ok()) {
    ++result.errors;
    std::cerr << absl::StrCat("stream of ", terminal.id,
                              " failed: ", status.error_code(), " ",
                              status.error_message(), "\n");
  }
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
  std::string admin_token;
  if (const std::string path = absl::GetFlag(FLAGS_admin_token_file);
      !path.empty()) {
    absl::StatusOr<std::string> token = ReadTokenFile(path);
    if (!token.ok()) {
      std::cerr << "--admin_token_file: " << token.status().message() << "\n";
      return 1;
    }
    admin_token = *std::move(token);
  }
  const int clients = absl::GetFlag(FLAGS_clients);
  Workload workload;
  if (const std::string path = absl::GetFlag(FLAGS_workload); !path.empty()) {
    absl::StatusOr<Workload> read = ReadWorkload(path);
    if (!read.ok()) {
      std::cerr << "--workload: " << read.status().message() << "\n";
      return 1;
    }
    workload = *std::move(read);
    if (absl::GetFlag(FLAGS_mode) != "unary") {
      std::cerr << "--workload replays unary Redeem calls: use --mode=unary\n";
      return 2;
    }
  }
  const bool replay = !workload.requests.empty();
  Scheme scheme;
  // Each client is one terminal, with its own token when the server wants
  // one; the clients still share the --channels connections, each call
  // carrying its terminal's token.
  std::vector<Terminal> terminals(clients);
  {
    // Dropped before the measured run: only the --channels connections
    // stay open. Without a token, set-up goes over channels[0] as it always
    // did (with one, activating the terminals warms that connection up).
    auto admin_channel =
        admin_token.empty()
            ? channels[0]
            : CreateChannelWithToken(target, grpc::InsecureChannelCredentials(),
                                     grpc::ChannelArguments(), admin_token);
    scheme = replay ? Scheme{}
             : absl::GetFlag(FLAGS_setup)
                 ? SetUp(*v1::AdminService::NewStub(admin_channel),
                         absl::GetFlag(FLAGS_passes))
                 : MadeUpScheme(absl::GetFlag(FLAGS_passes));
    auto identities = v1::IdentityService::NewStub(admin_channel);
    auto anonymous = v1::IdentityService::NewStub(channels[0]);
    for (int c = 0; c < clients; ++c) {
      // Unique per run, so that request ids never collide with an earlier
      // run's against the same server.
      terminals[c].id = absl::StrCat("load-", getpid(), "-", c);
      if (!admin_token.empty() && !replay) {
        terminals[c].token = EnrolTerminal(*identities, *anonymous,
                                           terminals[c].id, scheme.venue_id);
      }
    }
  }
  const std::string mode = absl::GetFlag(FLAGS_mode);
  const bool batch = mode == "batch";
  const bool stream = mode == "stream";
  const int batch_size = batch || stream ? absl::GetFlag(FLAGS_batch_size) : 1;

  const double rate = absl::GetFlag(FLAGS_rate);
  if (rate > 0 && stream) {
    std::cerr << "--rate applies to the unary and batch modes\n";
    return 2;
  }
  std::atomic<size_t> next_code{0};
  std::atomic<int64_t> next_arrival{0};
  std::vector<ClientResult> results(clients);
  const absl::Time begin = absl::Now();
  const absl::Time end = begin + absl::GetFlag(FLAGS_duration);
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      auto stub = v1::RedemptionService::NewStub(channels[c % channels.size()]);
      ClientResult& result = results[c];
      const Terminal& terminal = terminals[c];
      if (stream) {
        RunStreamClient(*stub, scheme, terminal, batch_size, end, next_code,
                        result);
        return;
      }
      while (absl::Now() < end) {
        absl::Time start = absl::Now();
        if (rate > 0) {
          // The next call due, whoever is free to send it.
          start = begin + absl::Seconds(next_arrival.fetch_add(1) / rate);
          if (start >= end) break;
          absl::SleepFor(start - absl::Now());
        }
        const size_t first = next_code.fetch_add(batch_size);
        grpc::ClientContext context;
        grpc::Status status;
        if (replay) {
          if (first >= workload.requests.size()) break;
          const WorkloadRequest& replayed = workload.requests[first];
          const WorkloadTerminal& at = workload.terminals.at(replayed.venue_id);
          AddBearerToken(context, at.token);
          v1::RedeemRequest request;
          request.set_code(replayed.code);
          request.set_venue_id(replayed.venue_id);
          request.set_terminal_id(at.terminal_id);
          request.set_request_id(absl::StrCat(getpid(), "-", first));
          v1::RedeemResponse response;
          status = stub->Redeem(&context, request, &response);
          if (status.ok()) {
            ++result.answers[response.result()];
            result.redeemed += response.result() == v1::REDEEM_RESULT_REDEEMED;
            result.unexpected +=
                v1::RedeemResult_Name(response.result()) != replayed.expected;
          }
        } else if (!batch) {
          AddBearerToken(context, terminal.token);
          v1::RedeemRequest request;
          request.set_code(scheme.codes[first % scheme.codes.size()]);
          request.set_venue_id(scheme.venue_id);
          request.set_terminal_id(terminal.id);
          request.set_request_id(absl::StrCat(first));
          v1::RedeemResponse response;
          status = stub->Redeem(&context, request, &response);
          result.redeemed +=
              status.ok() && response.result() == v1::REDEEM_RESULT_REDEEMED;
        } else {
          AddBearerToken(context, terminal.token);
          v1::RedeemBatchRequest request;
          request.set_venue_id(scheme.venue_id);
          request.set_terminal_id(terminal.id);
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
        if (!status.ok() && result.errors++ == 0) {
          std::cerr << absl::StrCat("client ", c,
                                    ": first error: ", status.error_code(), " ",
                                    status.error_message(), "\n");
        }
        result.latencies_us.push_back(
            absl::ToInt64Microseconds(absl::Now() - start));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  // A replay may end before --duration, and a closed loop's last calls
  // after it: rates are over the time the run really took.
  const double seconds = absl::ToDoubleSeconds(absl::Now() - begin);

  std::vector<int64_t> latencies;
  int64_t redeemed = 0;
  int64_t errors = 0;
  int64_t unexpected = 0;
  for (const ClientResult& result : results) {
    latencies.insert(latencies.end(), result.latencies_us.begin(),
                     result.latencies_us.end());
    redeemed += result.redeemed;
    errors += result.errors;
    unexpected += result.unexpected;
  }
  std::sort(latencies.begin(), latencies.end());
  const double calls_per_second = latencies.size() / seconds;
  const double redeemed_per_second = redeemed / seconds;
  const std::string label = absl::GetFlag(FLAGS_label);
  std::cout << absl::StrFormat(
      "{\"label\":\"%s\",\"mode\":\"%s\",\"clients\":%d,\"batch_size\":%d,"
      "\"offered_calls_per_second\":%.0f,"
      "\"calls_per_second\":%.0f,\"redeemed_per_second\":%.0f,"
      "\"errors\":%d,\"p50_ms\":%.2f,\"p90_ms\":%.2f,\"p99_ms\":%.2f,"
      "\"p999_ms\":%.2f,\"max_ms\":%.2f,\"seconds\":%.2f,"
      "\"unexpected\":%d,\"answers\":%s}\n",
      label, mode.c_str(), clients, batch_size, rate, calls_per_second,
      redeemed_per_second, errors, Percentile(latencies, 0.5),
      Percentile(latencies, 0.9), Percentile(latencies, 0.99),
      Percentile(latencies, 0.999), Percentile(latencies, 1.0), seconds,
      unexpected, AnswersJson(results));
  std::cout << absl::StrFormat(
      "| %s | %s | %d | %d | %s | %.0f | %.0f | %d | %.2f | %.2f | %.2f | "
      "%.2f |\n",
      label, mode.c_str(), clients, batch_size,
      rate > 0 ? absl::StrFormat("%.0f", rate) : "closed", calls_per_second,
      redeemed_per_second, errors, Percentile(latencies, 0.5),
      Percentile(latencies, 0.99), Percentile(latencies, 0.999),
      Percentile(latencies, 1.0));
  return errors == 0 ? 0 : 1;
}

}  // namespace passclear

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return passclear::Main();
}
