// passclear-server: the redemption clearing service.
//
//   passclear-server --data_dir=/var/lib/passclear --listen=0.0.0.0:50051
//
// Logs its configuration at start, answers gRPC (with the health service and
// reflection), and on SIGTERM or SIGINT stops taking calls, lets in-flight
// ones finish within --shutdown_timeout, makes every queued write durable
// and closes the store cleanly.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "server/access_control.h"
#include "server/admin_service.h"
#include "server/audit_log.h"
#include "server/clearing_service.h"
#include "server/demo_data.h"
#include "server/durable_file.h"
#include "server/health_reporter.h"
#include "server/identity_service.h"
#include "server/log.h"
#include "server/metrics_endpoint.h"
#include "server/operations_service.h"
#include "server/partition_setup.h"
#include "server/redeem_call_queue.h"
#include "server/redemption_metrics.h"
#include "server/redemption_service.h"
#include "server/rpc_metrics.h"
#include "server/store_collector.h"
#include "server/terminal_limiter.h"
#include "server/transport_security.h"
#include "storage/backup.h"
#include "storage/identity_store.h"
#include "storage/pass_store.h"
#include "storage/venue_identifiers.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051",
          "gRPC listen address, host:port; port 0 picks a free port (see "
          "--port_file)");
ABSL_FLAG(std::string, data_dir, "passclear-data",
          "directory of the RocksDB store; created if missing");
ABSL_FLAG(uint32_t, shards, 16,
          "pass shards (column families) of a new store; an existing store "
          "must be opened with the count it was created with");
ABSL_FLAG(
    uint32_t, writer_lanes, 0,
    "threads committing redemptions, each owning shard % lanes; 0: one "
    "per two CPU cores, at least 1 (on 2 cores one lane halves the "
    "latency of four: bench/results/2026-11-24-postgres-and-open-loop.md)");
ABSL_FLAG(std::string, partition_map, "",
          "the partition map shared by every instance of a scheme split "
          "across several servers (see deploy/partition-map.example); "
          "empty: this server owns every shard");
ABSL_FLAG(std::string, instance, "",
          "with --partition_map: this server's instance name in the map");
ABSL_FLAG(std::string, scheme_secret_file, "",
          "a file of at least 32 secret bytes every instance of a "
          "partitioned scheme shares: programme keys and credentials derive "
          "from it (required with --partition_map)");
ABSL_FLAG(uint32_t, block_cache_mb, 512,
          "RocksDB block cache shared by all column families, in MiB (the "
          "uncompressed blocks of recently read passes); the server's memory "
          "grows by about this much once warm");
ABSL_FLAG(absl::Duration, answer_ttl, absl::Hours(24 * 30),
          "how long the answer to a request replays to a retry of the same "
          "request id (at least --cancel_window); older answers are dropped "
          "by compactions and a late retry is decided afresh");
ABSL_FLAG(absl::Duration, retention, absl::Hours(24 * 3653),
          "a programme's passes, claim lines and journal are purged this "
          "long after it closed (10 years: French accounting records); its "
          "signed batch records stay");
ABSL_FLAG(uint32_t, min_free_disk_mb, 256,
          "the store refuses writes (UNAVAILABLE, health NOT_SERVING) while "
          "its disk has less free space than this, and resumes by itself once "
          "space is freed: RocksDB keeps room to flush and compact");
ABSL_FLAG(std::string, backup_dir, "",
          "directory the CreateBackup call writes backups to, best on another "
          "disk; empty: <data_dir>-backups beside the data directory");
ABSL_FLAG(absl::Duration, max_offline_scan_age, absl::Hours(24 * 7),
          "how old an offline scan (scanned_at) may be when it reaches the "
          "server; older ones are answered SCAN_TOO_OLD");
ABSL_FLAG(bool, refuse_scans_before_enrolment, true,
          "answer SCAN_TOO_OLD to an offline scan dated before its "
          "terminal's enrolment");
ABSL_FLAG(absl::Duration, cancel_window, absl::Minutes(15),
          "how long after a redemption its terminal may cancel it");
