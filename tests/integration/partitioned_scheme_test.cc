// Three instances of one partitioned scheme on this machine, each owning a
// third of the shards: the catalog set up once through passctl reaches all
// of them alike, the terminal library routes each pass to its owner, each
// instance clears its own redemptions, and losing one instance holds back
// only its own serials (queued offline, uploaded once it is back).
#include <stdio.h>
#include <sys/wait.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "clients/bearer_token.h"
#include "clients/terminal_client.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "passclear/v1/admin.grpc.pb.h"
#include "passclear/v1/clearing.grpc.pb.h"
#include "passclear/v1/identity.grpc.pb.h"
#include "storage/partition_map.h"
#include "tests/integration/child_process.h"
#include "tests/integration/server_process.h"

namespace passclear::testing {
namespace {

constexpr int kInstances = 3;
constexpr uint32_t kShards = 12;
constexpr int kPasses = 40;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

struct PassctlRun {
  int exit_code = -1;
  std::string out;
};

class PartitionedSchemeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = MakeTempDir();
    map_path_ = directory_ + "/partition-map.txt";
    secret_path_ = directory_ + "/scheme-secret";
    std::ofstream(secret_path_) << "a-scheme-secret-of-more-than-32-bytes\n";
    std::string map = absl::StrCat("shards ", kShards, "\n");
    for (int i = 0; i < kInstances; ++i) {
      addresses_[i] = absl::StrCat("127.0.0.1:", FreeLoopbackPort());
      absl::StrAppend(&map, "instance pc-", i, " ", addresses_[i], " ", i * 4,
                      "-", i * 4 + 3, "\n");
    }
    std::ofstream(map_path_) << map;
    absl::StatusOr<storage::PartitionMap> parsed =
        storage::PartitionMap::Load(map_path_);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    map_.emplace(*std::move(parsed));
    for (int i = 0; i < kInstances; ++i) {
      StartInstance(i);
      ASSERT_TRUE(servers_[i]->running()) << "instance pc-" << i;
    }
  }

  void TearDown() override {
    for (auto& server : servers_) server.reset();
    std::filesystem::remove_all(directory_);
  }

  std::string DataDir(int i) const {
    return absl::StrCat(directory_, "/pc-", i);
  }

  void StartInstance(int i) {
    servers_[i].emplace(ServerProcess::Start(
        DataDir(i),
        {"--listen=" + addresses_[i], absl::StrCat("--shards=", kShards),
         "--partition_map=" + map_path_, absl::StrCat("--instance=pc-", i),
         "--scheme_secret_file=" + secret_path_}));
  }

  // passctl as an operator runs it, against the whole scheme.
  PassctlRun Passctl(const std::vector<std::string>& args,
                     const std::string& token_file,
                     const std::string& stderr_file = "") {
    std::string command = absl::StrCat("PASSCLEAR_PARTITION_MAP='", map_path_,
                                       "' PASSCLEAR_TOKEN_FILE='", token_file,
                                       "' ", PASSCLEAR_PASSCTL_BINARY);
    for (const std::string& arg : args)
      absl::StrAppend(&command, " '", arg, "'");
    if (!stderr_file.empty())
      absl::StrAppend(&command, " 2>'", stderr_file, "'");
    PassctlRun run;
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) return run;
    std::array<char, 4096> buffer;
    size_t read = 0;
    while ((read = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
      run.out.append(buffer.data(), read);
    }
    const int status = pclose(pipe);
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return run;
  }

  template <typename Message>
  Message PassctlJson(const std::vector<std::string>& args) {
    std::vector<std::string> with_json = {"--json"};
    with_json.insert(with_json.end(), args.begin(), args.end());
    const PassctlRun run = Passctl(with_json, AdminToken());
    EXPECT_EQ(run.exit_code, 0) << absl::StrJoin(args, " ") << "\n" << run.out;
    Message message;
    EXPECT_TRUE(
        google::protobuf::util::JsonStringToMessage(run.out, &message).ok())
        << run.out;
    return message;
  }

  std::string AdminToken() const { return DataDir(0) + "/admin-token"; }

  std::shared_ptr<grpc::Channel> Channel(int i, const std::string& token) {
    return CreateChannelWithToken(addresses_[i],
                                  grpc::InsecureChannelCredentials(),
                                  grpc::ChannelArguments(), token);
  }

  v1::ProgrammeUsage Usage(int i) {
    v1::ProgrammeRef ref;
    ref.set_programme_id(programme_id_);
    v1::ProgrammeUsage usage;
    grpc::ClientContext context;
    const grpc::Status status =
        v1::AdminService::NewStub(Channel(i, admin_token_))
            ->GetProgrammeUsage(&context, ref, &usage);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return usage;
  }

