// libFuzzer target: arbitrary bytes sent as the request of any method of
// the API, under any role, through the real services (access control,
// validation, handlers) over an in-process gRPC channel to a real store.
// Every call must end with a status (never a crash, a hang or a sanitizer
// report), and the store must stay consistent: reconciliation finds no
// breach after any input.
//
// Input: byte 0 picks the method, byte 1 the caller (none, admin,
// mandatary, the terminal, the venue's back office), the rest is the
// serialized request. Bidirectional RedeemStream is left out (its messages
// are RedeemRequests, which Redeem covers through the same checks).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/stubs/logging.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/impl/codegen/client_unary_call.h"
#include "grpcpp/impl/rpc_method.h"
#include "passclear/v1/admin.grpc.pb.h"
#include "passclear/v1/clearing.grpc.pb.h"
#include "passclear/v1/identity.grpc.pb.h"
#include "passclear/v1/redemption.grpc.pb.h"
#include "prometheus/registry.h"
#include "server/access_control.h"
#include "server/admin_service.h"
#include "server/audit_log.h"
#include "server/clearing_service.h"
#include "server/identity_service.h"
#include "server/redeem_call_queue.h"
#include "server/redemption_metrics.h"
#include "server/redemption_service.h"
#include "server/terminal_limiter.h"
#include "storage/identity_store.h"
#include "storage/pass_store.h"
#include "storage/reconciliation.h"

