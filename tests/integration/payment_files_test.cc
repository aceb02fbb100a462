// Payment files through the real server, as a bank takes them: each batch
// in one file at a time, a lost file fetched again byte for byte, a new
// message id and end-to-end id for each attempt, message ids distinct
// across stores, no execution date in the past, and a venue whose IBAN was
// refused paid to its corrected account after resubmission.
#include <cstdlib>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "passclear/v1/clearing.grpc.pb.h"
#include "tests/integration/server_fixture.h"

namespace passclear::testing {
namespace {

constexpr char kNewIban[] = "FR7630001007941234567890185";

class PaymentFilesTest : public ServerFixture {
 protected:
  void SetUp() override {
    ServerFixture::SetUp();
    if (HasFatalFailure()) return;
    clearing_ = v1::ClearingService::NewStub(server_->Channel());
    v1::Venue other;
    grpc::ClientContext context;
    ASSERT_TRUE(admin_
                    ->RegisterVenue(&context,
                                    MakeVenueRequest("Tiers-lieu numérique",
                                                     scheme_.programme_id,
                                                     /*labelled=*/true),
                                    &other)
                    .ok());
    other_venue_ = other.venue_id();
  }

  // Redeems `count` passes from `first` at `venue`, closes the cycle, and
  // returns the venue's closed batch.
  uint64_t ClosedBatchOf(uint64_t venue, size_t first, size_t count) {
    for (size_t i = first; i < first + count; ++i) {
      EXPECT_EQ(Redeem(MakeRedeemRequest(scheme_.codes[i], venue,
                                         absl::StrCat("T-", venue),
                                         absl::StrCat("r-", i)))
                    .result(),
                v1::REDEEM_RESULT_REDEEMED);
    }
    v1::CloseCycleResponse closed;
    grpc::ClientContext close_context;
    EXPECT_TRUE(
        clearing_->CloseCycle(&close_context, v1::CloseCycleRequest(), &closed)
            .ok());
    v1::ListClosedBatchesResponse batches;
    grpc::ClientContext list_context;
    EXPECT_TRUE(clearing_
                    ->ListClosedBatches(
                        &list_context, v1::ListClosedBatchesRequest(), &batches)
                    .ok());
    for (const v1::ClaimBatch& batch : batches.batches()) {
      if (batch.venue_id() == venue && batch.line_count() == count) {
        return batch.batch_id();
      }
    }
    ADD_FAILURE() << "no closed batch of venue " << venue;
    return 0;
  }

  grpc::Status Export(const std::vector<uint64_t>& batch_ids,
                      v1::ExportCreditTransfersResponse* file,
                      const std::string& execution_date = "") {
    v1::ExportCreditTransfersRequest request;
    for (uint64_t id : batch_ids) request.add_batch_ids(id);
    request.set_execution_date(execution_date);
    grpc::ClientContext context;
    return clearing_->ExportCreditTransfers(&context, request, file);
  }

  v1::ClaimBatch GetBatch(uint64_t batch_id) {
    v1::BatchRef ref;
    ref.set_batch_id(batch_id);
    v1::ClaimBatch batch;
    grpc::ClientContext context;
    grpc::Status status = clearing_->GetBatch(&context, ref, &batch);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return batch;
  }

  void Reject(uint64_t batch_id) {
    v1::RejectBatchRequest request;
    request.set_batch_id(batch_id);
    request.set_reason("IBAN refused by the bank (AC04 closed account)");
    v1::ClaimBatch rejected;
    grpc::ClientContext context;
    ASSERT_TRUE(clearing_->RejectBatch(&context, request, &rejected).ok());
  }

