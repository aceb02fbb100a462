// passclear-scanner against the real server: a day of 600 scans from 8
// terminals at 2 venues, 2 of them offline for a while, 5% of the scans
// presenting a pass already scanned elsewhere. What the simulator reports
// is checked against the server on its own: every pass it says it redeemed
// is redeemed, by the terminal it names, and no other pass is; no pass is
// redeemed twice; the programme's usage report agrees; and a scan uploaded
// from an offline queue was refused, another terminal having redeemed its
// pass before the upload.
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "passclear/v1/admin.grpc.pb.h"
#include "passclear/v1/redemption.grpc.pb.h"
#include "tests/integration/scheme_setup.h"
#include "tests/integration/server_process.h"

namespace passclear::testing {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

// The plan of the day follows from the seed and the options alone; with
// this one, 56 scans wait in the offline queues and 4 of them are refused
// at upload, their pass redeemed online elsewhere meanwhile (every seed
// from 1 to 12 gives at least one; a change to how clients/scanner_day.cc
// draws the plan may call for another).
constexpr int kSeed = 6;

struct ScannerRun {
  int exit_code = -1;
  std::string output;
};

// Runs passclear-scanner to completion; its stdout is collected in a file
// (a pipe could fill up before the test reads it), its stderr is the
// test's.
ScannerRun RunScanner(const std::vector<std::string>& flags,
                      const std::string& output_path) {
  std::vector<std::string> args = {PASSCLEAR_SCANNER_BINARY};
  args.insert(args.end(), flags.begin(), flags.end());
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const int fd = open(output_path.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600);
  const pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    dup2(fd, STDOUT_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(fd);
  ScannerRun run;
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status)) run.exit_code = WEXITSTATUS(status);
  std::ifstream in(output_path);
  std::stringstream text;
  text << in.rdbuf();
  run.output = text.str();
  return run;
}

double Number(const Struct& object, const std::string& name) {
  const auto found = object.fields().find(name);
  return found == object.fields().end() ? -1 : found->second.number_value();
}

const Struct& Object(const Struct& object, const std::string& name) {
  return object.fields().at(name).struct_value();
}

class ScannerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = MakeTempDir();
    data_dir_ = directory_ + "/data";
    // The simulator replays yesterday with terminals it enrols today.
    server_.emplace(ServerProcess::Start(
        data_dir_, {"--refuse_scans_before_enrolment=false"}));
    ASSERT_TRUE(server_->running());
    admin_ = v1::AdminService::NewStub(server_->Channel());
    redemption_ = v1::RedemptionService::NewStub(server_->Channel());
    SetUpProgramme();
  }

  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(directory_);
  }

  // A programme valid for a month before now and a year after (the scans
  // are on yesterday's opening hours), 70 booklets of 10 passes, 2 venues.
  void SetUpProgramme() {
    v1::CreateProgrammeRequest create;
    create.set_sponsor("Communauté d'agglomération du Bocage");
    create.set_name("Pass Numérique simulé");
    create.set_face_value_cents(1000);
    const int64_t now = absl::ToUnixSeconds(absl::Now());
    create.mutable_valid_from()->set_seconds(now - 30 * 86400);
    create.mutable_valid_until()->set_seconds(now + 365 * 86400);
    v1::Programme programme;
    grpc::ClientContext create_context;
    ASSERT_TRUE(
        admin_->CreateProgramme(&create_context, create, &programme).ok());
    programme_id_ = programme.programme_id();

    v1::IssueBookletsRequest issue;
    issue.set_programme_id(programme_id_);
    issue.set_booklet_count(70);
    issue.set_booklet_size(10);
    v1::IssueBookletsResponse issued;
    grpc::ClientContext issue_context;
    ASSERT_TRUE(admin_->IssueBooklets(&issue_context, issue, &issued).ok());
    for (const v1::Booklet& booklet : issued.booklets()) {
      codes_.insert(codes_.end(), booklet.codes().begin(),
                    booklet.codes().end());
    }
    ASSERT_EQ(codes_.size(), 700u);
    codes_file_ = directory_ + "/codes.txt";
    std::ofstream out(codes_file_);
    for (const std::string& code : codes_) out << code << "\n";

    for (const char* name :
         {"Médiathèque du Bocage", "Espace France Services"}) {
      v1::Venue venue;
      grpc::ClientContext context;
      ASSERT_TRUE(
          admin_
              ->RegisterVenue(
                  &context, MakeVenueRequest(name, programme_id_, true), &venue)
              .ok());
      venues_.push_back(venue.venue_id());
    }
  }

  v1::CheckPassResponse Check(const std::string& code) {
    v1::CheckPassRequest request;
    request.set_code(code);
    v1::CheckPassResponse response;
    grpc::ClientContext context;
    const grpc::Status status =
        redemption_->CheckPass(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  v1::ProgrammeUsage Usage() {
    v1::ProgrammeRef ref;
    ref.set_programme_id(programme_id_);
    v1::ProgrammeUsage usage;
    grpc::ClientContext context;
    const grpc::Status status =
        admin_->GetProgrammeUsage(&context, ref, &usage);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return usage;
  }

  std::string directory_;
  std::string data_dir_;
  std::optional<ServerProcess> server_;
  std::unique_ptr<v1::AdminService::Stub> admin_;
  std::unique_ptr<v1::RedemptionService::Stub> redemption_;
  uint64_t programme_id_ = 0;
  std::vector<std::string> codes_;
  std::string codes_file_;
  std::vector<uint64_t> venues_;
};

TEST_F(ScannerTest, ADayOfScansWithOfflineTerminalsRedeemsEachPassOnce) {
  const absl::Time yesterday = absl::Now() - absl::Hours(24);
  const std::string day =
      absl::FormatTime("%Y-%m-%d", yesterday, absl::UTCTimeZone());
  const ScannerRun run = RunScanner(
      {absl::StrCat("--server=", server_->address()),
       absl::StrCat("--admin_token_file=", data_dir_, "/admin-token"),
       absl::StrCat("--codes_file=", codes_file_),
       absl::StrCat("--venues=", venues_[0], ",", venues_[1]), "--terminals=8",
       "--offline_terminals=2", "--scans=600", "--duplicate_share=0.05",
       absl::StrCat("--seed=", kSeed), absl::StrCat("--day=", day),
       absl::StrCat("--work_dir=", directory_, "/terminals"), "--json"},
      directory_ + "/summary.json");
  // Every scan answered: none failed, none left in an offline queue.
  ASSERT_EQ(run.exit_code, 0) << run.output;
  Struct summary;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(run.output, &summary).ok())
      << run.output;
  EXPECT_EQ(Number(summary, "scans"), 600);
  EXPECT_EQ(Number(summary, "failed"), 0);
  EXPECT_EQ(Number(summary, "still_queued"), 0);
  EXPECT_GT(Number(summary, "queued"), 0);
  EXPECT_EQ(Number(summary, "uploaded"), Number(summary, "queued"));
  EXPECT_EQ(summary.fields().at("offline").list_value().values_size(), 2);
  const double duplicates = Number(summary, "duplicates");
  EXPECT_GT(duplicates, 0);

  // The only refusal is the double presentation, once per duplicate scan,
  // online or when an offline queue was uploaded; some scan uploaded from
  // an offline queue was refused, another terminal having redeemed its
  // pass before the upload.
  const Struct& refused_online = Object(summary, "refused_online");
  const Struct& refused_after_upload = Object(summary, "refused_after_upload");
  for (const Struct* reasons : {&refused_online, &refused_after_upload}) {
    for (const auto& [reason, count] : reasons->fields()) {
      EXPECT_EQ(reason, "ALREADY_REDEEMED") << count.number_value();
    }
  }
  EXPECT_EQ(Number(refused_online, "ALREADY_REDEEMED") +
                Number(refused_after_upload, "ALREADY_REDEEMED"),
            duplicates);
  EXPECT_GE(Number(refused_after_upload, "ALREADY_REDEEMED"), 1)
      << "the seed no longer makes a duplicate cross an offline window";
  EXPECT_EQ(Number(summary, "redeemed") + duplicates, 600);

  // The server on its own: every pass the simulator says it redeemed is
  // redeemed once, by the terminal and for the venue it names, at a time
  // of yesterday's opening hours; every other pass is still unused.
  const absl::Time opening =
      absl::FromCivil(absl::ToCivilDay(yesterday, absl::UTCTimeZone()),
                      absl::UTCTimeZone()) +
      absl::Hours(8);
  std::map<std::string, const Struct*> redeemed;
  for (const Value& entry :
       summary.fields().at("redeemed_codes").list_value().values()) {
    const Struct& pass = entry.struct_value();
    EXPECT_TRUE(
        redeemed.emplace(pass.fields().at("code").string_value(), &pass).second)
        << "redeemed twice: " << pass.fields().at("code").string_value();
  }
  EXPECT_EQ(redeemed.size(), Number(summary, "redeemed"));
  std::set<std::string> terminals;
  for (const std::string& code : codes_) {
    const v1::CheckPassResponse check = Check(code);
    const auto found = redeemed.find(code);
    if (found == redeemed.end()) {
      EXPECT_EQ(check.state(), v1::PASS_STATE_ISSUED) << code;
      continue;
    }
    const Struct& pass = *found->second;
    EXPECT_EQ(check.state(), v1::PASS_STATE_REDEEMED) << code;
    EXPECT_EQ(check.redemption().terminal_id(),
              pass.fields().at("terminal_id").string_value())
        << code;
    EXPECT_EQ(absl::StrCat(check.redemption().venue_id()),
              pass.fields().at("venue_id").string_value())
        << code;
    const absl::Time scanned_at =
        absl::FromUnixSeconds(check.redemption().scanned_at().seconds());
    EXPECT_GE(scanned_at, opening) << code;
    EXPECT_LT(scanned_at, opening + absl::Hours(12)) << code;
    terminals.insert(check.redemption().terminal_id());
  }
  // Terminals at both venues scanned, and the offline ones too.
  EXPECT_EQ(terminals.size(), 8u);

  const v1::ProgrammeUsage usage = Usage();
  EXPECT_EQ(usage.redeemed(), static_cast<int64_t>(redeemed.size()));
  EXPECT_EQ(usage.redeemed_value_cents(),
            static_cast<int64_t>(redeemed.size()) * 1000);
}

}  // namespace
}  // namespace passclear::testing