  TerminalClientOptions TerminalOptions() {
    return {.partitions = *map_,
            .token = *ReadTokenFile(directory_ + "/desk-1.token"),
            .venue_id = venue_id_,
            .terminal_id = "desk-1",
            .deadline = absl::Seconds(3),
            .max_attempts = 2,
            .initial_backoff = absl::Milliseconds(20),
            .max_backoff = absl::Milliseconds(200),
            .offline_queue_dir = directory_ + "/desk-1-queue"};
  }

  // The scheme, set up once through passctl: every instance gets it.
  void SetUpCatalog() {
    admin_token_ = *ReadTokenFile(AdminToken());
    const v1::Programme programme = PassctlJson<v1::Programme>(
        {"create-programme", "--sponsor=Agglomération du Val",
         "--name=Pass Numérique 2026",
         "--valid_from=" + absl::FormatTime(absl::RFC3339_full,
                                            absl::Now() - absl::Hours(24),
                                            absl::UTCTimeZone()),
         "--valid_until=" + absl::FormatTime(absl::RFC3339_full,
                                             absl::Now() + absl::Hours(24 * 60),
                                             absl::UTCTimeZone())});
    programme_id_ = programme.programme_id();
    ASSERT_NE(programme_id_, 0u);
    const v1::IssueBookletsResponse issued =
        PassctlJson<v1::IssueBookletsResponse>(
            {"issue-booklets", absl::StrCat("--programme=", programme_id_),
             absl::StrCat("--booklets=", kPasses / 10)});
    for (const v1::Booklet& booklet : issued.booklets()) {
      codes_.insert(codes_.end(), booklet.codes().begin(),
                    booklet.codes().end());
    }
    ASSERT_EQ(codes_.size(), static_cast<size_t>(kPasses));
    const v1::Venue venue = PassctlJson<v1::Venue>(
        {"register-venue", "--name=Médiathèque du Val",
         absl::StrCat("--programmes=", programme_id_),
         "--address=1 place de la Mairie, 26000 Valence",
         "--siret=73282932000074", "--iban=FR7630006000011234567890189",
         "--bic=AGRIFRPP"});
    venue_id_ = venue.venue_id();
    ASSERT_NE(venue_id_, 0u);
    const v1::EnrollTerminalResponse enrolled =
        PassctlJson<v1::EnrollTerminalResponse>(
            {"enroll-terminal", "desk-1", absl::StrCat(venue_id_)});
    ASSERT_FALSE(enrolled.activation_code().empty());
    ASSERT_EQ(Passctl({"activate-terminal", enrolled.activation_code(),
                       "--save_token=" + directory_ + "/desk-1.token"},
                      "")
                  .exit_code,
              0);
    ASSERT_EQ(Passctl({"create-account", "payments", "mandatary",
                       "--save_token=" + directory_ + "/mandatary.token"},
                      AdminToken())
                  .exit_code,
              0);
  }

  std::string directory_;
  std::string map_path_;
  std::string secret_path_;
  std::array<std::string, kInstances> addresses_;
  std::optional<storage::PartitionMap> map_;
  std::array<std::optional<ServerProcess>, kInstances> servers_;
  std::string admin_token_;
  uint64_t programme_id_ = 0;
  uint64_t venue_id_ = 0;
  std::vector<std::string> codes_;
};