ABSL_FLAG(std::string, durability, "sync",
          "'sync': answer only after the write-ahead log is on disk. "
          "'async': EXPERIMENTS ONLY, a crash or power cut loses redemptions "
          "that were already confirmed to terminals");
ABSL_FLAG(uint32_t, max_batch_items, 1000,
          "most items in one RedeemBatch, 1 to 1000");
ABSL_FLAG(bool, demo_data, true,
          "load a demo programme, 123 booklets and a venue into a new store");
ABSL_FLAG(std::string, port_file, "",
          "if set, write the bound port there once serving (for tests and "
          "scripts using --listen with port 0)");
ABSL_FLAG(absl::Duration, shutdown_timeout, absl::Seconds(10),
          "how long in-flight calls may take to finish on SIGTERM");
ABSL_FLAG(std::string, tls_cert_file, "",
          "PEM certificate chain of the gRPC port; with --tls_key_file, "
          "serves TLS");
ABSL_FLAG(std::string, tls_key_file, "", "PEM private key of the certificate");
ABSL_FLAG(std::string, tls_client_ca_file, "",
          "PEM CA: clients (terminals) must present a certificate it signed "
          "(mutual TLS)");
ABSL_FLAG(bool, allow_plaintext, false,
          "accept plaintext gRPC on a non-loopback --listen (a warning is "
          "logged); otherwise such a start is refused");
ABSL_FLAG(uint32_t, max_concurrent_streams, 100,
          "most calls (streams) in flight on one client connection");
ABSL_FLAG(double, terminal_rate, 1000,
          "calls (or RedeemBatch items) per second one terminal may sustain; "
          "0 turns the limit off");
ABSL_FLAG(double, terminal_burst, 2000,
          "calls one terminal may send at once after a quiet period");
ABSL_FLAG(uint32_t, counterfeit_lockout_threshold, 20,
          "counterfeit codes from one terminal within 10 minutes that lock it "
          "out; 0 turns the lock-out off");
ABSL_FLAG(absl::Duration, counterfeit_lockout, absl::Hours(1),
          "how long a terminal stays locked out");
ABSL_FLAG(std::string, metrics_listen, "127.0.0.1:9464",
          "HTTP address serving Prometheus metrics at /metrics; port 0 picks "
          "a free port (see --metrics_port_file)");
ABSL_FLAG(std::string, metrics_port_file, "",
          "if set, write the metrics port there once serving");
ABSL_FLAG(std::string, cycle_period, "monthly",
          "length of a clearing cycle: 'monthly' (calendar months, UTC) or a "
          "duration such as '24h'");
ABSL_FLAG(uint32_t, max_batch_lines, 10000,
          "a venue's claim batch closes when it holds this many lines");
ABSL_FLAG(std::string, mandatary_name, "Mandataire de paiement (demo)",
          "name of the account SEPA transfers are paid from");
ABSL_FLAG(std::string, mandatary_iban, "FR76 3000 4000 0312 3456 7890 143",
          "IBAN of the account SEPA transfers are paid from");
ABSL_FLAG(std::string, mandatary_bic, "BNPAFRPPXXX",
          "BIC of the account SEPA transfers are paid from");
ABSL_FLAG(std::string, admin_token_file, "",
          "where a new store's first admin credential is written (mode 0600); "
          "default <data_dir>/admin-token");
ABSL_FLAG(std::string, audit_log, "",
          "file refused calls and identity changes are appended to, one JSON "
          "object per line; default <data_dir>/audit.log");