  void Resubmit(uint64_t batch_id) {
    v1::BatchRef ref;
    ref.set_batch_id(batch_id);
    v1::ClaimBatch resubmitted;
    grpc::ClientContext context;
    grpc::Status status = clearing_->ResubmitBatch(&context, ref, &resubmitted);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  // Whether xmllint accepts `xml` against the ISO 20022 schema.
  bool ValidatesAgainstSchema(const std::string& xml) {
    const std::string path = temp_dir_ + "/transfers.xml";
    std::ofstream(path, std::ios::binary) << xml;
    return std::system(absl::StrCat("xmllint --noout --schema ",
                                    PASSCLEAR_SEPA_SCHEMA, " ", path,
                                    " 2>/dev/null")
                           .c_str()) == 0;
  }

  std::unique_ptr<v1::ClearingService::Stub> clearing_;
  uint64_t other_venue_ = 0;
};

TEST_F(PaymentFilesTest, ABatchIsInOneFileUntilTheMandataryAnswers) {
  const uint64_t first = ClosedBatchOf(scheme_.venue_id, 0, 2);
  const uint64_t second = ClosedBatchOf(other_venue_, 2, 1);

  v1::ExportCreditTransfersResponse file;
  ASSERT_TRUE(Export({first}, &file, "2099-01-15").ok());
  EXPECT_TRUE(absl::StartsWith(file.message_id(), "PC-")) << file.message_id();
  EXPECT_LE(file.message_id().size(), 35u);
  EXPECT_TRUE(absl::StrContains(
      file.xml(), absl::StrCat("<EndToEndId>B", first, "-1</EndToEndId>")))
      << file.xml();
  const v1::ClaimBatch exported = GetBatch(first);
  EXPECT_EQ(exported.payment_file().message_id(), file.message_id());
  EXPECT_EQ(exported.payment_file().end_to_end_id(),
            absl::StrCat("B", first, "-1"));
  EXPECT_EQ(exported.payment_file().attempt(), 1u);
  EXPECT_TRUE(exported.payment_file().pending());
  EXPECT_EQ(exported.payment_file().iban(), "FR7630006000011234567890189");

  // The answer was lost: the same batches give the same file, byte for byte
  // (and a bank refuses its repeated message id).
  v1::ExportCreditTransfersResponse again;
  ASSERT_TRUE(Export({first}, &again).ok());
  EXPECT_EQ(again.xml(), file.xml());
  EXPECT_EQ(again.message_id(), file.message_id());

  // Another file holding the pending batch would pay it twice.
  v1::ExportCreditTransfersResponse mixed;
  grpc::Status refused = Export({second, first}, &mixed);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(refused.error_message(), file.message_id()))
      << refused.error_message();

  // The other batch goes into a file of its own, with another message id.
  v1::ExportCreditTransfersResponse other_file;
  ASSERT_TRUE(Export({second}, &other_file).ok());
  EXPECT_NE(other_file.message_id(), file.message_id());

