// Clearing through the real server: the mandatary pulls closed batches with
// a cursor across pages and restarts, exports a SEPA file that validates
// against the ISO 20022 schema, acknowledges, rejects and resubmits; signed
// statements verify with openssl; and cycles closed while 16 clients redeem
// lose nothing and pay nothing twice.
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "passclear/v1/clearing.grpc.pb.h"
#include "tests/integration/server_fixture.h"

namespace passclear::testing {
namespace {

class ClearingTest : public ServerFixture {
 protected:
  void SetUp() override {
    ServerFixture::SetUp();
    if (HasFatalFailure()) return;
    ConnectClearing();
    venues_.push_back(scheme_.venue_id);
    for (const char* name : {"Cyber-base du Val", "Tiers-lieu numérique"}) {
      v1::Venue venue;
      grpc::ClientContext context;
      ASSERT_TRUE(admin_
                      ->RegisterVenue(
                          &context,
                          MakeVenueRequest(name, scheme_.programme_id, true),
                          &venue)
                      .ok());
      venues_.push_back(venue.venue_id());
    }
  }

  void ConnectClearing() {
    clearing_ = v1::ClearingService::NewStub(server_->Channel());
  }

  void RedeemCode(size_t index, uint64_t venue_id) {
    // Each venue has its own terminal: one is enrolled for one venue.
    ASSERT_EQ(Redeem(MakeRedeemRequest(scheme_.codes[index], venue_id,
                                       absl::StrCat("T-", venue_id),
                                       absl::StrCat("r-", index)))
                  .result(),
              v1::REDEEM_RESULT_REDEEMED);
  }