TEST_F(PartitionedSchemeTest, RoutesRedeemsAndClearsAcrossInstances) {
  // Every instance derived the same first admin credential.
  for (int i = 1; i < kInstances; ++i) {
    EXPECT_EQ(ReadFile(DataDir(i) + "/admin-token"),
              ReadFile(DataDir(0) + "/admin-token"));
  }
  ASSERT_NO_FATAL_FAILURE(SetUpCatalog());

  // 30 scans through the library: each goes to its pass's owner.
  absl::StatusOr<std::unique_ptr<TerminalClient>> client =
      TerminalClient::Create(TerminalOptions());
  ASSERT_TRUE(client.ok()) << client.status();
  std::array<int64_t, kInstances> redeemed_on{};
  for (int i = 0; i < 30; ++i) {
    absl::StatusOr<ScanOutcome> outcome = (*client)->Redeem(codes_[i]);
    ASSERT_TRUE(outcome.ok()) << outcome.status();
    ASSERT_EQ(outcome->answer.result(), v1::REDEEM_RESULT_REDEEMED)
        << outcome->answer.message();
    ++redeemed_on[map_->IndexOfSerial(outcome->answer.serial())];
  }
  // Each instance stores and counts only its own passes; together, all.
  int64_t issued = 0;
  for (int i = 0; i < kInstances; ++i) {
    const v1::ProgrammeUsage usage = Usage(i);
    EXPECT_GT(usage.issued(), 0) << "pc-" << i;
    EXPECT_EQ(usage.redeemed(), redeemed_on[i]) << "pc-" << i;
    issued += usage.issued();
  }
  EXPECT_EQ(issued, kPasses);
  // passctl prints each instance's report, then the scheme-wide total.
  const PassctlRun usage = Passctl(
      {"usage", absl::StrCat("--programme=", programme_id_)}, AdminToken());
  EXPECT_EQ(usage.exit_code, 0) << usage.out;
  EXPECT_TRUE(absl::StrContains(usage.out, "# scheme total")) << usage.out;
  EXPECT_TRUE(absl::StrContains(
      usage.out, absl::StrCat("scheme-wide\nissued:          ", kPasses, "\n")))
      << usage.out;

  // An instance asked about another's pass says whose it is.
  const std::string foreign = codes_[30];
  const int owner =
      static_cast<int>(map_->IndexOfSerial(std::stoull(foreign.substr(0, 12))));
  const int other = (owner + 1) % kInstances;
  v1::RedeemRequest request;
  request.set_code(foreign);
  request.set_venue_id(venue_id_);
  request.set_terminal_id("desk-1");
  request.set_request_id("wrong-instance");
  v1::RedeemResponse response;
  grpc::ClientContext context;
  const grpc::Status misrouted =
      v1::RedemptionService::NewStub(
          Channel(other, *ReadTokenFile(directory_ + "/desk-1.token")))
          ->Redeem(&context, request, &response);
  EXPECT_EQ(misrouted.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  // The refusal names the owner, so that a client can route it there.
  const storage::PartitionInstance& owner_instance = map_->instances()[owner];
  EXPECT_TRUE(
      absl::StrContains(misrouted.error_message(),
                        absl::StrCat("which instance '", owner_instance.name,
                                     "' at ", owner_instance.address, " owns")))
      << misrouted.error_message();
  // passctl routes it.
  const PassctlRun check = Passctl({"check", codes_[0]}, AdminToken());
  EXPECT_EQ(check.exit_code, 0) << check.out;
  EXPECT_TRUE(absl::StrContains(check.out, "REDEEMED")) << check.out;

  // Voiding a lost booklet: each instance voids its own passes of it, and
  // the answers add up to the booklet.
  const PassctlRun voided = Passctl(
      {"void", absl::StrCat("--booklet=", kPasses / 10), "--reason=lost"},
      AdminToken());
  EXPECT_EQ(voided.exit_code, 0) << voided.out;
  const std::vector<std::string> lines =
      absl::StrSplit(voided.out, '\n', absl::SkipEmpty());
  EXPECT_EQ(lines.size(), 10u) << voided.out;
  for (const std::string& line : lines) {
    EXPECT_TRUE(absl::StartsWith(line, "VOID_RESULT_VOIDED: pass ")) << line;
  }

  // Clearing: each instance closes and pays its own venue batch.
  const PassctlRun closed = Passctl({"close-cycle"}, AdminToken());
  ASSERT_EQ(closed.exit_code, 0) << closed.out;
  const std::string mandatary = *ReadTokenFile(directory_ + "/mandatary.token");
  int64_t total_cents = 0;
  std::set<std::string> message_ids;
  for (int i = 0; i < kInstances; ++i) {
    v1::ListClosedBatchesResponse batches;
    grpc::ClientContext list_context;
    ASSERT_TRUE(v1::ClearingService::NewStub(Channel(i, mandatary))
                    ->ListClosedBatches(
                        &list_context, v1::ListClosedBatchesRequest(), &batches)
                    .ok());
    ASSERT_EQ(batches.batches_size(), 1) << "pc-" << i;
    const v1::ClaimBatch& batch = batches.batches(0);
    EXPECT_EQ(batch.line_count(), redeemed_on[i]) << "pc-" << i;
    total_cents += batch.total_cents();
    // Batch ids are per instance; payment file ids must not repeat.
    v1::ExportCreditTransfersRequest export_request;
    export_request.add_batch_ids(batch.batch_id());
    v1::ExportCreditTransfersResponse exported;
    grpc::ClientContext export_context;
    ASSERT_TRUE(
        v1::ClearingService::NewStub(Channel(i, mandatary))
            ->ExportCreditTransfers(&export_context, export_request, &exported)
            .ok());
    EXPECT_TRUE(message_ids.insert(exported.message_id()).second)
        << exported.message_id();
    EXPECT_TRUE(absl::StrContains(
        exported.xml(), absl::StrCat("<EndToEndId>pc-", i, "-B",
                                     batch.batch_id(), "-1</EndToEndId>")))
        << exported.xml();
    const PassctlRun paid =
        Passctl({"acknowledge", absl::StrCat("--instance=pc-", i),
                 absl::StrCat("--batch_id=", batch.batch_id()),
                 absl::StrCat("--reference=VIR-PC", i),
                 absl::StrCat("--amount_cents=", batch.total_cents())},
                directory_ + "/mandatary.token");
    EXPECT_EQ(paid.exit_code, 0) << paid.out;
  }
  EXPECT_EQ(total_cents, 30 * 1000);
  const PassctlRun reconciled = Passctl({"reconcile"}, AdminToken());
  EXPECT_EQ(reconciled.exit_code, 0) << reconciled.out;
  for (int i = 0; i < kInstances; ++i) {
    EXPECT_TRUE(
        absl::StrContains(reconciled.out, absl::StrCat("# instance pc-", i)))
        << reconciled.out;
  }
}

TEST_F(PartitionedSchemeTest, PassctlCatchesCatalogsThatDiverged) {
  ASSERT_NO_FATAL_FAILURE(SetUpCatalog());
  const std::vector<std::string> create = {
      "create-programme", "--sponsor=Commune de Test", "--name=PN 2027",
      "--valid_from=2027-01-01T00:00:00Z",
      "--valid_until=2027-12-31T23:59:59Z"};
  // An operator's mistake: a catalog change made on one instance only.
  std::vector<std::string> on_one = create;
  on_one.insert(on_one.begin(), "--instance=pc-0");
  ASSERT_EQ(Passctl(on_one, AdminToken()).exit_code, 0);
  // The next change to all gets another programme id on pc-0: caught.
  const std::string errors = directory_ + "/passctl.err";
  EXPECT_EQ(Passctl(create, AdminToken(), errors).exit_code, 3);
  const std::string said = ReadFile(errors);
  EXPECT_TRUE(absl::StrContains(said, "[pc-1] answered differently")) << said;
  EXPECT_TRUE(absl::StrContains(said, "catalogs have diverged")) << said;
}

TEST_F(PartitionedSchemeTest, LosingAnInstanceHoldsBackOnlyItsOwnSerials) {
  ASSERT_NO_FATAL_FAILURE(SetUpCatalog());
  const int lost = 1;
  ASSERT_EQ(servers_[lost]->Kill(SIGKILL), 128 + SIGKILL);

  absl::StatusOr<std::unique_ptr<TerminalClient>> client =
      TerminalClient::Create(TerminalOptions());
  ASSERT_TRUE(client.ok()) << client.status();
  int queued = 0;
  for (const std::string& code : codes_) {
    absl::StatusOr<ScanOutcome> outcome = (*client)->Redeem(code);
    ASSERT_TRUE(outcome.ok()) << outcome.status();
    const bool lost_serial =
        map_->IndexOfSerial(std::stoull(code.substr(0, 12))) == lost;
    EXPECT_EQ(outcome->queued, lost_serial) << code;
    if (lost_serial) {
      ++queued;
    } else {
      EXPECT_EQ(outcome->answer.result(), v1::REDEEM_RESULT_REDEEMED)
          << outcome->answer.message();
    }
  }
  ASSERT_GT(queued, 0);
  ASSERT_LT(queued, kPasses);
  // While it is down, an upload keeps its scans and says why.
  absl::StatusOr<UploadReport> waiting = (*client)->UploadQueued();
  ASSERT_TRUE(waiting.ok()) << waiting.status();
  EXPECT_EQ(waiting->still_queued, static_cast<size_t>(queued));
  ASSERT_EQ(waiting->errors.size(), 1u);
  // Refused connections, or none made before the deadline.
  EXPECT_TRUE(absl::StartsWith(waiting->errors[0], "pc-1: "))
      << waiting->errors[0];

  // Back on the same address and store: the queued scans are redeemed.
  StartInstance(lost);
  ASSERT_TRUE(servers_[lost]->running());
  absl::StatusOr<UploadReport> report = (*client)->UploadQueued();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->errors.empty()) << absl::StrJoin(report->errors, "; ");
  EXPECT_EQ(report->answered.size(), static_cast<size_t>(queued));
  EXPECT_TRUE(report->Refused().empty());
  EXPECT_EQ(report->still_queued, 0u);
  int64_t redeemed = 0;
  for (int i = 0; i < kInstances; ++i) redeemed += Usage(i).redeemed();
  EXPECT_EQ(redeemed, kPasses);
}

}  // namespace
}  // namespace passclear::testing
