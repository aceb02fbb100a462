// passctl: the operator's command line over the passclear gRPC API.
//
//   export PASSCLEAR_TOKEN_FILE=passclear-data/admin-token
//   passctl check 000000000001417059173524
//   passctl --json create-programme --sponsor="CC du Val" --name="PN 2027" ...
//   passctl --token_file=desk-1.token redeem CODE --venue=1 --terminal=desk-1
//
// Every call presents the token in --token_file (default:
// $PASSCLEAR_TOKEN_FILE); see passctl_identity.h for how tokens are issued.
//
// Exit codes scripts can rely on: 0 done, 1 refused (the pass was not
// redeemed, the cancellation not made), 2 usage error, 3 the call failed
// (server unreachable, invalid argument, ...; the message says which).
#include <algorithm>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "clients/passctl_call.h"
#include "clients/passctl_clearing.h"
#include "clients/passctl_identity.h"
#include "clients/passctl_operations.h"
#include "clients/passctl_output.h"
#include "clients/passctl_partitions.h"
#include "clients/passctl_venues.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "passclear/v1/admin.grpc.pb.h"
#include "passclear/v1/redemption.grpc.pb.h"

ABSL_FLAG(uint64_t, venue, 0, "venue id");
ABSL_FLAG(std::string, terminal, "passctl", "terminal id");
ABSL_FLAG(std::string, request_id, "",
          "request id; a random one when empty (repeat it to retry safely)");
ABSL_FLAG(std::string, scanned_at, "", "scan time, RFC 3339; now when empty");
ABSL_FLAG(std::string, sponsor, "", "programme sponsor");
ABSL_FLAG(std::string, name, "", "programme or venue name");
ABSL_FLAG(int64_t, face_value_cents, 1000, "face value of a pass in cents");
ABSL_FLAG(std::string, valid_from, "", "start of validity, RFC 3339");
ABSL_FLAG(std::string, valid_until, "", "end of validity, RFC 3339");
ABSL_FLAG(uint64_t, programme, 0, "programme id");
ABSL_FLAG(uint32_t, distribution_stop_days, 15,
          "create-programme: booklets are handed out until this many days "
          "before the end of validity");
ABSL_FLAG(std::string, reference, "",
          "extend-programme: the amendment's reference");
ABSL_FLAG(uint32_t, booklets, 1, "number of booklets to issue");
ABSL_FLAG(uint32_t, booklet_size, 10, "passes per booklet: 10 or 5");
ABSL_FLAG(uint64_t, serial, 0, "serial of the pass to void");
ABSL_FLAG(uint64_t, booklet, 0, "booklet id");
ABSL_FLAG(std::string, distributor, "", "allocate: the distributor's name");
ABSL_FLAG(std::string, distributor_reference, "",
          "allocate: the distributor's reference (e.g. an INSEE code)");
ABSL_FLAG(std::string, reason, "",
          "void, update-venue: why (for the journal or the history)");
ABSL_FLAG(std::vector<std::string>, programmes, {},
          "comma-separated programme ids a venue accepts");
ABSL_FLAG(std::string, territory, "",
          "create-programme: the territory where the passes circulate");

