#include "clients/passctl_clearing.h"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "clients/passctl_output.h"
#include "passclear/v1/admin.grpc.pb.h"
#include "passclear/v1/clearing.grpc.pb.h"
#include "storage/ed25519.h"

ABSL_DECLARE_FLAG(std::string, reason);
ABSL_DECLARE_FLAG(uint64_t, programme);
ABSL_DECLARE_FLAG(std::string, reference);
ABSL_FLAG(uint64_t, batch_id, 0, "claim batch id");
// A string: list-batches pages after a cursor, identities after a name.
ABSL_FLAG(std::string, after, "",
          "list-batches: the cursor (close_seq) to page after (0 when "
          "empty); identities: the last name already listed");
ABSL_FLAG(uint32_t, page_size, 100,
          "list-batches, identities: entries per page");
ABSL_FLAG(int64_t, amount_cents, 0, "acknowledge: the amount paid, in cents");
ABSL_FLAG(std::vector<std::string>, batch_ids, {},
          "export-transfers: comma-separated batch ids");
ABSL_FLAG(std::string, execution_date, "",
          "export-transfers: requested execution date, YYYY-MM-DD");
ABSL_FLAG(std::string, output, "",
          "export-transfers, statement, signing-keys: file or folder to "
          "write to");
ABSL_FLAG(std::string, statement, "", "verify-statement: statement file");
ABSL_FLAG(std::string, signature, "", "verify-statement: signature file");
ABSL_FLAG(std::string, public_key, "",
          "verify-statement: the signing key's PEM file");

