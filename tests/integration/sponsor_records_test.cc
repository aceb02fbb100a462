// What a sponsor reads through the real server: where each booklet is and
// what became of its passes, page by page, and the refund statement of a
// closed programme, which verifies offline with openssl.
#include <cstdlib>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "passclear/v1/clearing.grpc.pb.h"
#include "tests/integration/server_fixture.h"

namespace passclear::testing {
namespace {

class SponsorRecordsTest : public ServerFixture {
 protected:
  std::string WriteTempFile(const std::string& name, const std::string& bytes) {
    const std::string path = temp_dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }
};

TEST_F(SponsorRecordsTest, BookletsShowTheirHolderAndTheirPassesPageByPage) {
  // The scheme has booklets 1 to 3: hand out booklet 2, redeem a pass of
  // booklet 1 and void one of booklet 3.
  v1::AllocateBookletRequest allocate;
  allocate.set_booklet_id(2);
  allocate.set_distributor_name("Mairie de Saint-Martin");
  allocate.set_distributor_reference("79001");
  v1::Booklet allocated;
  grpc::ClientContext allocate_context;
  ASSERT_TRUE(
      admin_->AllocateBooklet(&allocate_context, allocate, &allocated).ok());
  Redeem(MakeRedeemRequest(scheme_.codes[0], scheme_.venue_id, "T-1", "r-0"));
  v1::VoidPassesRequest void_request;
  void_request.set_serial(25);
  void_request.set_reason("pass lost by its holder");
  v1::VoidPassesResponse voided;
  grpc::ClientContext void_context;
  ASSERT_TRUE(admin_->VoidPasses(&void_context, void_request, &voided).ok());

  v1::ListBookletsRequest request;
  request.set_programme_id(scheme_.programme_id);
  request.set_page_size(2);
  v1::ListBookletsResponse first;
  grpc::ClientContext first_context;
  ASSERT_TRUE(admin_->ListBooklets(&first_context, request, &first).ok());
  ASSERT_EQ(first.booklets_size(), 2);
  EXPECT_EQ(first.booklets(0).passes_redeemed(), 1u);
  EXPECT_EQ(first.booklets(1).distributor_name(), "Mairie de Saint-Martin");
  EXPECT_EQ(first.next_after_booklet_id(), 2u);
  request.set_after_booklet_id(first.next_after_booklet_id());
  v1::ListBookletsResponse second;
  grpc::ClientContext second_context;
  ASSERT_TRUE(admin_->ListBooklets(&second_context, request, &second).ok());
  ASSERT_EQ(second.booklets_size(), 1);
  EXPECT_EQ(second.booklets(0).booklet_id(), 3u);
  EXPECT_EQ(second.booklets(0).passes_voided(), 1u);
  EXPECT_TRUE(second.booklets(0).distributor_name().empty());
  EXPECT_EQ(second.next_after_booklet_id(), 0u) << "the last page";

  v1::BookletRef ref;
  ref.set_booklet_id(1);
  v1::Booklet booklet;
  grpc::ClientContext get_context;
  ASSERT_TRUE(admin_->GetBooklet(&get_context, ref, &booklet).ok());
  EXPECT_EQ(booklet.programme_id(), scheme_.programme_id);
  EXPECT_EQ(booklet.passes_redeemed(), 1u);
}

TEST_F(SponsorRecordsTest, AClosedProgrammesRefundStatementVerifiesOffline) {
  Redeem(MakeRedeemRequest(scheme_.codes[0], scheme_.venue_id, "T-1", "r-0"));
  v1::ProgrammeRef ref;
  ref.set_programme_id(scheme_.programme_id);
  v1::RefundStatement statement;
  grpc::ClientContext open_context;
  EXPECT_EQ(
      admin_->GetRefundStatement(&open_context, ref, &statement).error_code(),
      grpc::StatusCode::FAILED_PRECONDITION)
      << "no refund while the programme is open";

  v1::Programme closed;
  grpc::ClientContext close_context;
  ASSERT_TRUE(admin_->CloseProgramme(&close_context, ref, &closed).ok());
  grpc::ClientContext context;
  ASSERT_TRUE(admin_->GetRefundStatement(&context, ref, &statement).ok());
  // 30 passes issued, 1 redeemed: 29 passes of 10 EUR are owed back.
  EXPECT_TRUE(absl::StrContains(statement.text(), "issued: 30\n"));
  EXPECT_TRUE(absl::StrContains(statement.text(), "redeemed: 1\n"));
  EXPECT_TRUE(absl::StrContains(statement.text(), "refund_due_cents: 29000\n"))
      << statement.text();

  auto clearing = v1::ClearingService::NewStub(server_->Channel());
  v1::ListSigningKeysResponse keys;
  grpc::ClientContext keys_context;
  ASSERT_TRUE(
      clearing
          ->ListSigningKeys(&keys_context, v1::ListSigningKeysRequest(), &keys)
          .ok());
  const std::string pem =
      WriteTempFile("key.pem", keys.keys(0).public_key_pem());
  const std::string signature =
      WriteTempFile("refund.sig", statement.signature());
  const std::string verify =
      absl::StrCat("openssl pkeyutl -verify -pubin -inkey ", pem,
                   " -rawin -sigfile ", signature, " -in ");
  const std::string text = WriteTempFile("refund.txt", statement.text());
  EXPECT_EQ(std::system((verify + text + " >/dev/null 2>&1").c_str()), 0);
  std::string altered = statement.text();
  altered.replace(altered.find("refund_due_cents: 29000"), 23,
                  "refund_due_cents: 99000");
  const std::string forged = WriteTempFile("forged.txt", altered);
  EXPECT_NE(std::system((verify + forged + " >/dev/null 2>&1").c_str()), 0);
}

}  // namespace
}  // namespace passclear::testing