namespace passclear {
namespace {

struct Method {
  std::string name;  // "/passclear.v1.Service/Method"
  bool server_streaming;
};

// Everything a request reaches, built once per fuzzing process.
struct Harness {
  std::string dir;
  std::unique_ptr<storage::PassStore> store;
  std::unique_ptr<storage::IdentityStore> identities;
  prometheus::Registry registry;
  std::unique_ptr<RedemptionMetrics> metrics;
  std::unique_ptr<TerminalLimiter> limiter;
  std::unique_ptr<AuditLog> audit;
  std::unique_ptr<AccessControl> access;
  std::unique_ptr<RedemptionService> redemption;
  std::unique_ptr<AdminService> admin;
  std::unique_ptr<ClearingService> clearing;
  std::unique_ptr<IdentityService> identity;
  std::unique_ptr<RedeemCallQueues> redeem_calls;
  std::unique_ptr<grpc::Server> server;
  std::shared_ptr<grpc::Channel> channel;
  std::vector<Method> methods;
  std::vector<std::string> tokens;  // index 0: no credential
};

template <typename T>
T Require(absl::StatusOr<T> value) {
  if (!value.ok()) std::abort();
  return *std::move(value);
}

std::vector<Method> AllMethods() {
  std::vector<Method> methods;
  for (const char* service : {v1::RedemptionService::service_full_name(),
                              v1::AdminService::service_full_name(),
                              v1::ClearingService::service_full_name(),
                              v1::IdentityService::service_full_name()}) {
    const auto* descriptor =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
            service);
    for (int i = 0; i < descriptor->method_count(); ++i) {
      const auto* method = descriptor->method(i);
      if (method->client_streaming()) continue;
      methods.push_back({absl::StrCat("/", service, "/", method->name()),
                         method->server_streaming()});
    }
  }
  return methods;
}

Harness& Build() {
  // Protobuf logs every string field that is not UTF-8: thousands of lines.
  google::protobuf::SetLogHandler(nullptr);
  auto* h = new Harness;
  char pattern[] = "/tmp/passclear-fuzz-XXXXXX";
  h->dir = mkdtemp(pattern);
  h->store = Require(storage::PassStore::Open(
      {.path = h->dir + "/data", .shard_count = 4, .sync_writes = false}));
  h->identities = Require(storage::IdentityStore::Open(
      h->store->database(), [] { return absl::Now(); }));
  h->metrics = std::make_unique<RedemptionMetrics>(h->registry);
  h->limiter = std::make_unique<TerminalLimiter>(TerminalLimits{});
  h->audit = Require(AuditLog::Open(h->dir + "/audit.log"));
  h->access =
      std::make_unique<AccessControl>(*h->identities, h->registry, *h->audit);
  h->redemption = std::make_unique<RedemptionService>(
      *h->store, 1000, *h->metrics, *h->limiter, *h->access);
  h->admin = std::make_unique<AdminService>(*h->store, *h->access);
  h->clearing = std::make_unique<ClearingService>(
      *h->store,
      SepaAccount{.name = "Fuzz",
                  .iban = "FR7630004000031234567890143",
                  .bic = "BNPAFRPPXXX"},
      /*instance=*/"", *h->metrics, *h->access);
  h->identity =
      std::make_unique<IdentityService>(*h->identities, *h->store, *h->access);
  grpc::ServerBuilder builder;
  builder.RegisterService(h->redemption.get());
  builder.RegisterService(h->admin.get());
  builder.RegisterService(h->clearing.get());
  builder.RegisterService(h->identity.get());
  h->redeem_calls =
      std::make_unique<RedeemCallQueues>(*h->redemption, *h->store, builder);
  h->server = builder.BuildAndStart();
  h->redeem_calls->Start();
  h->channel = h->server->InProcessChannel(grpc::ChannelArguments());
  h->methods = AllMethods();

  // A programme with a booklet and a venue, and one identity of each role.
  storage::Programme programme = Require(h->store->CreateProgramme(
      {.sponsor = "Fuzz",
       .name = "Fuzz",
       .face_value_cents = 1000,
       .valid_from = absl::Now() - absl::Hours(24),
       .valid_until = absl::Now() + absl::Hours(24 * 365)}));
  storage::Venue venue = Require(
      h->store->RegisterVenue({.name = "Venue",
                               .accepted_programme_ids = {programme.id},
                               .address = "1 rue de la Paix, 75002 Paris",
                               .siret = "73282932000074",
                               .iban = "FR7630006000011234567890189",
                               .bic = "AGRIFRPPXXX"}));
  (void)Require(h->store->IssueBooklets(programme.id, 2, 10));
  h->tokens.push_back("");
  h->tokens.push_back(
      Require(h->identities->CreateAccount("admin", storage::Role::kAdmin, 0))
          .token);
  h->tokens.push_back(Require(h->identities->CreateAccount(
                                  "mandatary", storage::Role::kMandatary, 0))
                          .token);
  const storage::Enrolment enrolment =
      Require(h->identities->EnrollTerminal("T-1", venue.id));
  h->tokens.push_back(
      Require(h->identities->ActivateTerminal(enrolment.activation_code))
          .token);
  h->tokens.push_back(Require(h->identities->CreateAccount(
                                  "office", storage::Role::kVenue, venue.id))
                          .token);
  return *h;
}

// Huge issuances are valid requests that take seconds: not what this
// target looks for.
bool TooCostly(const std::string& method, const std::string& body) {
  if (method != "/passclear.v1.AdminService/IssueBooklets") return false;
  v1::IssueBookletsRequest request;
  return !request.ParseFromString(body) ||
         uint64_t{request.booklet_count()} * request.booklet_size() > 1000;
}

}  // namespace
}  // namespace passclear

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace passclear;
  static Harness& h = Build();
  if (size < 2) return 0;
  const Method& method = h.methods[data[0] % h.methods.size()];
  const std::string& token = h.tokens[data[1] % h.tokens.size()];
  const std::string body(reinterpret_cast<const char*>(data) + 2, size - 2);
  if (TooCostly(method.name, body)) return 0;

  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
  grpc::Slice slice(body);
  grpc::ByteBuffer request(&slice, 1);
  grpc::Status status;
  if (method.server_streaming) {
    const grpc::internal::RpcMethod rpc(
        method.name.c_str(), grpc::internal::RpcMethod::SERVER_STREAMING);
    std::unique_ptr<grpc::ClientReader<grpc::ByteBuffer>> reader(
        grpc::internal::ClientReaderFactory<grpc::ByteBuffer>::Create(
            h.channel.get(), rpc, &context, request));
    grpc::ByteBuffer message;
    while (reader->Read(&message)) {
    }
    status = reader->Finish();
  } else {
    const grpc::internal::RpcMethod rpc(method.name.c_str(),
                                        grpc::internal::RpcMethod::NORMAL_RPC);
    grpc::ByteBuffer response;
    status = grpc::internal::BlockingUnaryCall(h.channel.get(), rpc, &context,
                                               request, &response);
  }
  // A deadline means a handler hung.
  if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) std::abort();
  // Whatever was accepted left the store consistent.
  absl::StatusOr<storage::ReconciliationReport> report =
      storage::Reconcile(h.store->database());
  if (!report.ok() || !report->breaches.empty()) std::abort();
  return 0;
}