namespace passclear::passctl {
namespace {

std::unique_ptr<v1::ClearingService::Stub> Stub() {
  return v1::ClearingService::NewStub(Connect());
}

std::string DescribeBatch(const v1::ClaimBatch& batch) {
  return absl::StrFormat(
      "batch %d  venue %d  cycle %d  %s  %d lines  %.2f EUR  close_seq %d%s",
      batch.batch_id(), batch.venue_id(), batch.cycle(),
      v1::BatchStatus_Name(batch.status()), batch.line_count(),
      batch.total_cents() / 100.0, batch.close_seq(),
      batch.payment_reference().empty()
          ? ""
          : absl::StrCat("  paid ", batch.payment_reference()));
}

bool WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  return static_cast<bool>(out.flush());
}

bool ReadFile(const std::string& path, std::string& bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  bytes = buffer.str();
  return true;
}

int CloseCycle() {
  v1::CloseCycleResponse response;
  // Closing a national cycle takes a while: no short deadline.
  grpc::ClientContext context;
  grpc::Status status =
      Stub()->CloseCycle(&context, v1::CloseCycleRequest(), &response);
  if (!status.ok()) return CallFailed(status);
  Print(absl::GetFlag(FLAGS_json), response,
        absl::StrFormat("cycle %d closed: %d batches, %d lines, %.2f EUR; "
                        "cycle %d open",
                        response.closed_cycle(), response.batches_closed(),
                        response.lines(), response.total_cents() / 100.0,
                        response.current_cycle()));
  return kDone;
}

int ListBatches() {
  v1::ListClosedBatchesRequest request;
  uint64_t cursor = 0;
  if (const std::string after = absl::GetFlag(FLAGS_after);
      !after.empty() && !absl::SimpleAtoi(after, &cursor)) {
    return UsageError(absl::StrCat("--after: '", after, "' is not a cursor"));
  }
  request.set_after_cursor(cursor);
  request.set_page_size(absl::GetFlag(FLAGS_page_size));
  v1::ListClosedBatchesResponse response;
  grpc::Status status =
      Stub()->ListClosedBatches(NewContext().get(), request, &response);
  if (!status.ok()) return CallFailed(status);
  std::string text;
  for (const v1::ClaimBatch& batch : response.batches()) {
    absl::StrAppend(&text, DescribeBatch(batch), "\n");
  }
  absl::StrAppend(&text, "next cursor: ", response.next_cursor(),
                  " (log ends at ", response.last_cursor(), ")");
  Print(absl::GetFlag(FLAGS_json), response, text);
  return kDone;
}

int ShowBatch() {
  v1::BatchRef request;
  request.set_batch_id(absl::GetFlag(FLAGS_batch_id));
  v1::ClaimBatch response;
  grpc::Status status =
      Stub()->GetBatch(NewContext().get(), request, &response);
  if (!status.ok()) return CallFailed(status);
  Print(absl::GetFlag(FLAGS_json), response, DescribeBatch(response));
  return kDone;
}

int BatchLines() {
  v1::BatchRef request;
  request.set_batch_id(absl::GetFlag(FLAGS_batch_id));
  auto context = NewContext();
  auto reader = Stub()->StreamBatchLines(context.get(), request);
  std::cout << "seq,serial,programme_id,face_value_cents,terminal_id\n";
  v1::BatchLines page;
  while (reader->Read(&page)) {
    for (const v1::ClaimLine& line : page.lines()) {
      std::cout << line.seq() << ',' << line.serial() << ','
                << line.programme_id() << ',' << line.face_value_cents() << ','
                << line.terminal_id() << '\n';
    }
  }
  grpc::Status status = reader->Finish();
  return status.ok() ? kDone : CallFailed(status);
}

int ChangeBatch(const std::string& command) {
  v1::ClaimBatch response;
  grpc::Status status;
  auto stub = Stub();
  auto context = NewContext();
  const uint64_t batch_id = absl::GetFlag(FLAGS_batch_id);
  if (command == "acknowledge") {
    v1::AcknowledgeBatchRequest request;
    request.set_batch_id(batch_id);
    request.set_payment_reference(absl::GetFlag(FLAGS_reference));
    request.set_amount_paid_cents(absl::GetFlag(FLAGS_amount_cents));
    status = stub->AcknowledgeBatch(context.get(), request, &response);
  } else if (command == "reject") {
    v1::RejectBatchRequest request;
    request.set_batch_id(batch_id);
    request.set_reason(absl::GetFlag(FLAGS_reason));
    status = stub->RejectBatch(context.get(), request, &response);
  } else {
    v1::BatchRef request;
    request.set_batch_id(batch_id);
    status = stub->ResubmitBatch(context.get(), request, &response);
  }
  if (!status.ok()) return CallFailed(status);
  Print(absl::GetFlag(FLAGS_json), response, DescribeBatch(response));
  return kDone;
}

int ExportTransfers() {
  v1::ExportCreditTransfersRequest request;
  for (const std::string& text : absl::GetFlag(FLAGS_batch_ids)) {
    uint64_t id = 0;
    if (!absl::SimpleAtoi(text, &id)) {
      return UsageError(
          absl::StrCat("--batch_ids: '", text, "' is not a batch id"));
    }
    request.add_batch_ids(id);
  }
  request.set_execution_date(absl::GetFlag(FLAGS_execution_date));
  v1::ExportCreditTransfersResponse response;
  grpc::Status status =
      Stub()->ExportCreditTransfers(NewContext().get(), request, &response);
  if (!status.ok()) return CallFailed(status);
  const std::string output = absl::GetFlag(FLAGS_output);
  if (output.empty()) {
    std::cout << response.xml();
    return kDone;
  }
  if (!WriteFile(output, response.xml())) {
    return UsageError(absl::StrCat("cannot write ", output));
  }
  std::cerr << absl::StrFormat("%s: %d transfers, %.2f EUR, message id %s\n",
                               output, response.transfer_count(),
                               response.total_cents() / 100.0,
                               response.message_id());
  return kDone;
}

// Writes batch-N.statement.txt and batch-N.statement.sig into --output.
int Statement() {
  v1::BatchRef request;
  request.set_batch_id(absl::GetFlag(FLAGS_batch_id));
  v1::BatchStatement response;
  grpc::Status status =
      Stub()->GetBatchStatement(NewContext().get(), request, &response);
  if (!status.ok()) return CallFailed(status);
  const std::string folder = absl::GetFlag(FLAGS_output);
  if (!folder.empty()) {
    const std::string base = (std::filesystem::path(folder) /
                              absl::StrCat("batch-", response.batch_id()))
                                 .string();
    if (!WriteFile(base + ".statement.txt", response.text()) ||
        !WriteFile(base + ".statement.sig", response.signature())) {
      return UsageError(absl::StrCat("cannot write into ", folder));
    }
  }
  Print(absl::GetFlag(FLAGS_json), response, response.text());
  return kDone;
}

int RefundStatement() {
  v1::ProgrammeRef request;
  request.set_programme_id(absl::GetFlag(FLAGS_programme));
  v1::RefundStatement response;
  grpc::Status status =
      v1::AdminService::NewStub(Connect())->GetRefundStatement(
          NewContext().get(), request, &response);
  if (!status.ok()) return CallFailed(status);
  const std::string folder = absl::GetFlag(FLAGS_output);
  if (!folder.empty()) {
    const std::string base =
        (std::filesystem::path(folder) /
         absl::StrCat("programme-", response.programme_id(), ".refund"))
            .string();
    if (!WriteFile(base + ".txt", response.text()) ||
        !WriteFile(base + ".sig", response.signature())) {
      return UsageError(absl::StrCat("cannot write into ", folder));
    }
  }
  Print(absl::GetFlag(FLAGS_json), response, response.text());
  return kDone;
}

// Writes signing-key-N.pem into --output for each key.
int SigningKeys() {
  v1::ListSigningKeysResponse response;
  grpc::Status status = Stub()->ListSigningKeys(
      NewContext().get(), v1::ListSigningKeysRequest(), &response);
  if (!status.ok()) return CallFailed(status);
  const std::string folder = absl::GetFlag(FLAGS_output);
  std::string text;
  for (const v1::SigningKey& key : response.keys()) {
    absl::StrAppend(&text, "key version ", key.version(), " (",
                    FormatTimestamp(key.created_at()), ")\n",
                    key.public_key_pem());
    if (!folder.empty() &&
        !WriteFile((std::filesystem::path(folder) /
                    absl::StrCat("signing-key-", key.version(), ".pem"))
                       .string(),
                   key.public_key_pem())) {
      return UsageError(absl::StrCat("cannot write into ", folder));
    }
  }
  Print(absl::GetFlag(FLAGS_json), response, text);
  return kDone;
}

int RotateSigningKey() {
  v1::SigningKey response;
  grpc::Status status = Stub()->RotateSigningKey(
      NewContext().get(), v1::RotateSigningKeyRequest(), &response);
  if (!status.ok()) return CallFailed(status);
  Print(absl::GetFlag(FLAGS_json), response,
        absl::StrCat("statements are now signed with key version ",
                     response.version(), "\n", response.public_key_pem()));
  return kDone;
}

// Offline: no server is called.
int VerifyStatement() {
  std::string statement, signature, pem;
  for (auto [flag, path, bytes] :
       {std::tuple{"--statement", absl::GetFlag(FLAGS_statement), &statement},
        std::tuple{"--signature", absl::GetFlag(FLAGS_signature), &signature},
        std::tuple{"--public_key", absl::GetFlag(FLAGS_public_key), &pem}}) {
    if (path.empty() || !ReadFile(path, *bytes)) {
      return UsageError(absl::StrCat(flag, ": cannot read '", path, "'"));
    }
  }
  absl::StatusOr<std::string> key = storage::Ed25519PublicKeyFromPem(pem);
  if (!key.ok()) {
    return UsageError(absl::StrCat("--public_key: ", key.status().message()));
  }
  if (!storage::VerifyEd25519(*key, statement, signature)) {
    std::cout << "statement NOT verified: it was altered or signed with "
                 "another key\n";
    return kRefused;
  }
  std::cout << "statement verified\n";
  return kDone;
}

int Reconcile() {
  v1::ReconcileResponse response;
  grpc::ClientContext context;  // a whole-store audit: no short deadline
  grpc::Status status =
      Stub()->Reconcile(&context, v1::ReconcileRequest(), &response);
  if (!status.ok()) return CallFailed(status);
  std::string text = absl::StrFormat(
      "checked %d passes, %d claim lines, %d batches, %d programmes: %d "
      "breaches",
      response.passes_checked(), response.claim_lines_checked(),
      response.batches_checked(), response.programmes_checked(),
      response.breaches_size());
  for (const v1::Breach& breach : response.breaches()) {
    absl::StrAppend(&text, "\n", breach.rule(), ": ", breach.message());
  }
  Print(absl::GetFlag(FLAGS_json), response, text);
  return response.breaches().empty() ? kDone : kRefused;
}

}  // namespace