  // Once paid, neither file can be made again.
  v1::AcknowledgeBatchRequest paid;
  paid.set_batch_id(first);
  paid.set_payment_reference("VIR-2099-001");
  paid.set_amount_paid_cents(GetBatch(first).total_cents());
  v1::ClaimBatch acknowledged;
  grpc::ClientContext paid_context;
  ASSERT_TRUE(
      clearing_->AcknowledgeBatch(&paid_context, paid, &acknowledged).ok());
  EXPECT_FALSE(acknowledged.payment_file().pending());
  EXPECT_EQ(Export({first}, &again).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(PaymentFilesTest, AnExecutionDateInThePastIsRefused) {
  const uint64_t batch = ClosedBatchOf(scheme_.venue_id, 0, 1);
  v1::ExportCreditTransfersResponse file;
  grpc::Status refused = Export({batch}, &file, "2020-03-02");
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(refused.error_message(),
                                "execution_date: 2020-03-02 is in the past"))
      << refused.error_message();
  EXPECT_FALSE(GetBatch(batch).has_payment_file()) << "nothing was recorded";
  EXPECT_TRUE(Export({batch}, &file).ok()) << "the next day by default";
}

TEST_F(PaymentFilesTest, ARejectedVenueIsPaidToItsCorrectedIbanInANewFile) {
  const uint64_t batch = ClosedBatchOf(other_venue_, 0, 2);
  v1::ExportCreditTransfersResponse refused_file;
  ASSERT_TRUE(Export({batch}, &refused_file).ok());
  Reject(batch);

  // The venue gives its new account; the change is kept with who made it.
  v1::UpdateVenueRequest update;
  update.set_venue_id(other_venue_);
  update.set_iban("FR76 3000 1007 9412 3456 7890 185");
  update.set_bic("BDFEFRPP");
  update.set_reason("new account after AC04 rejection");
  v1::Venue updated;
  grpc::ClientContext update_context;
  grpc::Status status = admin_->UpdateVenue(&update_context, update, &updated);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(updated.iban(), kNewIban);

  Resubmit(batch);
  v1::ExportCreditTransfersResponse file;
  ASSERT_TRUE(Export({batch}, &file).ok());
  EXPECT_NE(file.message_id(), refused_file.message_id());
  EXPECT_TRUE(absl::StrContains(file.xml(), kNewIban)) << file.xml();
  EXPECT_FALSE(absl::StrContains(file.xml(), "FR7630006000011234567890189"));
  EXPECT_TRUE(absl::StrContains(
      file.xml(), absl::StrCat("<EndToEndId>B", batch, "-2</EndToEndId>")));
  EXPECT_TRUE(ValidatesAgainstSchema(file.xml())) << file.xml();
  const v1::ClaimBatch resubmitted = GetBatch(batch);
  EXPECT_EQ(resubmitted.payment_file().iban(), kNewIban);
  EXPECT_EQ(resubmitted.payment_file().attempt(), 2u);
  EXPECT_EQ(resubmitted.payment_file().message_id(), file.message_id());

  v1::VenueRef ref;
  ref.set_venue_id(other_venue_);
  v1::Venue venue;
  grpc::ClientContext get_context;
  ASSERT_TRUE(admin_->GetVenue(&get_context, ref, &venue).ok());
  ASSERT_EQ(venue.history_size(), 2) << venue.DebugString();
  EXPECT_EQ(venue.history(0).field(), "iban");
  EXPECT_EQ(venue.history(0).old_value(), "FR7630006000011234567890189");
  EXPECT_EQ(venue.history(0).new_value(), kNewIban);
  EXPECT_EQ(venue.history(0).changed_by(), "admin");
  EXPECT_EQ(venue.history(0).reason(), "new account after AC04 rejection");
  EXPECT_EQ(venue.history(1).field(), "bic");
}

TEST_F(PaymentFilesTest, TwoStoresNeverShareAMessageId) {
  const uint64_t batch = ClosedBatchOf(scheme_.venue_id, 0, 1);
  v1::ExportCreditTransfersResponse file;
  ASSERT_TRUE(Export({batch}, &file).ok());

  // A second store of the same shape: its batch has the same id.
  const std::string other_dir = temp_dir_ + "/other-data";
  ServerProcess other = ServerProcess::Start(other_dir);
  ASSERT_TRUE(other.running());
  auto other_admin = v1::AdminService::NewStub(other.Channel());
  const Scheme other_scheme = SetUpScheme(*other_admin, /*booklets=*/1);
  auto other_redemption = v1::RedemptionService::NewStub(other.Channel());
  v1::RedeemResponse redeemed;
  grpc::ClientContext redeem_context;
  ASSERT_TRUE(
      other_redemption
          ->Redeem(&redeem_context,
                   MakeRedeemRequest(other_scheme.codes[0],
                                     other_scheme.venue_id, "T-1", "r-0"),
                   &redeemed)
          .ok());
  auto other_clearing = v1::ClearingService::NewStub(other.Channel());
  v1::CloseCycleResponse closed;
  grpc::ClientContext close_context;
  ASSERT_TRUE(other_clearing
                  ->CloseCycle(&close_context, v1::CloseCycleRequest(), &closed)
                  .ok());
  v1::ExportCreditTransfersRequest request;
  request.add_batch_ids(batch);
  v1::ExportCreditTransfersResponse other_file;
  grpc::ClientContext export_context;
  grpc::Status status = other_clearing->ExportCreditTransfers(
      &export_context, request, &other_file);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_NE(other_file.message_id(), file.message_id());
}

}  // namespace
}  // namespace passclear::testing