  v1::CloseCycleResponse CloseCycle() {
    v1::CloseCycleResponse response;
    grpc::ClientContext context;
    grpc::Status status =
        clearing_->CloseCycle(&context, v1::CloseCycleRequest(), &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  grpc::Status List(uint64_t after, uint32_t page_size,
                    v1::ListClosedBatchesResponse& response) {
    v1::ListClosedBatchesRequest request;
    request.set_after_cursor(after);
    request.set_page_size(page_size);
    grpc::ClientContext context;
    return clearing_->ListClosedBatches(&context, request, &response);
  }

  grpc::Status Acknowledge(uint64_t batch_id, const std::string& reference,
                           int64_t cents, v1::ClaimBatch* out = nullptr) {
    v1::AcknowledgeBatchRequest request;
    request.set_batch_id(batch_id);
    request.set_payment_reference(reference);
    request.set_amount_paid_cents(cents);
    v1::ClaimBatch batch;
    grpc::ClientContext context;
    grpc::Status status =
        clearing_->AcknowledgeBatch(&context, request, out ? out : &batch);
    return status;
  }

  v1::CheckPassResponse Check(size_t index) {
    v1::CheckPassRequest request;
    request.set_code(scheme_.codes[index]);
    v1::CheckPassResponse response;
    grpc::ClientContext context;
    EXPECT_TRUE(redemption_->CheckPass(&context, request, &response).ok());
    return response;
  }

  v1::ReconcileResponse Reconcile() {
    v1::ReconcileResponse response;
    grpc::ClientContext context;
    grpc::Status status =
        clearing_->Reconcile(&context, v1::ReconcileRequest(), &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    for (const v1::Breach& breach : response.breaches()) {
      ADD_FAILURE() << breach.rule() << ": " << breach.message();
    }
    return response;
  }

  std::string WriteTempFile(const std::string& name, const std::string& bytes) {
    const std::string path = temp_dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }

  std::unique_ptr<v1::ClearingService::Stub> clearing_;
  std::vector<uint64_t> venues_;
};

TEST_F(ClearingTest, MandataryPullsPaysAndAcknowledgesEachBatchOnce) {
  // Venue 0: 3 redemptions, venue 1: 2, venue 2: 1.
  RedeemCode(0, venues_[0]);
  RedeemCode(1, venues_[0]);
  RedeemCode(2, venues_[0]);
  RedeemCode(3, venues_[1]);
  RedeemCode(4, venues_[1]);
  RedeemCode(5, venues_[2]);
  EXPECT_EQ(Check(0).state(), v1::PASS_STATE_REDEEMED);
  const uint64_t open_batch = Check(0).batch_id();
  grpc::Status open = Acknowledge(open_batch, "VIR-0", 3000);
  EXPECT_EQ(open.error_code(), grpc::StatusCode::FAILED_PRECONDITION);

  v1::CloseCycleResponse closed = CloseCycle();
  EXPECT_EQ(closed.batches_closed(), 3u);
  EXPECT_EQ(closed.lines(), 6u);
  EXPECT_EQ(closed.total_cents(), 6000);
  EXPECT_EQ(Check(0).state(), v1::PASS_STATE_CLAIMED);

  // The mandatary pages with a cursor, one batch at a time, and a restart
  // in the middle changes nothing.
  std::vector<v1::ClaimBatch> pulled;
  uint64_t cursor = 0;
  v1::ListClosedBatchesResponse page;
  ASSERT_TRUE(List(cursor, 1, page).ok());
  ASSERT_EQ(page.batches_size(), 1);
  pulled.push_back(page.batches(0));
  cursor = page.next_cursor();
  clearing_.reset();
  ASSERT_EQ(StopServer(), 0);
  StartServer();
  ConnectClearing();
  while (true) {
    v1::ListClosedBatchesResponse next;
    ASSERT_TRUE(List(cursor, 1, next).ok());
    if (next.batches_size() == 0) break;
    pulled.push_back(next.batches(0));
    cursor = next.next_cursor();
  }
  ASSERT_EQ(pulled.size(), 3u);
  int64_t total = 0;
  for (const v1::ClaimBatch& batch : pulled) {
    total += batch.total_cents();
    EXPECT_EQ(batch.status(), v1::BATCH_STATUS_CLOSED);
    ASSERT_EQ(batch.subtotals_size(), 1);
    EXPECT_EQ(batch.subtotals(0).cents(), batch.total_cents());
  }
  EXPECT_EQ(total, 6000);
  v1::ListClosedBatchesResponse future;
  EXPECT_EQ(List(cursor + 5, 10, future).error_code(),
            grpc::StatusCode::OUT_OF_RANGE);

  // The lines of the first batch, as a stream.
  v1::BatchRef ref;
  ref.set_batch_id(open_batch);
  grpc::ClientContext lines_context;
  auto reader = clearing_->StreamBatchLines(&lines_context, ref);
  std::set<uint64_t> serials;
  v1::BatchLines lines;
  while (reader->Read(&lines)) {
    for (const v1::ClaimLine& line : lines.lines())
      serials.insert(line.serial());
  }
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_EQ(serials.size(), 3u);

  // The SEPA file paying all three validates against ISO 20022.
  v1::ExportCreditTransfersRequest export_request;
  for (const v1::ClaimBatch& batch : pulled) {
    export_request.add_batch_ids(batch.batch_id());
  }
  export_request.set_execution_date("2030-01-15");
  v1::ExportCreditTransfersResponse file;
  grpc::ClientContext export_context;
  grpc::Status exported =
      clearing_->ExportCreditTransfers(&export_context, export_request, &file);
  ASSERT_TRUE(exported.ok()) << exported.error_message();
  EXPECT_EQ(file.transfer_count(), 3u);
  EXPECT_EQ(file.total_cents(), 6000);
  EXPECT_NE(file.xml().find("<CtrlSum>60.00</CtrlSum>"), std::string::npos);
  const std::string xml_path = WriteTempFile("transfers.xml", file.xml());
  EXPECT_EQ(std::system(absl::StrCat("xmllint --noout --schema ",
                                     PASSCLEAR_SEPA_SCHEMA, " ", xml_path,
                                     " 2>/dev/null")
                            .c_str()),
            0)
      << file.xml();

  // Acknowledge: once, replayed, then a conflicting one.
  const v1::ClaimBatch& first = pulled[0];
  v1::ClaimBatch paid;
  ASSERT_TRUE(
      Acknowledge(first.batch_id(), "VIR-2030-001", first.total_cents(), &paid)
          .ok());
  EXPECT_EQ(paid.status(), v1::BATCH_STATUS_PAID);
  EXPECT_TRUE(
      Acknowledge(first.batch_id(), "VIR-2030-001", first.total_cents()).ok());
  EXPECT_EQ(Acknowledge(first.batch_id(), "VIR-2030-999", first.total_cents())
                .error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(Acknowledge(pulled[1].batch_id(), "VIR-2030-002", 1).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  v1::ExportCreditTransfersResponse again;
  grpc::ClientContext again_context;
  EXPECT_EQ(
      clearing_->ExportCreditTransfers(&again_context, export_request, &again)
          .error_code(),
      grpc::StatusCode::FAILED_PRECONDITION)
      << "a paid batch is not paid twice";

  // Reject the second, resubmit it: it comes back after the cursor.
  v1::RejectBatchRequest reject;
  reject.set_batch_id(pulled[1].batch_id());
  reject.set_reason("IBAN refused by the bank (AC04)");
  v1::ClaimBatch rejected;
  grpc::ClientContext reject_context;
  ASSERT_TRUE(clearing_->RejectBatch(&reject_context, reject, &rejected).ok());
  EXPECT_EQ(rejected.status(), v1::BATCH_STATUS_REJECTED);
  v1::BatchRef resubmit;
  resubmit.set_batch_id(pulled[1].batch_id());
  v1::ClaimBatch resubmitted;
  grpc::ClientContext resubmit_context;
  ASSERT_TRUE(
      clearing_->ResubmitBatch(&resubmit_context, resubmit, &resubmitted).ok());
  v1::ListClosedBatchesResponse after;
  ASSERT_TRUE(List(cursor, 10, after).ok());
  ASSERT_EQ(after.batches_size(), 1);
  EXPECT_EQ(after.batches(0).batch_id(), pulled[1].batch_id());

  // Pass states follow the batches: venue 0's batch opened first, closed
  // first, and is the one paid.
  ASSERT_EQ(first.batch_id(), open_batch);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(Check(i).state(), v1::PASS_STATE_PAID);
    EXPECT_EQ(Check(i).batch_id(), open_batch);
  }
  EXPECT_EQ(Check(3).state(), v1::PASS_STATE_CLAIMED);
  EXPECT_TRUE(Reconcile().breaches().empty());
}

TEST_F(ClearingTest, StatementVerifiesOfflineWithOpensslAndDetectsTampering) {
  RedeemCode(0, venues_[0]);
  CloseCycle();
  const uint64_t batch_id = Check(0).batch_id();
  v1::BatchRef ref;
  ref.set_batch_id(batch_id);
  v1::BatchStatement statement;
  grpc::ClientContext context;
  ASSERT_TRUE(clearing_->GetBatchStatement(&context, ref, &statement).ok());
  EXPECT_NE(statement.text().find(absl::StrCat("batch_id: ", batch_id)),
            std::string::npos);
  v1::ListSigningKeysResponse keys;
  grpc::ClientContext keys_context;
  ASSERT_TRUE(
      clearing_
          ->ListSigningKeys(&keys_context, v1::ListSigningKeysRequest(), &keys)
          .ok());
  ASSERT_EQ(keys.keys_size(), 1);
  const std::string pem =
      WriteTempFile("key.pem", keys.keys(0).public_key_pem());
  const std::string text = WriteTempFile("statement.txt", statement.text());
  const std::string signature =
      WriteTempFile("statement.sig", statement.signature());
  const std::string verify =
      absl::StrCat("openssl pkeyutl -verify -pubin -inkey ", pem,
                   " -rawin -sigfile ", signature, " -in ");
  EXPECT_EQ(std::system((verify + text + " >/dev/null 2>&1").c_str()), 0);
  std::string altered = statement.text();
  altered.replace(altered.find("total_cents: 1000"), 17, "total_cents: 9000");
  const std::string forged = WriteTempFile("forged.txt", altered);
  EXPECT_NE(std::system((verify + forged + " >/dev/null 2>&1").c_str()), 0);

  // After a rotation the old statement still verifies with its key.
  v1::SigningKey rotated;
  grpc::ClientContext rotate_context;
  ASSERT_TRUE(clearing_
                  ->RotateSigningKey(&rotate_context,
                                     v1::RotateSigningKeyRequest(), &rotated)
                  .ok());
  EXPECT_EQ(rotated.version(), 2u);
  EXPECT_EQ(statement.signing_key_version(), 1u);
  EXPECT_EQ(std::system((verify + text + " >/dev/null 2>&1").c_str()), 0);
}

TEST_F(ClearingTest, CyclesClosedWhileSixteenClientsRedeemLoseNothing) {
  // 1,000 passes, 16 clients, each over its own share, at three venues;
  // cycles close meanwhile.
  ASSERT_EQ(StopServer(), 0);
  std::filesystem::remove_all(data_dir_);
  StartServer();
  ConnectClearing();
  scheme_ = SetUpScheme(*admin_, /*booklets=*/100);
  venues_ = {scheme_.venue_id};
  constexpr int kClients = 16;
  std::atomic<int> redeemed{0};
  std::atomic<bool> done{false};
  std::vector<std::thread> clients;
  for (int client = 0; client < kClients; ++client) {
    clients.emplace_back([&, client] {
      auto stub = v1::RedemptionService::NewStub(server_->Channel());
      for (size_t i = client; i < scheme_.codes.size(); i += kClients) {
        v1::RedeemResponse response;
        grpc::ClientContext context;
        if (stub->Redeem(&context,
                         MakeRedeemRequest(scheme_.codes[i], scheme_.venue_id,
                                           absl::StrCat("T-", client),
                                           absl::StrCat("r-", i)),
                         &response)
                .ok() &&
            response.result() == v1::REDEEM_RESULT_REDEEMED) {
          redeemed.fetch_add(1);
        }
      }
    });
  }
  int closes = 0;
  std::thread closer([&] {
    while (!done.load()) {
      CloseCycle();
      ++closes;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  for (std::thread& client : clients) client.join();
  done.store(true);
  closer.join();
  CloseCycle();
  EXPECT_GE(closes, 2);
  EXPECT_EQ(redeemed.load(), 1000);

  // Every redemption is in exactly one closed batch, and they add up.
  std::map<uint64_t, int> lines_per_serial;
  int64_t total = 0;
  uint64_t cursor = 0;
  while (true) {
    v1::ListClosedBatchesResponse page;
    ASSERT_TRUE(List(cursor, 1000, page).ok());
    if (page.batches_size() == 0) break;
    for (const v1::ClaimBatch& batch : page.batches()) {
      total += batch.total_cents();
      v1::BatchRef ref;
      ref.set_batch_id(batch.batch_id());
      grpc::ClientContext context;
      auto reader = clearing_->StreamBatchLines(&context, ref);
      v1::BatchLines lines;
      while (reader->Read(&lines)) {
        for (const v1::ClaimLine& line : lines.lines()) {
          ++lines_per_serial[line.serial()];
        }
      }
      ASSERT_TRUE(reader->Finish().ok());
    }
    cursor = page.next_cursor();
  }
  EXPECT_EQ(total, 1000 * int64_t{redeemed.load()});
  EXPECT_EQ(lines_per_serial.size(), 1000u);
  for (const auto& [serial, count] : lines_per_serial) {
    EXPECT_EQ(count, 1) << "serial " << serial;
  }
  v1::ReconcileResponse audit = Reconcile();
  EXPECT_TRUE(audit.breaches().empty());
  EXPECT_EQ(audit.claim_lines_checked(), 1000u);
}

}  // namespace
}  // namespace passclear::testing