const std::map<std::string, Command>& ClearingCommands() {
  static const auto* commands = new std::map<std::string, Command>{
      {"close-cycle",
       {"close-cycle",
        "Closes the current clearing cycle now: every venue's open batch is "
        "closed and joins the log; redemptions go on in the next cycle."}},
      {"list-batches",
       {"list-batches [--after=CURSOR] [--page_size=100]",
        "Lists closed batches in close order after a cursor, and the cursor "
        "to use next."}},
      {"batch", {"batch --batch_id=ID", "Shows one claim batch."}},
      {"batch-lines",
       {"batch-lines --batch_id=ID",
        "Prints a batch's claim lines as CSV, in redemption order."}},
      {"acknowledge",
       {"acknowledge --batch_id=ID --reference=PAYMENT_REF --amount_cents=N",
        "Records that the mandatary paid a closed batch."}},
      {"reject",
       {"reject --batch_id=ID --reason=TEXT",
        "Records that a closed batch cannot be paid (e.g. IBAN refused)."}},
      {"resubmit",
       {"resubmit --batch_id=ID",
        "Puts a rejected batch back at the end of the log."}},
      {"export-transfers",
       {"export-transfers --batch_ids=ID[,ID...] [--execution_date=DATE] "
        "[--output=FILE]",
        "Writes the SEPA credit transfer file (pain.001.001.03) paying the "
        "batches."}},
      {"statement",
       {"statement --batch_id=ID [--output=FOLDER]",
        "Prints a closed batch's signed statement; with --output, writes "
        "batch-ID.statement.txt and .sig for offline checks."}},
      {"refund-statement",
       {"refund-statement --programme=ID [--output=FOLDER]",
        "Prints a closed programme's signed refund statement; with --output, "
        "writes programme-ID.refund.txt and .sig for offline checks "
        "(verify-statement)."}},
      {"signing-keys",
       {"signing-keys [--output=FOLDER]",
        "Prints the statement signing keys (PEM); with --output, writes "
        "signing-key-N.pem."}},
      {"rotate-signing-key",
       {"rotate-signing-key",
        "Signs statements with a new key from now on; old statements stay "
        "verifiable with their key."}},
      {"verify-statement",
       {"verify-statement --statement=FILE --signature=FILE "
        "--public_key=PEM",
        "Checks a statement's signature offline (no server). Exit 0 when "
        "verified, 1 when not. openssl does the same: openssl pkeyutl "
        "-verify -pubin -inkey PEM -rawin -in FILE -sigfile SIG.",
        0, 0, /*sends_token=*/false}},
      {"reconcile",
       {"reconcile",
        "Audits the whole store; exit 0 with no breach, 1 with breaches "
        "(each listed with its serials)."}},
  };
  return *commands;
}

int RunClearingCommand(const std::string& name) {
  if (name == "close-cycle") return CloseCycle();
  if (name == "list-batches") return ListBatches();
  if (name == "batch") return ShowBatch();
  if (name == "batch-lines") return BatchLines();
  if (name == "acknowledge" || name == "reject" || name == "resubmit") {
    return ChangeBatch(name);
  }
  if (name == "export-transfers") return ExportTransfers();
  if (name == "statement") return Statement();
  if (name == "refund-statement") return RefundStatement();
  if (name == "signing-keys") return SigningKeys();
  if (name == "rotate-signing-key") return RotateSigningKey();
  if (name == "verify-statement") return VerifyStatement();
  return Reconcile();
}

}  // namespace passclear::passctl
