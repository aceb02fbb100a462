// The operator's programme rules through the real server: booklets are
// handed out until 15 days (a programme setting) before the end of
// validity, an extension moves that deadline; a closed programme refuses
// issuance, distribution and new keys; a voided booklet stays in the
// reserve.
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/integration/server_fixture.h"

namespace passclear::testing {
namespace {

constexpr int64_t kDay = 86400;

class ProgrammeRulesTest : public ServerFixture {
 protected:
  // A programme valid from yesterday to `valid_until` (Unix seconds), with
  // one booklet issued; returns its id and sets `booklet_`.
  uint64_t ProgrammeEnding(int64_t valid_until,
                           std::optional<uint32_t> stop_days = std::nullopt) {
    v1::CreateProgrammeRequest request;
    request.set_sponsor("Commune de Test");
    request.set_name("Pass Numérique court");
    request.set_face_value_cents(1000);
    request.mutable_valid_from()->set_seconds(Now() - kDay);
    request.mutable_valid_until()->set_seconds(valid_until);
    if (stop_days) request.set_distribution_stop_days(*stop_days);
    v1::Programme programme;
    grpc::ClientContext context;
    grpc::Status status =
        admin_->CreateProgramme(&context, request, &programme);
    EXPECT_TRUE(status.ok()) << status.error_message();
    booklet_ = Issue(programme.programme_id(), nullptr);
    return programme.programme_id();
  }

  // Issues one booklet; returns its id (0 if refused, with `status`).
  uint64_t Issue(uint64_t programme_id, grpc::Status* status_out) {
    v1::IssueBookletsRequest request;
    request.set_programme_id(programme_id);
    request.set_booklet_count(1);
    request.set_booklet_size(10);
    v1::IssueBookletsResponse issued;
    grpc::ClientContext context;
    grpc::Status status = admin_->IssueBooklets(&context, request, &issued);
    if (status_out != nullptr) *status_out = status;
    if (status_out == nullptr)
      EXPECT_TRUE(status.ok()) << status.error_message();
    return status.ok() ? issued.first_booklet_id() : 0;
  }

  grpc::Status Allocate(uint64_t booklet_id) {
    v1::AllocateBookletRequest request;
    request.set_booklet_id(booklet_id);
    request.set_distributor_name("Mairie de Saint-Martin");
    request.set_distributor_reference("79001");
    v1::Booklet booklet;
    grpc::ClientContext context;
    return admin_->AllocateBooklet(&context, request, &booklet);
  }

  static int64_t Now() { return absl::ToUnixSeconds(absl::Now()); }

  uint64_t booklet_ = 0;
};

TEST_F(ProgrammeRulesTest, DistributionStopsFifteenDaysBeforeTheEnd) {
  // An hour either side of the deadline.
  ProgrammeEnding(Now() + 15 * kDay + 3600);
  EXPECT_TRUE(Allocate(booklet_).ok()) << "the day before the deadline";

  const uint64_t late = ProgrammeEnding(Now() + 15 * kDay - 3600);
  grpc::Status refused = Allocate(booklet_);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(
      absl::StrContains(refused.error_message(), "distribution stopped on"))
      << refused.error_message();
  EXPECT_TRUE(absl::StrContains(refused.error_message(), "15 days"))
      << refused.error_message();

  // An extension by amendment moves the deadline.
  v1::ExtendProgrammeRequest extend;
  extend.set_programme_id(late);
  extend.mutable_valid_until()->set_seconds(Now() + 60 * kDay);
  extend.set_reference("Délibération 2026-42");
  v1::Programme extended;
  grpc::ClientContext extend_context;
  ASSERT_TRUE(admin_->ExtendProgramme(&extend_context, extend, &extended).ok());
  EXPECT_EQ(extended.distribution_ends_at().seconds(),
            extended.valid_until().seconds() - 15 * kDay);
  EXPECT_TRUE(Allocate(booklet_).ok());

  // The period is the programme's: with none, until the last moment.
  ProgrammeEnding(Now() + 3600, /*stop_days=*/0);
  EXPECT_TRUE(Allocate(booklet_).ok());
}

TEST_F(ProgrammeRulesTest, AClosedProgrammeRefusesIssuanceDistributionAndKeys) {
  const uint64_t programme = ProgrammeEnding(Now() + 365 * kDay);
  v1::ProgrammeRef ref;
  ref.set_programme_id(programme);
  v1::Programme closed;
  grpc::ClientContext close_context;
  ASSERT_TRUE(admin_->CloseProgramme(&close_context, ref, &closed).ok());
  v1::ProgrammeUsage before;
  grpc::ClientContext before_context;
  ASSERT_TRUE(admin_->GetProgrammeUsage(&before_context, ref, &before).ok());

  grpc::Status issued;
  Issue(programme, &issued);
  EXPECT_EQ(issued.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(issued.error_message(), "was closed on"))
      << issued.error_message();
  grpc::Status allocated = Allocate(booklet_);
  EXPECT_EQ(allocated.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  v1::Programme rotated;
  grpc::ClientContext rotate_context;
  EXPECT_EQ(
      admin_->RotateProgrammeKey(&rotate_context, ref, &rotated).error_code(),
      grpc::StatusCode::FAILED_PRECONDITION);

  // Reading and the refund still work, and nothing moved.
  v1::ProgrammeUsage after;
  grpc::ClientContext after_context;
  ASSERT_TRUE(admin_->GetProgrammeUsage(&after_context, ref, &after).ok());
  EXPECT_EQ(after.issued(), before.issued());
  EXPECT_EQ(after.refund_due_cents(), before.refund_due_cents());
  EXPECT_EQ(after.refund_due_cents(), 10 * 1000);
}

TEST_F(ProgrammeRulesTest, AVoidedBookletStaysInTheReserve) {
  ProgrammeEnding(Now() + 365 * kDay);
  v1::VoidPassesRequest void_request;
  void_request.set_booklet_id(booklet_);
  void_request.set_reason("booklet reported stolen by the commune");
  v1::VoidPassesResponse voided;
  grpc::ClientContext void_context;
  ASSERT_TRUE(admin_->VoidPasses(&void_context, void_request, &voided).ok());
  grpc::Status refused = Allocate(booklet_);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(refused.error_message(), "voided passes"))
      << refused.error_message();
}

}  // namespace
}  // namespace passclear::testing