namespace passclear::passctl {
namespace {

const std::map<std::string, Command>& RedemptionAndAdminCommands() {
  static const auto* commands = new std::map<std::string, Command>{
      {"redeem",
       {"redeem CODE --venue=ID [--terminal=ID] [--request_id=ID] "
        "[--scanned_at=TIME]",
        "Redeems a pass for a venue. Exit 0 when redeemed, 1 when refused.", 1,
        1}},
      {"check",
       {"check CODE [--venue=ID]",
        "Shows a pass's state and validity without redeeming it.", 1, 1}},
      {"cancel",
       {"cancel CODE --venue=ID [--terminal=ID] [--request_id=ID]",
        "Cancels a mistaken redemption made by the same terminal within the "
        "cancel window. Exit 0 when cancelled, 1 when refused.",
        1, 1}},
      {"create-programme",
       {"create-programme --sponsor=S --name=N --face_value_cents=1000 "
        "--valid_from=TIME --valid_until=TIME [--territory=T] "
        "[--distribution_stop_days=15]",
        "Creates a programme and prints its id. Booklets are handed out "
        "until --distribution_stop_days before the end of validity."}},
      {"extend-programme",
       {"extend-programme --programme=ID --valid_until=TIME --reference=TEXT",
        "Extends a programme's validity by amendment; every pass follows."}},
      {"close-programme",
       {"close-programme --programme=ID",
        "Closes a programme: its passes are refused from now on."}},
      {"rotate-key",
       {"rotate-key --programme=ID",
        "Adds a new key to a programme for the booklets issued from now on; "
        "codes printed before stay valid."}},
      {"list-programmes",
       {"list-programmes", "Lists every programme with its validity."}},
      {"issue-booklets",
       {"issue-booklets --programme=ID --booklets=N [--booklet_size=10]",
        "Issues booklets of passes and prints their codes, one per line (up "
        "to 1,000 booklets; beyond, the range issued: see export-codes)."}},
      {"export-codes",
       {"export-codes --booklet=FIRST_ID --booklets=N [--timeout=10m]",
        "Prints the codes of N booklets from FIRST_ID on as CSV for the "
        "printer: booklet_id,serial,code."}},
      {"usage",
       {"usage --programme=ID",
        "Shows a programme's usage: passes issued, handed out per "
        "distributor, redeemed, cancelled, voided, expired, and the refund "
        "due to the sponsor once closed."}},
      {"allocate",
       {"allocate --booklet=ID --distributor=NAME --distributor_reference=REF",
        "Hands a booklet to a distributor."}},
      {"return-booklet",
       {"return-booklet --booklet=ID",
        "Takes a booklet back to the sponsor's reserve."}},
      {"booklet",
       {"booklet --booklet=ID",
        "Prints who holds a booklet and how many of its passes were "
        "redeemed or voided."}},
      {"booklets",
       {"booklets --programme=ID",
        "Lists a programme's booklets: who holds each, its passes redeemed "
        "and voided."}},
      {"void",
       {"void (--serial=N | --booklet=ID) --reason=TEXT",
        "Voids a lost or stolen pass, or a whole booklet; prints each pass's "
        "result."}},
  };
  return *commands;
}

const std::map<std::string, Command>& Commands() {
  static const auto* all = [] {
    auto* merged =
        new std::map<std::string, Command>(RedemptionAndAdminCommands());
    merged->insert(ClearingCommands().begin(), ClearingCommands().end());
    merged->insert(IdentityCommands().begin(), IdentityCommands().end());
    merged->insert(OperationsCommands().begin(), OperationsCommands().end());
    merged->insert(VenueCommands().begin(), VenueCommands().end());
    return merged;
  }();
  return *all;
}

std::string UsageText() {
  std::string text =
      "passctl [--server=HOST:PORT] [--token_file=FILE] [--json] COMMAND "
      "[ARGS]\n\ncommands:\n";
  for (const auto& [name, command] : Commands()) {
    absl::StrAppend(&text, "  ", command.usage, "\n      ", command.help, "\n");
  }
  absl::StrAppend(&text,
                  "\nEvery call presents the token in --token_file (default: "
                  "$PASSCLEAR_TOKEN_FILE). 'passctl help COMMAND' explains "
                  "one command. Exit codes: 0 done, 1 refused, 2 usage error, "
                  "3 call failed.");
  return text;
}

std::string RequestId() {
  std::string id = absl::GetFlag(FLAGS_request_id);
  if (!id.empty()) return id;
  absl::BitGen random;
  return absl::StrFormat("passctl-%016x%016x", absl::Uniform<uint64_t>(random),
                         absl::Uniform<uint64_t>(random));
}

bool ParseTime(const std::string& flag, const std::string& text,
               google::protobuf::Timestamp* out, std::string* error) {
  absl::Time time;
  if (!absl::ParseTime(absl::RFC3339_full, text, &time, error)) {
    *error = absl::StrCat("--", flag, ": ", *error);
    return false;
  }
  out->set_seconds(absl::ToUnixSeconds(time));
  return true;
}

int Redeem(const std::string& code) {
  v1::RedeemRequest request;
  request.set_code(code);
  request.set_venue_id(absl::GetFlag(FLAGS_venue));
  request.set_terminal_id(absl::GetFlag(FLAGS_terminal));
  request.set_request_id(RequestId());
  if (std::string text = absl::GetFlag(FLAGS_scanned_at); !text.empty()) {
    std::string error;
    if (!ParseTime("scanned_at", text, request.mutable_scanned_at(), &error)) {
      return UsageError(error);
    }
  }
  v1::RedeemResponse response;
  grpc::Status status = v1::RedemptionService::NewStub(Connect())->Redeem(
      NewContext().get(), request, &response);
  if (!status.ok()) return CallFailed(status);
  Print(absl::GetFlag(FLAGS_json), response,
        absl::StrCat(
            v1::RedeemResult_Name(response.result()), ": ", response.message(),
            response.replayed() ? " (answer to an earlier request)" : "",
            "\nrequest_id: ", request.request_id()));
  return response.result() == v1::REDEEM_RESULT_REDEEMED ? kDone : kRefused;
}

int Check(const std::string& code) {
  v1::CheckPassRequest request;
  request.set_code(code);
  request.set_venue_id(absl::GetFlag(FLAGS_venue));
  v1::CheckPassResponse response;
  grpc::Status status = v1::RedemptionService::NewStub(Connect())->CheckPass(
      NewContext().get(), request, &response);
  if (!status.ok()) return CallFailed(status);
  std::string text =
      absl::StrFormat("serial:       %012d\n", response.serial());
  if (response.known()) {
    absl::StrAppendFormat(
        &text,
        "state:        %s\nprogramme:    %d\nbooklet:      %d\n"
        "face value:   %.2f EUR\nvalid:        %s to %s\n"
        "accepted to:  %s\n",
        v1::PassState_Name(response.state()), response.programme_id(),
        response.booklet_id(), response.face_value_cents() / 100.0,
        FormatTimestamp(response.valid_from()),
        FormatTimestamp(response.valid_until()),
        FormatTimestamp(response.accepted_until()));
    if (!response.distributor_name().empty()) {
      absl::StrAppendFormat(&text, "handed to:    %s (%s)\n",
                            response.distributor_name(),
                            response.distributor_reference());
    }
    if (response.batch_id() != 0) {
      absl::StrAppendFormat(&text, "claim batch:  %d\n", response.batch_id());
    }
    if (response.has_redemption()) {
      absl::StrAppendFormat(
          &text, "redeemed:     venue %d, terminal %s, %s\n",
          response.redemption().venue_id(), response.redemption().terminal_id(),
          FormatTimestamp(response.redemption().recorded_at()));
    }
  }
  absl::StrAppend(&text, "redeem now:   ",
                  v1::RedeemResult_Name(response.redeemable_result()), " (",
                  response.message(), ")");
  Print(absl::GetFlag(FLAGS_json), response, text);
  return kDone;
}

int Cancel(const std::string& code) {
  v1::CancelRedemptionRequest request;
  request.set_code(code);
  request.set_venue_id(absl::GetFlag(FLAGS_venue));
  request.set_terminal_id(absl::GetFlag(FLAGS_terminal));
  request.set_request_id(RequestId());
  v1::CancelRedemptionResponse response;
  grpc::Status status =
      v1::RedemptionService::NewStub(Connect())->CancelRedemption(
          NewContext().get(), request, &response);
  if (!status.ok()) return CallFailed(status);
  Print(absl::GetFlag(FLAGS_json), response,
        absl::StrCat(v1::CancelResult_Name(response.result()), ": ",
                     response.message()));
  return response.result() == v1::CANCEL_RESULT_CANCELLED ? kDone : kRefused;
}

int CreateProgramme() {
  v1::CreateProgrammeRequest request;
  request.set_sponsor(absl::GetFlag(FLAGS_sponsor));
  request.set_name(absl::GetFlag(FLAGS_name));
  request.set_face_value_cents(absl::GetFlag(FLAGS_face_value_cents));
  request.set_territory(absl::GetFlag(FLAGS_territory));
  request.set_distribution_stop_days(
      absl::GetFlag(FLAGS_distribution_stop_days));
  std::string error;
  if (!ParseTime("valid_from", absl::GetFlag(FLAGS_valid_from),
                 request.mutable_valid_from(), &error) ||
      !ParseTime("valid_until", absl::GetFlag(FLAGS_valid_until),
                 request.mutable_valid_until(), &error)) {
    return UsageError(error);
  }
  v1::Programme response;
  grpc::Status status = v1::AdminService::NewStub(Connect())->CreateProgramme(
      NewContext().get(), request, &response);
  if (!status.ok()) return CallFailed(status);
  Print(absl::GetFlag(FLAGS_json), response,
        absl::StrCat("programme ", response.programme_id(), " created"));
  return kDone;
}

std::string DescribeProgramme(const v1::Programme& programme) {
  return absl::StrCat(
      "programme ", programme.programme_id(), " (", programme.name(), ", ",
      programme.sponsor(), "): valid ", FormatTimestamp(programme.valid_from()),
      " to ", FormatTimestamp(programme.valid_until()), ", ",
      programme.amendments_size(), " amendment(s)",
      programme.has_closed_at()
          ? absl::StrCat(", closed ", FormatTimestamp(programme.closed_at()))
          : "");
}

int ExtendProgramme() {
  v1::ExtendProgrammeRequest request;
  request.set_programme_id(absl::GetFlag(FLAGS_programme));
  request.set_reference(absl::GetFlag(FLAGS_reference));
  std::string error;
  if (!ParseTime("valid_until", absl::GetFlag(FLAGS_valid_until),
                 request.mutable_valid_until(), &error)) {
    return UsageError(error);
  }
  v1::Programme response;
  grpc::Status status = v1::AdminService::NewStub(Connect())->ExtendProgramme(
      NewContext().get(), request, &response);
  if (!status.ok()) return CallFailed(status);
  Print(absl::GetFlag(FLAGS_json), response, DescribeProgramme(response));
  return kDone;
}

int CloseProgramme() {
  v1::ProgrammeRef request;
  request.set_programme_id(absl::GetFlag(FLAGS_programme));
  v1::Programme response;
  grpc::Status status = v1::AdminService::NewStub(Connect())->CloseProgramme(
      NewContext().get(), request, &response);
  if (!status.ok()) return CallFailed(status);
  Print(absl::GetFlag(FLAGS_json), response, DescribeProgramme(response));
  return kDone;
}

int RotateKey() {
  v1::ProgrammeRef request;
  request.set_programme_id(absl::GetFlag(FLAGS_programme));
  v1::Programme response;
  grpc::Status status =
      v1::AdminService::NewStub(Connect())->RotateProgrammeKey(
          NewContext().get(), request, &response);
  if (!status.ok()) return CallFailed(status);
  Print(absl::GetFlag(FLAGS_json), response,
        absl::StrCat("programme ", response.programme_id(),
                     ": new booklets are printed under key version ",
                     response.current_key_version()));
  return kDone;
}

int ListProgrammes() {
  v1::ListProgrammesResponse response;
  grpc::Status status = v1::AdminService::NewStub(Connect())->ListProgrammes(
      NewContext().get(), v1::ListProgrammesRequest(), &response);
  if (!status.ok()) return CallFailed(status);
  std::string text;
  for (const v1::Programme& programme : response.programmes()) {
    absl::StrAppend(&text, text.empty() ? "" : "\n",
                    DescribeProgramme(programme));
  }
  Print(absl::GetFlag(FLAGS_json), response, text);
  return kDone;
}

int IssueBooklets() {
  v1::IssueBookletsRequest request;
  request.set_programme_id(absl::GetFlag(FLAGS_programme));
  request.set_booklet_count(absl::GetFlag(FLAGS_booklets));
  request.set_booklet_size(absl::GetFlag(FLAGS_booklet_size));
  v1::IssueBookletsResponse response;
  grpc::Status status = v1::AdminService::NewStub(Connect())->IssueBooklets(
      NewContext().get(), request, &response);
  if (!status.ok()) return CallFailed(status);
  std::string text;
  for (const v1::Booklet& booklet : response.booklets()) {
    for (const std::string& code : booklet.codes()) {
      absl::StrAppend(&text, text.empty() ? "" : "\n", code);
    }
  }
  if (response.booklets().empty()) {
    text = absl::StrCat(
        response.booklet_count(), " booklets issued (ids ",
        response.first_booklet_id(), " to ",
        response.first_booklet_id() + response.booklet_count() - 1,
        ", serials ", response.first_serial(), " to ",
        response.first_serial() + response.pass_count() - 1,
        "); print them with: passctl export-codes --booklet=",
        response.first_booklet_id(), " --booklets=", response.booklet_count());
  }
  Print(absl::GetFlag(FLAGS_json), response, text);
  return kDone;
}

int ExportCodes() {
  v1::ExportCodesRequest request;
  request.set_first_booklet_id(absl::GetFlag(FLAGS_booklet));
  request.set_booklet_count(absl::GetFlag(FLAGS_booklets));
  auto context = NewContext();
  auto reader =
      v1::AdminService::NewStub(Connect())->ExportCodes(context.get(), request);
  // Written as it arrives: an export of millions of codes is never held.
  std::cout << "booklet_id,serial,code\n";
  v1::ExportCodesResponse chunk;
  while (reader->Read(&chunk)) {
    for (const v1::PrintedPass& pass : chunk.passes()) {
      std::cout << pass.booklet_id() << ',' << pass.serial() << ','
                << pass.code() << '\n';
    }
  }
  std::cout.flush();
  grpc::Status status = reader->Finish();
  return status.ok() ? kDone : CallFailed(status);
}

std::string DescribeUsage(const v1::ProgrammeUsage& usage,
                          absl::string_view title) {
  std::string text =
      absl::StrFormat("%s\nissued:          %d\nhanded out:      %d\n", title,
                      usage.issued(), usage.allocated());
  for (const v1::DistributorUsage& distributor : usage.distributors()) {
    absl::StrAppendFormat(
        &text, "  %-40s %-12s %d\n", distributor.distributor_name(),
        distributor.distributor_reference(), distributor.passes());
  }
  absl::StrAppendFormat(
      &text,
      "redeemed:        %d (%.2f EUR), of which\n"
      "  in open batches:   %d\n  awaiting payment:  %d\n"
      "  paid:              %d\n"
      "cancelled:       %d\nvoided:          %d\nunused:          %d\n"
      "expired unused:  %d%s\nrefund due:      %.2f EUR",
      usage.redeemed(), usage.redeemed_value_cents() / 100.0,
      usage.redeemed() - usage.claimed(), usage.awaiting_payment(),
      usage.paid(), usage.cancelled(), usage.voided(), usage.unused(),
      usage.expired_unused(), usage.ended() ? " (programme ended)" : "",
      usage.refund_due_cents() / 100.0);
  return text;
}

// The instances' reports added up, for `--partition_map usage`: each
// instance counts its own passes.
v1::ProgrammeUsage& SchemeUsage() {
  static auto* total = new v1::ProgrammeUsage();
  return *total;
}

void AddToSchemeUsage(const v1::ProgrammeUsage& usage) {
  v1::ProgrammeUsage& total = SchemeUsage();
  total.set_programme_id(usage.programme_id());
  total.set_ended(usage.ended());
  total.set_issued(total.issued() + usage.issued());
  total.set_allocated(total.allocated() + usage.allocated());
  total.set_redeemed(total.redeemed() + usage.redeemed());
  total.set_cancelled(total.cancelled() + usage.cancelled());
  total.set_voided(total.voided() + usage.voided());
  total.set_unused(total.unused() + usage.unused());
  total.set_expired_unused(total.expired_unused() + usage.expired_unused());
  total.set_redeemed_value_cents(total.redeemed_value_cents() +
                                 usage.redeemed_value_cents());
  total.set_refund_due_cents(total.refund_due_cents() +
                             usage.refund_due_cents());
  total.set_claimed(total.claimed() + usage.claimed());
  total.set_paid(total.paid() + usage.paid());
  total.set_awaiting_payment(total.awaiting_payment() +
                             usage.awaiting_payment());
  for (const v1::DistributorUsage& distributor : usage.distributors()) {
    auto same = std::find_if(total.mutable_distributors()->begin(),
                             total.mutable_distributors()->end(),
                             [&](const v1::DistributorUsage& d) {
                               return d.distributor_reference() ==
                                      distributor.distributor_reference();
                             });
    if (same == total.mutable_distributors()->end()) {
      *total.add_distributors() = distributor;
    } else {
      same->set_passes(same->passes() + distributor.passes());
    }
  }
}

void PrintSchemeUsage() {
  const v1::ProgrammeUsage& total = SchemeUsage();
  std::cout << "# scheme total (every instance's own passes added up)\n";
  Print(absl::GetFlag(FLAGS_json), total,
        DescribeUsage(total, absl::StrFormat("programme %d usage, scheme-wide",
                                             total.programme_id())));
}

int Usage() {
  v1::ProgrammeRef request;
  request.set_programme_id(absl::GetFlag(FLAGS_programme));
  v1::ProgrammeUsage response;
  grpc::Status status = v1::AdminService::NewStub(Connect())->GetProgrammeUsage(
      NewContext().get(), request, &response);
  if (!status.ok()) return CallFailed(status);
  AddToSchemeUsage(response);
  Print(absl::GetFlag(FLAGS_json), response,
        DescribeUsage(
            response,
            absl::StrFormat("programme %d usage on %s", response.programme_id(),
                            FormatTimestamp(response.as_of()))));
  return kDone;
}

std::vector<std::string> BookletRow(const v1::Booklet& booklet) {
  return {absl::StrCat(booklet.booklet_id()),
          absl::StrCat(booklet.first_serial(), "-",
                       booklet.first_serial() + booklet.size() - 1),
          booklet.distributor_name().empty()
              ? "reserve"
              : absl::StrCat(booklet.distributor_name(), " (",
                             booklet.distributor_reference(), ")"),
          absl::StrCat(booklet.passes_redeemed()),
          absl::StrCat(booklet.passes_voided())};
}

const std::vector<std::string> kBookletHeader = {
    "BOOKLET", "SERIALS", "HELD BY", "REDEEMED", "VOIDED"};

int GetBooklet() {
  v1::BookletRef request;
  request.set_booklet_id(absl::GetFlag(FLAGS_booklet));
  v1::Booklet response;
  grpc::Status status = v1::AdminService::NewStub(Connect())->GetBooklet(
      NewContext().get(), request, &response);
  if (!status.ok()) return CallFailed(status);
  Print(absl::GetFlag(FLAGS_json), response,
        FormatTable({kBookletHeader, BookletRow(response)}));
  return kDone;
}

// Every page of a programme's booklets, one table.
int ListBooklets() {
  v1::ListBookletsRequest request;
  request.set_programme_id(absl::GetFlag(FLAGS_programme));
  request.set_page_size(1000);
  v1::ListBookletsResponse all;
  auto stub = v1::AdminService::NewStub(Connect());
  do {
    v1::ListBookletsResponse page;
    grpc::Status status =
        stub->ListBooklets(NewContext().get(), request, &page);
    if (!status.ok()) return CallFailed(status);
    all.mutable_booklets()->MergeFrom(page.booklets());
    request.set_after_booklet_id(page.next_after_booklet_id());
  } while (request.after_booklet_id() != 0);
  std::vector<std::vector<std::string>> rows = {kBookletHeader};
  for (const v1::Booklet& booklet : all.booklets()) {
    rows.push_back(BookletRow(booklet));
  }
  Print(absl::GetFlag(FLAGS_json), all,
        all.booklets().empty() ? "no booklet" : FormatTable(rows));
  return kDone;
}

int AllocateOrReturn(const std::string& command) {
  v1::Booklet response;
  auto stub = v1::AdminService::NewStub(Connect());
  grpc::Status status;
  if (command == "allocate") {
    v1::AllocateBookletRequest request;
    request.set_booklet_id(absl::GetFlag(FLAGS_booklet));
    request.set_distributor_name(absl::GetFlag(FLAGS_distributor));
    request.set_distributor_reference(
        absl::GetFlag(FLAGS_distributor_reference));
    status = stub->AllocateBooklet(NewContext().get(), request, &response);
  } else {
    v1::BookletRef request;
    request.set_booklet_id(absl::GetFlag(FLAGS_booklet));
    status = stub->ReturnBooklet(NewContext().get(), request, &response);
  }
  if (!status.ok()) return CallFailed(status);
  Print(absl::GetFlag(FLAGS_json), response,
        response.distributor_name().empty()
            ? absl::StrCat("booklet ", response.booklet_id(), " in reserve")
            : absl::StrCat("booklet ", response.booklet_id(), " handed to ",
                           response.distributor_name(), " (",
                           response.distributor_reference(), ")"));
  return kDone;
}

int Void() {
  v1::VoidPassesRequest request;
  const uint64_t serial = absl::GetFlag(FLAGS_serial);
  const uint64_t booklet = absl::GetFlag(FLAGS_booklet);
  if ((serial == 0) == (booklet == 0)) {
    return UsageError("void: give exactly one of --serial and --booklet");
  }
  if (serial != 0) request.set_serial(serial);
  if (booklet != 0) request.set_booklet_id(booklet);
  request.set_reason(absl::GetFlag(FLAGS_reason));
  v1::VoidPassesResponse response;
  grpc::Status status = v1::AdminService::NewStub(Connect())->VoidPasses(
      NewContext().get(), request, &response);
  if (!status.ok()) return CallFailed(status);
  std::string text;
  for (const v1::VoidedPass& pass : response.passes()) {
    absl::StrAppend(&text, text.empty() ? "" : "\n",
                    v1::VoidResult_Name(pass.result()), ": ", pass.message());
  }
  Print(absl::GetFlag(FLAGS_json), response, text);
  return kDone;
}

int Dispatch(const std::string& name, const std::vector<std::string>& operands);

// Abseil's parser exits with 1 on an unknown flag or a bad value, which
// scripts would read as "refused": such mistakes are usage errors (2).
int CheckFlags(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--") break;
    if (!absl::ConsumePrefix(&arg, "--") && !absl::ConsumePrefix(&arg, "-")) {
      continue;
    }
    const size_t equals = arg.find('=');
    absl::string_view name = arg.substr(0, equals);
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    if (flag == nullptr && absl::ConsumePrefix(&name, "no")) {
      flag = absl::FindCommandLineFlag(name);
      if (flag != nullptr && flag->IsOfType<bool>()) continue;
      flag = nullptr;
    }
    if (flag == nullptr) {
      return UsageError(absl::StrCat("unknown flag --", arg.substr(0, equals),
                                     " (passctl --help lists them)"));
    }
    std::string value;
    if (equals != absl::string_view::npos) {
      value = std::string(arg.substr(equals + 1));
    } else if (flag->IsOfType<bool>() || i + 1 == argc) {
      continue;
    } else {
      value = argv[++i];  // "--flag value"
    }
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      return UsageError(absl::StrCat("--", name, ": ", error));
    }
  }
  return kDone;
}

