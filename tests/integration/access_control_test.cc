// Authentication and roles through the real server, each call carrying the
// credential the test chooses ("authorization: Bearer <token>" on a channel
// that adds none): a terminal's whole life (enrolment, activation,
// redemptions, rotation, revocation, also of a stream already open), a
// venue's back office reading only its own batches, the mandatary alone
// acknowledging payments, identities managed by admins only, refusals
// counted in /metrics and written to the audit log (with their author,
// without any secret, and without lines forged by request text), and
// identities surviving a restart.
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "passclear/v1/clearing.grpc.pb.h"
#include "passclear/v1/identity.grpc.pb.h"
#include "tests/integration/http_get.h"
#include "tests/integration/server_fixture.h"

namespace passclear::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr absl::string_view kRedeemMethod =
    "/passclear.v1.RedemptionService/Redeem";

// One line of the audit log.
struct AuditLine {
  std::map<std::string, std::string> fields;
  std::string text;

  const std::string& operator[](const std::string& name) const {
    static const std::string* const kMissing = new std::string("<missing>");
    const auto found = fields.find(name);
    return found == fields.end() ? *kMissing : found->second;
  }
};

class AccessControlTest : public ServerFixture {
 protected:
  void SetUp() override {
    ServerFixture::SetUp();
    if (HasFatalFailure()) return;
    Connect();
    // A second venue accepting the scheme's programme.
    v1::Venue venue;
    grpc::ClientContext context;
    ASSERT_TRUE(
        admin_
            ->RegisterVenue(&context,
                            MakeVenueRequest("Cyber-base du Val",
                                             scheme_.programme_id, true),
                            &venue)
            .ok());
    other_venue_ = venue.venue_id();
  }

  // Stubs on a channel adding no credential: each call sets its own.
  void Connect() {
    auto channel = server_->PlainChannel();
    identities_ = v1::IdentityService::NewStub(channel);
    redeem_ = v1::RedemptionService::NewStub(channel);
    clearing_ = v1::ClearingService::NewStub(channel);
    plain_admin_ = v1::AdminService::NewStub(channel);
  }

  void Restart() {
    identities_.reset();
    redeem_.reset();
    clearing_.reset();
    plain_admin_.reset();
    ASSERT_EQ(StopServer(), 0);
    StartServer();
    Connect();
  }

  const std::string& admin_token() const {
    return server_->credentials().admin_token();
  }

  // A call made with `token` ("" for none).
  template <class Call>
  static grpc::Status As(const std::string& token, Call call) {
    grpc::ClientContext context;
    if (!token.empty()) {
      context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
    }
    return call(&context);
  }