namespace passclear {

// The API promises batches of up to 1,000 items.
constexpr uint32_t kMaxBatchItemsLimit = 1000;

// The signal handler only writes the signal number to a pipe that the main
// thread reads: a handler, unlike sigwait, works whatever thread the kernel
// picks, including threads that libraries start before main().
int termination_pipe[2] = {-1, -1};

void OnTerminationSignal(int signal) {
  const char byte = static_cast<char>(signal);
  (void)!write(termination_pipe[1], &byte, 1);
}

bool InstallTerminationHandler() {
  if (pipe(termination_pipe) != 0) return false;
  struct sigaction action = {};
  action.sa_handler = OnTerminationSignal;
  sigemptyset(&action.sa_mask);
  return sigaction(SIGINT, &action, nullptr) == 0 &&
         sigaction(SIGTERM, &action, nullptr) == 0;
}

int WaitForTerminationSignal() {
  char byte = 0;
  while (read(termination_pipe[0], &byte, 1) != 1) {
    // Interrupted: read again.
  }
  return byte;
}

namespace {

// Every method the server answers, "/package.Service/Method": passclear's
// own services, the health service and reflection.
std::vector<std::string> ServedMethods() {
  std::vector<std::string> methods = {
      "/grpc.health.v1.Health/Check", "/grpc.health.v1.Health/Watch",
      "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"};
  for (const char* service : {v1::RedemptionService::service_full_name(),
                              v1::AdminService::service_full_name(),
                              v1::ClearingService::service_full_name(),
                              v1::IdentityService::service_full_name(),
                              v1::OperationsService::service_full_name()}) {
    const google::protobuf::ServiceDescriptor* descriptor =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
            service);
    for (int i = 0; descriptor != nullptr && i < descriptor->method_count();
         ++i) {
      methods.push_back(
          absl::StrCat("/", service, "/", descriptor->method(i)->name()));
    }
  }
  return methods;
}

// --backup_dir, or the data directory's sibling "<name>-backups".
std::string BackupDir() {
  const std::string flag = absl::GetFlag(FLAGS_backup_dir);
  if (!flag.empty()) return flag;
  std::filesystem::path data = absl::GetFlag(FLAGS_data_dir);
  data = data.lexically_normal();
  if (!data.has_filename()) data = data.parent_path();  // a trailing '/'
  return data.string() + "-backups";
}

// --writer_lanes, 0 resolved to one lane per two cores. More lanes than
// cores only add thread hand-offs to each redemption's path.
uint32_t WriterLanes(uint32_t flag) {
  if (flag != 0) return flag;
  return std::max(1u, std::thread::hardware_concurrency() / 2);
}

// Written to a temporary name then renamed, so a reader never sees half.
bool WritePortFile(const std::string& path, int port) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary);
    out << port << '\n';
    if (!out.flush()) return false;
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  return !error;
}

// A store without an active admin (a new one) gets one, named "admin", whose
// token is written to `path` only: never logged.
absl::Status BootstrapAdmin(storage::IdentityStore& identities,
                            const std::string& path) {
  if (identities.HasActiveAdmin()) return absl::OkStatus();
  absl::StatusOr<storage::IssuedCredential> admin =
      identities.CreateAccount("admin", storage::Role::kAdmin, 0);
  if (!admin.ok()) return admin.status();
  // Durable before the server answers anything: a power cut must not leave
  // a store whose only admin has no token file.
  absl::Status written =
      WriteFileDurably(path, absl::StrCat(admin->token, "\n"));
  if (!written.ok()) {
    return absl::UnavailableError(
        absl::StrCat("cannot write the admin token: ", written.message()));
  }
  LogInfo(
      absl::StrCat("created the first admin identity 'admin'; its token "
                   "is in ",
                   path));
  return absl::OkStatus();
}