int Run(const std::vector<std::string>& args) {
  if (args.empty()) return UsageError(UsageText());
  const std::string& name = args[0];
  if (name == "help") {
    if (args.size() == 2 && Commands().contains(args[1])) {
      const Command& command = Commands().at(args[1]);
      std::cout << "passctl " << command.usage << "\n\n"
                << command.help << "\n";
      return kDone;
    }
    std::cout << UsageText() << "\n";
    return kDone;
  }
  if (!Commands().contains(name)) {
    return UsageError(
        absl::StrCat("unknown command '", name, "'\n\n", UsageText()));
  }
  const Command& command = Commands().at(name);
  const std::vector<std::string> operands(args.begin() + 1, args.end());
  if (operands.size() < static_cast<size_t>(command.min_operands) ||
      operands.size() > static_cast<size_t>(command.max_operands)) {
    return UsageError(absl::StrCat("usage: passctl ", command.usage));
  }
  if (command.sends_token) {
    if (const int loaded = LoadToken(); loaded != kDone) return loaded;
  }
  return RunPartitioned(
      name, operands, [&] { return Dispatch(name, operands); },
      name == "usage" ? std::function<void()>(PrintSchemeUsage) : nullptr);
}

// Runs command `name` against --server.
int Dispatch(const std::string& name,
             const std::vector<std::string>& operands) {
  if (ClearingCommands().contains(name)) return RunClearingCommand(name);
  if (OperationsCommands().contains(name)) return RunOperationsCommand(name);
  if (IdentityCommands().contains(name)) {
    return RunIdentityCommand(name, operands);
  }
  if (name == "redeem") return Redeem(operands[0]);
  if (name == "check") return Check(operands[0]);
  if (name == "cancel") return Cancel(operands[0]);
  if (name == "create-programme") return CreateProgramme();
  if (name == "issue-booklets") return IssueBooklets();
  if (name == "export-codes") return ExportCodes();
  if (name == "usage") return Usage();
  if (name == "extend-programme") return ExtendProgramme();
  if (name == "close-programme") return CloseProgramme();
  if (name == "list-programmes") return ListProgrammes();
  if (name == "rotate-key") return RotateKey();
  if (name == "void") return Void();
  if (VenueCommands().contains(name)) return RunVenueCommand(name);
  if (name == "booklet") return GetBooklet();
  if (name == "booklets") return ListBooklets();
  return AllocateOrReturn(name);  // allocate, return-booklet
}

}  // namespace
}  // namespace passclear::passctl

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(passclear::passctl::UsageText());
  if (const int checked = passclear::passctl::CheckFlags(argc, argv);
      checked != passclear::passctl::kDone) {
    return checked;
  }
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  return passclear::passctl::Run({positional.begin() + 1, positional.end()});
}