  v1::EnrollTerminalResponse Enroll(const std::string& terminal_id,
                                    uint64_t venue_id) {
    v1::EnrollTerminalRequest request;
    request.set_terminal_id(terminal_id);
    request.set_venue_id(venue_id);
    v1::EnrollTerminalResponse response;
    grpc::Status status = As(admin_token(), [&](grpc::ClientContext* c) {
      return identities_->EnrollTerminal(c, request, &response);
    });
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  grpc::Status Activate(const std::string& code, v1::CredentialIssued* out) {
    v1::ActivateTerminalRequest request;
    request.set_activation_code(code);
    return As("", [&](grpc::ClientContext* c) {
      return identities_->ActivateTerminal(c, request, out);
    });
  }

  // An enrolled and activated terminal's token.
  std::string ActiveTerminal(const std::string& terminal_id,
                             uint64_t venue_id) {
    v1::CredentialIssued issued;
    grpc::Status status =
        Activate(Enroll(terminal_id, venue_id).activation_code(), &issued);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return issued.token();
  }

  grpc::Status Revoke(const std::string& name, v1::Identity* out = nullptr) {
    v1::RevokeIdentityRequest request;
    request.set_name(name);
    v1::Identity ignored;
    return As(admin_token(), [&](grpc::ClientContext* c) {
      return identities_->RevokeIdentity(c, request, out ? out : &ignored);
    });
  }

  grpc::Status WhoAmI(const std::string& token, v1::Identity* out) {
    return As(token, [&](grpc::ClientContext* c) {
      return identities_->WhoAmI(c, v1::WhoAmIRequest(), out);
    });
  }

  grpc::Status RedeemAs(const std::string& token,
                        const v1::RedeemRequest& request,
                        v1::RedeemResponse* out) {
    return As(token, [&](grpc::ClientContext* c) {
      return redeem_->Redeem(c, request, out);
    });
  }

  grpc::Status GetBatch(const std::string& token, uint64_t batch_id,
                        v1::ClaimBatch* out) {
    v1::BatchRef ref;
    ref.set_batch_id(batch_id);
    return As(token, [&](grpc::ClientContext* c) {
      return clearing_->GetBatch(c, ref, out);
    });
  }

  // Redeems code `index` at `venue_id` with the fixture's auto-credential
  // terminal of that venue, closes the cycle, and answers the code's batch.
  uint64_t RedeemAndClose(
      const std::vector<std::pair<size_t, uint64_t>>& redemptions) {
    for (const auto& [index, venue_id] : redemptions) {
      v1::RedeemResponse response = Redeem(MakeRedeemRequest(
          scheme_.codes[index], venue_id, absl::StrCat("T-", venue_id),
          absl::StrCat("r-", index)));
      EXPECT_EQ(response.result(), v1::REDEEM_RESULT_REDEEMED)
          << response.message();
    }
    auto clearing = v1::ClearingService::NewStub(server_->Channel());
    v1::CloseCycleResponse closed;
    grpc::ClientContext context;
    grpc::Status status =
        clearing->CloseCycle(&context, v1::CloseCycleRequest(), &closed);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return closed.batches_closed();
  }

  uint64_t BatchOf(size_t index) {
    v1::CheckPassRequest request;
    request.set_code(scheme_.codes[index]);
    v1::CheckPassResponse response;
    grpc::ClientContext context;
    grpc::Status status = redemption_->CheckPass(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    EXPECT_NE(response.batch_id(), 0u);
    return response.batch_id();
  }

  v1::PassState StateOf(size_t index) {
    v1::CheckPassRequest request;
    request.set_code(scheme_.codes[index]);
    v1::CheckPassResponse response;
    grpc::ClientContext context;
    grpc::Status status = redemption_->CheckPass(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.state();
  }

  // passclear_access_refusals_total{reason="..."} by reason.
  std::map<std::string, double> Refusals() {
    std::map<std::string, double> counts;
    absl::StatusOr<std::string> body =
        HttpGet(server_->metrics_address(), "/metrics");
    EXPECT_TRUE(body.ok()) << body.status();
    if (!body.ok()) return counts;
    constexpr absl::string_view kPrefix =
        "passclear_access_refusals_total{reason=\"";
    for (absl::string_view line : absl::StrSplit(*body, '\n')) {
      if (!absl::StartsWith(line, kPrefix)) continue;
      line.remove_prefix(kPrefix.size());
      const size_t end = line.find("\"} ");
      if (end == absl::string_view::npos) continue;
      double value = 0;
      EXPECT_TRUE(absl::SimpleAtod(line.substr(end + 3), &value)) << line;
      counts[std::string(line.substr(0, end))] = value;
    }
    return counts;
  }

  std::string AuditText() const {
    std::ifstream in(data_dir_ + "/audit.log");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }

  // Every line of the audit log, each of which must be a JSON object of
  // strings.
  std::vector<AuditLine> AuditLines() const {
    std::vector<AuditLine> lines;
    for (absl::string_view text :
         absl::StrSplit(AuditText(), '\n', absl::SkipEmpty())) {
      google::protobuf::Struct parsed;
      EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(std::string(text),
                                                              &parsed)
                      .ok())
          << "not JSON: " << text;
      AuditLine line{.text = std::string(text)};
      for (const auto& [name, value] : parsed.fields()) {
        EXPECT_EQ(value.kind_case(), google::protobuf::Value::kStringValue)
            << name << " in " << text;
        line.fields[name] = value.string_value();
      }
      lines.push_back(std::move(line));
    }
    return lines;
  }

  // The audit lines of `event` for `method`.
  std::vector<AuditLine> AuditOf(absl::string_view event,
                                 absl::string_view method) const {
    std::vector<AuditLine> found;
    for (AuditLine& line : AuditLines()) {
      if (line["event"] == event && line["method"] == method) {
        found.push_back(std::move(line));
      }
    }
    return found;
  }

  std::unique_ptr<v1::IdentityService::Stub> identities_;
  std::unique_ptr<v1::RedemptionService::Stub> redeem_;
  std::unique_ptr<v1::ClearingService::Stub> clearing_;
  std::unique_ptr<v1::AdminService::Stub> plain_admin_;
  uint64_t other_venue_ = 0;
};

TEST_F(AccessControlTest, TerminalLifeFromEnrolmentToRevocation) {
  const absl::Time before = absl::Now();
  const v1::EnrollTerminalResponse enrolled =
      Enroll("T-life", scheme_.venue_id);
  EXPECT_EQ(enrolled.terminal().name(), "T-life");
  EXPECT_EQ(enrolled.terminal().role(), v1::ROLE_TERMINAL);
  EXPECT_EQ(enrolled.terminal().venue_id(), scheme_.venue_id);
  EXPECT_EQ(enrolled.terminal().state(), v1::IDENTITY_STATE_PENDING_ACTIVATION);
  EXPECT_THAT(enrolled.activation_code(),
              ::testing::MatchesRegex("[0-9A-Z]{4}(-[0-9A-Z]{4}){4}"));
  // Valid 72 hours.
  const absl::Time expires =
      absl::FromUnixSeconds(enrolled.activation_expires_at().seconds());
  EXPECT_GE(expires, before + absl::Hours(72) - absl::Seconds(1));
  EXPECT_LE(expires, absl::Now() + absl::Hours(72) + absl::Seconds(1));

  // The terminal activates with its code alone, once.
  v1::CredentialIssued issued;
  grpc::Status activated = Activate(enrolled.activation_code(), &issued);
  ASSERT_TRUE(activated.ok()) << activated.error_message();
  EXPECT_EQ(issued.identity().state(), v1::IDENTITY_STATE_ACTIVE);
  EXPECT_EQ(issued.identity().credential_generation(), 1u);
  const std::string token = issued.token();
  ASSERT_THAT(token, StartsWith("pc_"));
  v1::CredentialIssued twice;
  grpc::Status again = Activate(enrolled.activation_code(), &twice);
  EXPECT_EQ(again.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(again.error_message(), HasSubstr("already used"));

  // It redeems for its venue with its token.
  v1::RedeemResponse redeemed;
  grpc::Status status = RedeemAs(
      token,
      MakeRedeemRequest(scheme_.codes[0], scheme_.venue_id, "T-life", "l-0"),
      &redeemed);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(redeemed.result(), v1::REDEEM_RESULT_REDEEMED)
      << redeemed.message();
  EXPECT_EQ(redeemed.redemption().terminal_id(), "T-life");

  v1::Identity who;
  status = WhoAmI(token, &who);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(who.name(), "T-life");
  EXPECT_EQ(who.role(), v1::ROLE_TERMINAL);
  EXPECT_EQ(who.venue_id(), scheme_.venue_id);
  EXPECT_EQ(who.state(), v1::IDENTITY_STATE_ACTIVE);

  // Without its token, as another terminal, for another venue, or for an
  // administrator's method: refused, saying why.
  v1::RedeemResponse refused;
  status = RedeemAs(
      "",
      MakeRedeemRequest(scheme_.codes[1], scheme_.venue_id, "T-life", "l-1"),
      &refused);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(status.error_message(), StartsWith("no credential"));
  status = RedeemAs(
      token,
      MakeRedeemRequest(scheme_.codes[1], scheme_.venue_id, "T-1", "l-1"),
      &refused);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(status.error_message(),
            "terminal 'T-life' may not send requests as terminal 'T-1'");
  status = RedeemAs(
      token, MakeRedeemRequest(scheme_.codes[1], other_venue_, "T-life", "l-1"),
      &refused);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(
      status.error_message(),
      absl::StrCat("terminal 'T-life' belongs to venue ", scheme_.venue_id,
                   " and may not act for venue ", other_venue_));
  v1::Programme programme;
  status = As(token, [&](grpc::ClientContext* c) {
    return plain_admin_->CreateProgramme(c, v1::CreateProgrammeRequest(),
                                         &programme);
  });
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(status.error_message(),
            "terminal 'T-life' may not call "
            "/passclear.v1.AdminService/CreateProgramme");
  EXPECT_EQ(StateOf(1), v1::PASS_STATE_ISSUED);  // nothing was redeemed

  // Rotation: the old token stops working at once, the new one works.
  v1::CredentialIssued rotated;
  status = As(token, [&](grpc::ClientContext* c) {
    return identities_->RotateCredential(c, v1::RotateCredentialRequest(),
                                         &rotated);
  });
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(rotated.identity().credential_generation(), 2u);
  const std::string new_token = rotated.token();
  ASSERT_NE(new_token, token);
  status = WhoAmI(token, &who);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(status.error_message(), StartsWith("unknown credential"));
  status = RedeemAs(
      token,
      MakeRedeemRequest(scheme_.codes[1], scheme_.venue_id, "T-life", "l-1"),
      &refused);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  status = RedeemAs(
      new_token,
      MakeRedeemRequest(scheme_.codes[1], scheme_.venue_id, "T-life", "l-1"),
      &redeemed);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(redeemed.result(), v1::REDEEM_RESULT_REDEEMED);

  // A stream opened before the revocation works until then...
  grpc::ClientContext stream_context;
  stream_context.AddMetadata("authorization",
                             absl::StrCat("Bearer ", new_token));
  auto stream = redeem_->RedeemStream(&stream_context);
  ASSERT_TRUE(stream->Write(
      MakeRedeemRequest(scheme_.codes[2], scheme_.venue_id, "T-life", "s-2")));
  v1::RedeemResponse streamed;
  ASSERT_TRUE(stream->Read(&streamed));
  EXPECT_EQ(streamed.request_id(), "s-2");
  EXPECT_EQ(streamed.result(), v1::REDEEM_RESULT_REDEEMED);

  v1::Identity revoked;
  status = Revoke("T-life", &revoked);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(revoked.state(), v1::IDENTITY_STATE_REVOKED);

  // ... and the next call is refused, saying the terminal was revoked.
  status = RedeemAs(
      new_token,
      MakeRedeemRequest(scheme_.codes[3], scheme_.venue_id, "T-life", "l-3"),
      &refused);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(status.error_message(),
              StartsWith("terminal 'T-life' was revoked on "));
  status = WhoAmI(new_token, &who);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(status.error_message(), HasSubstr("was revoked"));

  // So is the open stream's next message: the stream ends.
  stream->Write(
      MakeRedeemRequest(scheme_.codes[4], scheme_.venue_id, "T-life", "s-4"));
  while (stream->Read(&streamed)) {
    ADD_FAILURE() << "answered after revocation: " << streamed.request_id();
  }
  grpc::Status stream_status = stream->Finish();
  EXPECT_EQ(stream_status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(stream_status.error_message(),
              StartsWith("terminal 'T-life' was revoked on "));
  // Neither redeemed anything.
  EXPECT_EQ(StateOf(3), v1::PASS_STATE_ISSUED);
  EXPECT_EQ(StateOf(4), v1::PASS_STATE_ISSUED);
}

TEST_F(AccessControlTest, ActivationCodeIsNotACredential) {
  const v1::EnrollTerminalResponse enrolled = Enroll("T-new", scheme_.venue_id);
  // The code pasted where the token belongs, exactly as it was shown.
  v1::Identity who;
  grpc::Status status = WhoAmI(enrolled.activation_code(), &who);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(status.error_message(), HasSubstr("ActivateTerminal"));
  EXPECT_THAT(status.error_message(), HasSubstr("'T-new'"));
  // The refusal used nothing up: the code still activates the terminal.
  v1::CredentialIssued issued;
  status = Activate(enrolled.activation_code(), &issued);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST_F(AccessControlTest, MalformedOrUnknownCredentialIsRefused) {
  v1::Identity who;
  grpc::ClientContext basic;
  basic.AddMetadata("authorization", "Basic YWRtaW46YWRtaW4=");
  grpc::Status status = identities_->WhoAmI(&basic, v1::WhoAmIRequest(), &who);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(status.error_message(), HasSubstr("\"Bearer <token>\""));
  status = WhoAmI("pc_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &who);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(status.error_message(), StartsWith("unknown credential"));
  // The admin's token names the admin.
  status = WhoAmI(admin_token(), &who);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(who.name(), "admin");
  EXPECT_EQ(who.role(), v1::ROLE_ADMIN);
  EXPECT_EQ(who.venue_id(), 0u);
}

TEST_F(AccessControlTest, BearerSchemeNameIsCaseInsensitive) {
  // HTTP auth scheme names are case-insensitive: proxies and HTTP/2 client
  // libraries send "bearer".
  for (const char* scheme : {"bearer ", "BEARER ", "bEaReR "}) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", absl::StrCat(scheme, admin_token()));
    v1::Identity who;
    const grpc::Status status =
        identities_->WhoAmI(&context, v1::WhoAmIRequest(), &who);
    ASSERT_TRUE(status.ok()) << scheme << ": " << status.error_message();
    EXPECT_EQ(who.name(), "admin") << scheme;
  }
}

TEST_F(AccessControlTest, AuditLinesCarryTheFieldsTheReadmeLists) {
  v1::Identity who;
  ASSERT_EQ(WhoAmI("pc_forged", &who).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  // The README's list: "one JSON object per line: time, event, ...; never".
  std::ifstream readme(std::string(PASSCLEAR_SOURCE_DIR) + "/README.md");
  std::ostringstream text;
  text << readme.rdbuf();
  const std::string marker = "one JSON object per line: ";
  const size_t start = text.str().find(marker);
  ASSERT_NE(start, std::string::npos) << "README.md lost the audit fields";
  const size_t end = text.str().find(';', start);
  std::set<std::string> documented;
  for (absl::string_view field :
       absl::StrSplit(text.str().substr(start + marker.size(),
                                        end - start - marker.size()),
                      absl::ByAnyChar(", \n"), absl::SkipEmpty())) {
    documented.insert(std::string(field));
  }
  const std::vector<AuditLine> lines = AuditLines();
  ASSERT_FALSE(lines.empty());
  for (const AuditLine& line : lines) {
    std::set<std::string> written;
    for (const auto& [name, value] : line.fields) written.insert(name);
    EXPECT_EQ(written, documented) << line.text;
  }
}

TEST_F(AccessControlTest, VenueBackOfficeReadsOnlyItsOwnBatches) {
  ASSERT_EQ(RedeemAndClose({{0, scheme_.venue_id}, {1, other_venue_}}), 2u);
  const uint64_t own_batch = BatchOf(0);
  const uint64_t other_batch = BatchOf(1);
  const std::string token = server_->credentials().CreateAccount(
      "mediatheque-office", v1::ROLE_VENUE, scheme_.venue_id);
  ASSERT_FALSE(token.empty());

  v1::Identity who;
  ASSERT_TRUE(WhoAmI(token, &who).ok());
  EXPECT_EQ(who.role(), v1::ROLE_VENUE);
  EXPECT_EQ(who.venue_id(), scheme_.venue_id);

  v1::ClaimBatch batch;
  grpc::Status status = GetBatch(token, own_batch, &batch);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(batch.venue_id(), scheme_.venue_id);
  EXPECT_EQ(batch.status(), v1::BATCH_STATUS_CLOSED);
  EXPECT_EQ(batch.total_cents(), 1000);

  status = GetBatch(token, other_batch, &batch);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(status.error_message(),
            absl::StrCat("venue 'mediatheque-office' belongs to venue ",
                         scheme_.venue_id,
                         " and may not read a record of venue ", other_venue_));

  // The lines of its batch, not of the other venue's.
  v1::BatchRef ref;
  ref.set_batch_id(own_batch);
  {
    grpc::ClientContext context;
    context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
    auto reader = clearing_->StreamBatchLines(&context, ref);
    v1::BatchLines lines;
    int count = 0;
    while (reader->Read(&lines)) count += lines.lines_size();
    status = reader->Finish();
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(count, 1);
  }
  ref.set_batch_id(other_batch);
  {
    grpc::ClientContext context;
    context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
    auto reader = clearing_->StreamBatchLines(&context, ref);
    v1::BatchLines lines;
    EXPECT_FALSE(reader->Read(&lines));
    status = reader->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_THAT(status.error_message(),
                HasSubstr(absl::StrCat("venue ", other_venue_)));
  }

  // The mandatary's log of every venue's batches is not for a venue.
  v1::ListClosedBatchesResponse page;
  status = As(token, [&](grpc::ClientContext* c) {
    return clearing_->ListClosedBatches(c, v1::ListClosedBatchesRequest(),
                                        &page);
  });
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(status.error_message(),
            "venue 'mediatheque-office' may not call "
            "/passclear.v1.ClearingService/ListClosedBatches");

  // It may look a pass up, for its own venue only.
  v1::CheckPassRequest check;
  check.set_code(scheme_.codes[2]);
  check.set_venue_id(scheme_.venue_id);
  v1::CheckPassResponse checked;
  status = As(token, [&](grpc::ClientContext* c) {
    return redeem_->CheckPass(c, check, &checked);
  });
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(checked.known());
  check.set_venue_id(other_venue_);
  status = As(token, [&](grpc::ClientContext* c) {
    return redeem_->CheckPass(c, check, &checked);
  });
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(),
              HasSubstr(absl::StrCat("may not act for venue ", other_venue_)));
  // And it may not redeem.
  v1::RedeemResponse redeemed;
  status = RedeemAs(
      token, MakeRedeemRequest(scheme_.codes[2], scheme_.venue_id, "", "v-2"),
      &redeemed);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(
      status.error_message(),
      absl::StrCat("venue 'mediatheque-office' may not call ", kRedeemMethod));
}

TEST_F(AccessControlTest, OnlyTheMandataryAcknowledgesPayments) {
  ASSERT_EQ(RedeemAndClose({{0, scheme_.venue_id}, {1, scheme_.venue_id}}), 1u);
  const uint64_t batch_id = BatchOf(0);
  const std::string mandatary =
      server_->credentials().CreateAccount("mandataire", v1::ROLE_MANDATARY, 0);
  ASSERT_FALSE(mandatary.empty());
  v1::AcknowledgeBatchRequest acknowledge;
  acknowledge.set_batch_id(batch_id);
  acknowledge.set_payment_reference("VIR-2030-001");
  acknowledge.set_amount_paid_cents(2000);

  v1::ClaimBatch batch;
  grpc::Status status = As(admin_token(), [&](grpc::ClientContext* c) {
    return clearing_->AcknowledgeBatch(c, acknowledge, &batch);
  });
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(status.error_message(),
            "admin 'admin' may not call "
            "/passclear.v1.ClearingService/AcknowledgeBatch");
  // The mandatary does not close cycles.
  v1::CloseCycleResponse closed;
  status = As(mandatary, [&](grpc::ClientContext* c) {
    return clearing_->CloseCycle(c, v1::CloseCycleRequest(), &closed);
  });
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(status.error_message(),
            "mandatary 'mandataire' may not call "
            "/passclear.v1.ClearingService/CloseCycle");
  // The admin's refused acknowledgement paid nothing.
  ASSERT_TRUE(GetBatch(mandatary, batch_id, &batch).ok());
  EXPECT_EQ(batch.status(), v1::BATCH_STATUS_CLOSED);

  status = As(mandatary, [&](grpc::ClientContext* c) {
    return clearing_->AcknowledgeBatch(c, acknowledge, &batch);
  });
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(batch.status(), v1::BATCH_STATUS_PAID);
  EXPECT_EQ(batch.payment_reference(), "VIR-2030-001");
  EXPECT_EQ(batch.amount_paid_cents(), 2000);
}

TEST_F(AccessControlTest, IdentitiesAreManagedByAdminsOnly) {
  const std::string venue_token = server_->credentials().CreateAccount(
      "back-office", v1::ROLE_VENUE, scheme_.venue_id);
  ASSERT_FALSE(venue_token.empty());
  v1::EnrollTerminalRequest enrol;
  enrol.set_terminal_id("T-rogue");
  enrol.set_venue_id(scheme_.venue_id);
  v1::EnrollTerminalResponse enrolled;
  grpc::Status status = As(venue_token, [&](grpc::ClientContext* c) {
    return identities_->EnrollTerminal(c, enrol, &enrolled);
  });
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(status.error_message(),
            "venue 'back-office' may not call "
            "/passclear.v1.IdentityService/EnrollTerminal");

  enrol.set_venue_id(999);
  status = As(admin_token(), [&](grpc::ClientContext* c) {
    return identities_->EnrollTerminal(c, enrol, &enrolled);
  });
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "venue 999 is not registered");

  v1::CreateAccountRequest account;
  account.set_name("T-1");  // the fixture's terminal
  account.set_role(v1::ROLE_MANDATARY);
  v1::CredentialIssued issued;
  status = As(admin_token(), [&](grpc::ClientContext* c) {
    return identities_->CreateAccount(c, account, &issued);
  });
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(status.error_message(), HasSubstr("'T-1'"));
  account.set_name("bad name");
  status = As(admin_token(), [&](grpc::ClientContext* c) {
    return identities_->CreateAccount(c, account, &issued);
  });
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), StartsWith("name "));

  // The only admin cannot be revoked.
  status = Revoke("admin");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("last active admin"));
  v1::Identity who;
  EXPECT_TRUE(WhoAmI(admin_token(), &who).ok());

  // Listed in name order, a page at a time.
  v1::ListIdentitiesRequest list;
  list.set_page_size(2);
  std::vector<std::string> names;
  for (bool more = true; more;) {
    v1::ListIdentitiesResponse page;
    status = As(admin_token(), [&](grpc::ClientContext* c) {
      return identities_->ListIdentities(c, list, &page);
    });
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_LE(page.identities_size(), 2);
    for (const v1::Identity& identity : page.identities()) {
      names.push_back(identity.name());
    }
    more = page.more();
    if (page.identities_size() > 0) {
      list.set_after_name(page.identities(page.identities_size() - 1).name());
    }
  }
  EXPECT_THAT(names, ::testing::ElementsAre("T-1", "admin", "back-office"));
  v1::ListIdentitiesResponse refused;
  status = As(venue_token, [&](grpc::ClientContext* c) {
    return identities_->ListIdentities(c, v1::ListIdentitiesRequest(),
                                       &refused);
  });
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(AccessControlTest, RefusalsAreCountedAndAuditedWithoutSecrets) {
  const std::map<std::string, double> before = Refusals();
  for (const char* reason :
       {"no_credential", "unknown_credential", "revoked", "not_activated",
        "wrong_role", "other_venue", "other_terminal"}) {
    EXPECT_EQ(before.count(reason), 1u) << reason << " is not exported";
  }

  const v1::EnrollTerminalResponse enrolled =
      Enroll("T-audit", scheme_.venue_id);
  v1::CredentialIssued issued;
  ASSERT_TRUE(Activate(enrolled.activation_code(), &issued).ok());
  const std::string token = issued.token();
  const std::string venue_token = server_->credentials().CreateAccount(
      "audit-office", v1::ROLE_VENUE, scheme_.venue_id);
  ASSERT_FALSE(venue_token.empty());

  // no_credential
  v1::Identity who;
  EXPECT_EQ(WhoAmI("", &who).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  // wrong_role
  v1::Programme programme;
  grpc::Status status = As(token, [&](grpc::ClientContext* c) {
    return plain_admin_->CreateProgramme(c, v1::CreateProgrammeRequest(),
                                         &programme);
  });
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  // other_venue
  v1::CheckPassRequest check;
  check.set_code(scheme_.codes[0]);
  check.set_venue_id(other_venue_);
  v1::CheckPassResponse checked;
  status = As(venue_token, [&](grpc::ClientContext* c) {
    return redeem_->CheckPass(c, check, &checked);
  });
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  // revoked
  ASSERT_TRUE(Revoke("T-audit").ok());
  v1::RedeemResponse redeemed;
  status = RedeemAs(
      token,
      MakeRedeemRequest(scheme_.codes[0], scheme_.venue_id, "T-audit", "a-0"),
      &redeemed);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  // unknown_credential, with a token-like string that must not be logged.
  const std::string forged = "pc_forgedforgedforgedforgedforgedforgedforge";
  EXPECT_EQ(WhoAmI(forged, &who).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);

  const std::map<std::string, double> after = Refusals();
  for (const char* reason : {"no_credential", "wrong_role", "other_venue",
                             "revoked", "unknown_credential"}) {
    EXPECT_EQ(after.at(reason) - before.at(reason), 1) << reason;
  }
  EXPECT_EQ(after.at("other_terminal"), before.at("other_terminal"));
  EXPECT_EQ(after.at("not_activated"), before.at("not_activated"));

  // The audit log: one JSON object per refusal, naming the method, the
  // caller when known, and the peer.
  const std::vector<AuditLine> no_credential =
      AuditOf("refused", "/passclear.v1.IdentityService/WhoAmI");
  ASSERT_EQ(no_credential.size(), 2u);  // no credential, then forged
  EXPECT_EQ(no_credential[0]["reason"], "no_credential");
  EXPECT_EQ(no_credential[0]["identity"], "");
  EXPECT_THAT(no_credential[0]["peer"], StartsWith("ipv4:127.0.0.1:"));
  EXPECT_THAT(no_credential[0]["detail"], StartsWith("no credential"));
  EXPECT_EQ(no_credential[1]["reason"], "unknown_credential");

  const std::vector<AuditLine> wrong_role =
      AuditOf("refused", "/passclear.v1.AdminService/CreateProgramme");
  ASSERT_EQ(wrong_role.size(), 1u);
  EXPECT_EQ(wrong_role[0]["identity"], "T-audit");
  EXPECT_EQ(wrong_role[0]["role"], "terminal");
  EXPECT_EQ(wrong_role[0]["reason"], "wrong_role");
  EXPECT_THAT(wrong_role[0]["peer"], StartsWith("ipv4:127.0.0.1:"));
  EXPECT_THAT(wrong_role[0]["time"], ::testing::EndsWith("Z"));

  const std::vector<AuditLine> other_venue =
      AuditOf("refused", "/passclear.v1.RedemptionService/CheckPass");
  ASSERT_EQ(other_venue.size(), 1u);
  EXPECT_EQ(other_venue[0]["identity"], "audit-office");
  EXPECT_EQ(other_venue[0]["role"], "venue");
  EXPECT_EQ(other_venue[0]["reason"], "other_venue");

  const std::vector<AuditLine> revoked =
      AuditOf("refused", std::string(kRedeemMethod));
  ASSERT_EQ(revoked.size(), 1u);
  EXPECT_EQ(revoked[0]["reason"], "revoked");
  EXPECT_THAT(revoked[0]["detail"],
              StartsWith("terminal 'T-audit' was revoked on "));
  EXPECT_THAT(revoked[0]["peer"], StartsWith("ipv4:127.0.0.1:"));

  // The changes are audited too, with who made them.
  const std::vector<AuditLine> enrolments =
      AuditOf("enrolled", "/passclear.v1.IdentityService/EnrollTerminal");
  ASSERT_FALSE(enrolments.empty());
  EXPECT_EQ(enrolments.back()["identity"], "admin");
  EXPECT_EQ(enrolments.back()["role"], "admin");
  EXPECT_EQ(enrolments.back()["detail"],
            absl::StrCat("terminal 'T-audit' for venue ", scheme_.venue_id));
  const std::vector<AuditLine> activations =
      AuditOf("activated", "/passclear.v1.IdentityService/ActivateTerminal");
  ASSERT_FALSE(activations.empty());
  EXPECT_EQ(activations.back()["identity"], "T-audit");
  const std::vector<AuditLine> accounts =
      AuditOf("account created", "/passclear.v1.IdentityService/CreateAccount");
  ASSERT_FALSE(accounts.empty());
  EXPECT_EQ(accounts.back()["identity"], "admin");
  EXPECT_EQ(accounts.back()["detail"], "venue 'audit-office'");
  const std::vector<AuditLine> revocations =
      AuditOf("revoked", "/passclear.v1.IdentityService/RevokeIdentity");
  ASSERT_EQ(revocations.size(), 1u);
  EXPECT_EQ(revocations[0]["identity"], "admin");
  EXPECT_EQ(revocations[0]["detail"], "terminal 'T-audit'");
  EXPECT_THAT(revocations[0]["peer"], StartsWith("ipv4:127.0.0.1:"));

  // No secret, whole or in part, ever reaches the log.
  const std::string text = AuditText();
  for (const std::string& secret :
       {admin_token(), token, venue_token, forged, enrolled.activation_code(),
        server_->credentials().TerminalToken("T-1", scheme_.venue_id)}) {
    ASSERT_GT(secret.size(), 10u);
    EXPECT_FALSE(absl::StrContains(text, secret)) << secret;
    EXPECT_FALSE(absl::StrContains(text, secret.substr(3, 20)))
        << "part of " << secret;
  }
}

TEST_F(AccessControlTest, RequestTextCannotForgeAuditLines) {
  const std::string token = ActiveTerminal("T-honest", scheme_.venue_id);
  // A terminal id crafted to close the JSON object and start a forged one.
  const std::string forged_id =
      "x\"}\n{\"event\":\"enrolled\",\"identity\":\"admin\",\"detail\":\"\\";
  v1::RedeemResponse refused;
  grpc::Status status = RedeemAs(
      token,
      MakeRedeemRequest(scheme_.codes[0], scheme_.venue_id, forged_id, "f-0"),
      &refused);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(status.error_message(),
            absl::StrCat("terminal 'T-honest' may not send requests as "
                         "terminal '",
                         forged_id, "'"));

  // Every line is still one JSON object (AuditLines checks it), the forged
  // text is inside the refusal's detail, and no enrolment was invented:
  // only the two real ones (the fixture's T-1 and T-honest) are there.
  const std::vector<AuditLine> refusals =
      AuditOf("refused", std::string(kRedeemMethod));
  ASSERT_EQ(refusals.size(), 1u);
  EXPECT_EQ(refusals[0]["reason"], "other_terminal");
  EXPECT_EQ(refusals[0]["identity"], "T-honest");
  EXPECT_THAT(refusals[0]["detail"], HasSubstr(forged_id));
  std::vector<std::string> enrolments;
  for (const AuditLine& line : AuditLines()) {
    EXPECT_NE(line["method"], "<missing>") << line.text;
    if (line["event"] == "enrolled") enrolments.push_back(line["detail"]);
  }
  EXPECT_THAT(
      enrolments,
      ::testing::ElementsAre(
          absl::StrCat("terminal 'T-1' for venue ", scheme_.venue_id),
          absl::StrCat("terminal 'T-honest' for venue ", scheme_.venue_id)));
}

TEST_F(AccessControlTest, RevocationIsAuditedWithItsAuthorEvenOfItself) {
  // Two admins: either may revoke the other, or itself.
  const std::string second = server_->credentials().CreateAccount(
      "ops-2", v1::ROLE_ADMIN, /*venue_id=*/0);
  ASSERT_FALSE(second.empty());
  v1::RevokeIdentityRequest request;
  request.set_name("ops-2");
  v1::Identity revoked;
  grpc::Status status = As(second, [&](grpc::ClientContext* c) {
    return identities_->RevokeIdentity(c, request, &revoked);
  });
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(revoked.state(), v1::IDENTITY_STATE_REVOKED);

  const std::vector<AuditLine> revocations =
      AuditOf("revoked", "/passclear.v1.IdentityService/RevokeIdentity");
  ASSERT_EQ(revocations.size(), 1u);
  EXPECT_EQ(revocations[0]["detail"], "admin 'ops-2'");
  // Who made the change: ops-2 itself, whose credential the change ended.
  EXPECT_EQ(revocations[0]["identity"], "ops-2") << revocations[0].text;
  EXPECT_EQ(revocations[0]["role"], "admin") << revocations[0].text;
}

TEST_F(AccessControlTest, IdentitiesSurviveARestart) {
  const std::string kept = ActiveTerminal("T-kept", scheme_.venue_id);
  const std::string gone = ActiveTerminal("T-gone", scheme_.venue_id);
  ASSERT_TRUE(Revoke("T-gone").ok());
  const v1::EnrollTerminalResponse pending =
      Enroll("T-pending", scheme_.venue_id);
  const std::string admin_before = admin_token();

  Restart();
  if (HasFatalFailure()) return;

  // The store had an admin: no new one was made, the token file is as was.
  EXPECT_EQ(admin_token(), admin_before);
  v1::Identity who;
  grpc::Status status = WhoAmI(admin_token(), &who);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(who.name(), "admin");

  status = WhoAmI(kept, &who);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(who.name(), "T-kept");
  EXPECT_EQ(who.venue_id(), scheme_.venue_id);
  v1::RedeemResponse redeemed;
  status = RedeemAs(
      kept,
      MakeRedeemRequest(scheme_.codes[0], scheme_.venue_id, "T-kept", "k-0"),
      &redeemed);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(redeemed.result(), v1::REDEEM_RESULT_REDEEMED);

  status = RedeemAs(
      gone,
      MakeRedeemRequest(scheme_.codes[1], scheme_.venue_id, "T-gone", "g-1"),
      &redeemed);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(status.error_message(),
              StartsWith("terminal 'T-gone' was revoked on "));

  // A code handed out before the restart still activates its terminal.
  v1::CredentialIssued issued;
  status = Activate(pending.activation_code(), &issued);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(issued.identity().name(), "T-pending");

  // The audit log goes on in the same file.
  EXPECT_EQ(
      AuditOf("revoked", "/passclear.v1.IdentityService/RevokeIdentity").size(),
      1u);
  EXPECT_EQ(AuditOf("refused", std::string(kRedeemMethod)).size(), 1u);
}

}  // namespace
}  // namespace passclear::testing