int Run() {
  const std::string durability = absl::GetFlag(FLAGS_durability);
  if (durability != "sync" && durability != "async") {
    LogError(absl::StrCat("--durability must be 'sync' or 'async', got '",
                          durability, "'"));
    return 2;
  }
  const uint32_t max_batch_items = absl::GetFlag(FLAGS_max_batch_items);
  if (max_batch_items < 1 || max_batch_items > kMaxBatchItemsLimit) {
    LogError(absl::StrCat("--max_batch_items must be between 1 and ",
                          kMaxBatchItemsLimit, " (the API's limit), got ",
                          max_batch_items));
    return 2;
  }
  std::optional<absl::Duration> cycle_period;
  if (const std::string period = absl::GetFlag(FLAGS_cycle_period);
      period != "monthly") {
    absl::Duration duration;
    if (!absl::ParseDuration(period, &duration) ||
        duration < absl::Minutes(1)) {
      LogError(
          absl::StrCat("--cycle_period must be 'monthly' or a duration "
                       "of at least 1m, got '",
                       period, "'"));
      return 2;
    }
    cycle_period = duration;
  }
  const uint32_t max_batch_lines = absl::GetFlag(FLAGS_max_batch_lines);
  if (max_batch_lines < 1) {
    LogError("--max_batch_lines must be at least 1");
    return 2;
  }
  absl::StatusOr<std::string> mandatary_iban = storage::NormalizeIban(
      "--mandatary_iban", absl::GetFlag(FLAGS_mandatary_iban));
  absl::Status mandatary_bic =
      storage::CheckBic("--mandatary_bic", absl::GetFlag(FLAGS_mandatary_bic));
  if (!mandatary_iban.ok() || !mandatary_bic.ok()) {
    LogError(std::string(mandatary_iban.ok()
                             ? mandatary_bic.message()
                             : mandatary_iban.status().message()));
    return 2;
  }
  const SepaAccount mandatary{.name = absl::GetFlag(FLAGS_mandatary_name),
                              .iban = *mandatary_iban,
                              .bic = absl::GetFlag(FLAGS_mandatary_bic)};
  const absl::Time started_at = absl::Now();
  auto registry = std::make_shared<prometheus::Registry>();
  RedemptionMetrics metrics(*registry);
  const std::string listen = absl::GetFlag(FLAGS_listen);
  absl::StatusOr<ServerTransport> transport = ChooseTransport(
      {.listen = listen,
       .cert_file = absl::GetFlag(FLAGS_tls_cert_file),
       .key_file = absl::GetFlag(FLAGS_tls_key_file),
       .client_ca_file = absl::GetFlag(FLAGS_tls_client_ca_file),
       .allow_plaintext = absl::GetFlag(FLAGS_allow_plaintext)});
  if (!transport.ok()) {
    LogError(std::string(transport.status().message()));
    return 2;
  }
  storage::PassStoreOptions options{
      .path = absl::GetFlag(FLAGS_data_dir),
      .shard_count = absl::GetFlag(FLAGS_shards),
      .writer_lanes = WriterLanes(absl::GetFlag(FLAGS_writer_lanes)),
      .sync_writes = durability == "sync",
      .cancel_window = absl::GetFlag(FLAGS_cancel_window),
      .max_scan_age = absl::GetFlag(FLAGS_max_offline_scan_age),
      .refuse_scans_before_enrolment =
          absl::GetFlag(FLAGS_refuse_scans_before_enrolment),
      .block_cache_bytes = size_t{absl::GetFlag(FLAGS_block_cache_mb)} << 20,
      .min_free_disk_bytes = uint64_t{absl::GetFlag(FLAGS_min_free_disk_mb)}
                             << 20,
      .answer_ttl = absl::GetFlag(FLAGS_answer_ttl),
      .max_batch_lines = max_batch_lines,
      .cycle_period = cycle_period,
      .history_retention = absl::GetFlag(FLAGS_retention),
      .on_group_commit = [&metrics](size_t operations,
                                    absl::Duration write_time) {
        metrics.ObserveGroupCommit(operations, write_time);
      }};
  if (absl::Status partitioned = ApplyPartitionFlags(
          {.partition_map = absl::GetFlag(FLAGS_partition_map),
           .instance = absl::GetFlag(FLAGS_instance),
           .scheme_secret_file = absl::GetFlag(FLAGS_scheme_secret_file),
           .demo_data = absl::GetFlag(FLAGS_demo_data)},
          options);
      !partitioned.ok()) {
    LogError(std::string(partitioned.message()));
    return 2;
  }
  LogInfo(absl::StrCat(
      "passclear-server starting: listen=", listen,
      " transport=", transport->description, " data_dir=", options.path,
      " shards=", options.shard_count,
      " owned_shards=", options.first_owned_shard, "-",
      std::min(options.last_owned_shard, options.shard_count - 1), " instance=",
      absl::GetFlag(FLAGS_instance), " writer_lanes=", options.writer_lanes,
      " block_cache_mb=", absl::GetFlag(FLAGS_block_cache_mb),
      " min_free_disk_mb=", absl::GetFlag(FLAGS_min_free_disk_mb),
      " durability=", durability,
      " cancel_window=", absl::FormatDuration(options.cancel_window),
      " answer_ttl=", absl::FormatDuration(options.answer_ttl),
      " retention=", absl::FormatDuration(options.history_retention),
      " max_batch_items=", max_batch_items, " demo_data=",
      absl::GetFlag(FLAGS_demo_data) ? "true" : "false", " shutdown_timeout=",
      absl::FormatDuration(absl::GetFlag(FLAGS_shutdown_timeout)),
      " cycle_period=", absl::GetFlag(FLAGS_cycle_period), " metrics_listen=",
      absl::GetFlag(FLAGS_metrics_listen), " max_batch_lines=", max_batch_lines,
      " terminal_rate=", absl::GetFlag(FLAGS_terminal_rate),
      " terminal_burst=", absl::GetFlag(FLAGS_terminal_burst)));
  if (!options.sync_writes) {
    LogWarning(
        "--durability=async: redemptions are confirmed before they are on "
        "disk; a crash or power cut loses them. Never run a real scheme "
        "like this.");
  }
  absl::StatusOr<std::unique_ptr<storage::PassStore>> store =
      storage::PassStore::Open(options);
  if (!store.ok()) {
    LogError(absl::StrCat("cannot open the store: ", store.status().message()));
    return 1;
  }
  // What opening recovered, and later what the store finishes by itself.
  (*store)->database().log().Attach(
      [](storage::StoreLog::Level level, absl::string_view text) {
        level == storage::StoreLog::Level::kWarning ? LogWarning(text)
                                                    : LogInfo(text);
      });
  if (absl::GetFlag(FLAGS_demo_data)) {
    const std::string codes_path =
        (std::filesystem::path(options.path) / "demo-codes.txt").string();
    if (absl::Status status = LoadDemoData(**store, codes_path); !status.ok()) {
      LogError(absl::StrCat("cannot load demo data: ", status.message()));
      return 1;
    }
  }

  absl::StatusOr<std::unique_ptr<storage::IdentityStore>> identities =
      storage::IdentityStore::Open((*store)->database(),
                                   [&store] { return (*store)->Now(); });
  if (!identities.ok()) {
    LogError(absl::StrCat("cannot load identities: ",
                          identities.status().message()));
    return 1;
  }
  const std::filesystem::path data_dir(options.path);
  std::string admin_token_file = absl::GetFlag(FLAGS_admin_token_file);
  if (admin_token_file.empty()) {
    admin_token_file = (data_dir / "admin-token").string();
  }
  if (absl::Status status = BootstrapAdmin(**identities, admin_token_file);
      !status.ok()) {
    LogError(std::string(status.message()));
    return 1;
  }
  std::string audit_path = absl::GetFlag(FLAGS_audit_log);
  if (audit_path.empty()) audit_path = (data_dir / "audit.log").string();
  absl::StatusOr<std::unique_ptr<AuditLog>> audit = AuditLog::Open(audit_path);
  if (!audit.ok()) {
    LogError(std::string(audit.status().message()));
    return 1;
  }
  AccessControl access(**identities, *registry, **audit);

  auto collector = std::make_shared<StoreCollector>(
      **store,
      BuildInfo{.version = PASSCLEAR_VERSION,
                .git_commit = PASSCLEAR_GIT_COMMIT},
      started_at);
  absl::StatusOr<std::unique_ptr<MetricsEndpoint>> metrics_endpoint =
      MetricsEndpoint::Start(absl::GetFlag(FLAGS_metrics_listen),
                             {registry, collector});
  if (!metrics_endpoint.ok()) {
    LogError(std::string(metrics_endpoint.status().message()));
    return 1;
  }
  const std::string metrics_port_file = absl::GetFlag(FLAGS_metrics_port_file);
  if (!metrics_port_file.empty() &&
      !WritePortFile(metrics_port_file, (*metrics_endpoint)->port())) {
    LogError(
        absl::StrCat("cannot write --metrics_port_file ", metrics_port_file));
    return 1;
  }
  LogInfo(absl::StrCat("metrics on port ", (*metrics_endpoint)->port(),
                       " at /metrics"));

  TerminalLimiter limiter(
      {.rate_per_second = absl::GetFlag(FLAGS_terminal_rate),
       .burst = absl::GetFlag(FLAGS_terminal_burst),
       .counterfeit_threshold =
           absl::GetFlag(FLAGS_counterfeit_lockout_threshold),
       .lockout = absl::GetFlag(FLAGS_counterfeit_lockout)});
  RedemptionService redemption(**store, max_batch_items, metrics, limiter,
                               access);
  AdminService admin(**store, access);
  storage::BackupArchive backups(BackupDir());
  OperationsService operations(**store, backups, access);
  ClearingService clearing(**store, mandatary, absl::GetFlag(FLAGS_instance),
                           metrics, access);
  IdentityService identity(**identities, **store, access);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(std::make_unique<RpcMetricsInterceptorFactory>(
      *registry, ServedMethods()));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  int port = 0;
  if (!transport->warning.empty()) LogWarning(transport->warning);
  builder.AddListeningPort(listen, transport->credentials, &port);
  // A client holds bounded resources: so many calls per connection, 4 MB
  // per message (RedeemBatch's 1,000 items fit), and a dead peer is found by
  // keepalive pings.
  builder.SetMaxReceiveMessageSize(4 << 20);
  builder.AddChannelArgument(
      GRPC_ARG_MAX_CONCURRENT_STREAMS,
      static_cast<int>(absl::GetFlag(FLAGS_max_concurrent_streams)));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 60'000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20'000);
  builder.RegisterService(&redemption);
  builder.RegisterService(&admin);
  builder.RegisterService(&clearing);
  builder.RegisterService(&identity);
  builder.RegisterService(&operations);
  RedeemCallQueues redeem_calls(redemption, **store, builder);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    LogError(absl::StrCat("cannot listen on ", listen));
    return 1;
  }
  redeem_calls.Start();
  const std::string port_file = absl::GetFlag(FLAGS_port_file);
  if (!port_file.empty() && !WritePortFile(port_file, port)) {
    LogError(absl::StrCat("cannot write --port_file ", port_file));
    return 1;
  }
  LogInfo(absl::StrCat("serving on port ", port));
  const storage::WriteHealth& write_health =
      (*store)->database().write_health();
  HealthReporter health(
      *server->GetHealthCheckService(),
      [&write_health] { return write_health.problem(); }, absl::Seconds(1));

  const int signal = WaitForTerminationSignal();
  LogInfo(absl::StrCat("signal ", signal, " received: draining"));
  health.Stop();
  server->GetHealthCheckService()->SetServingStatus(false);
  server->Shutdown(
      absl::ToChronoTime(absl::Now() + absl::GetFlag(FLAGS_shutdown_timeout)));
  redeem_calls.Shutdown();
  operations.Stop();
  (*store)->StopWriters();
  server.reset();
  metrics_endpoint->reset();  // its collector reads the store
  store->reset();
  LogInfo("stopped cleanly");
  return 0;
}

}  // namespace
}  // namespace passclear

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "passclear-server: redeems Pass Numérique passes over gRPC and keeps "
      "them in RocksDB. See --help for flags.");
  // Everything the server writes (the store, its backups, the admin token,
  // the demo codes, the audit log, port files) is its user's only, whatever
  // umask it was started with: the store holds the keys that sign pass codes.
  umask(S_IRWXG | S_IRWXO);
  absl::ParseCommandLine(argc, argv);
  // Debian's Abseil is built with its debug-only mutex deadlock detector on:
  // every lock then goes through one process-wide graph under a global lock
  // (GraphCycles in server profiles). Tests and sanitizer runs keep it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  if (!passclear::InstallTerminationHandler()) {
    passclear::LogError("cannot install the SIGTERM/SIGINT handler");
    return 1;
  }
  return passclear::Run();
}
