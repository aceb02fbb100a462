#include "server/admin_service.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "server/code_check.h"
#include "server/export_codes.h"
#include "server/grpc_status.h"
#include "server/proto_convert.h"
#include "server/request_validation.h"

namespace passclear {
namespace {

// IssueBooklets answers with every code up to this many booklets: 1,000
// booklets of 10 make about 300 KB, well inside gRPC's 4 MB message limit.
// Larger issuances answer with their range; ExportCodes streams the codes.
constexpr uint32_t kMaxBookletsWithCodes = 1000;

grpc::ServerUnaryReactor* Finish(grpc::CallbackServerContext* context,
                                 const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

// Answers with the venue, or the error.
grpc::ServerUnaryReactor* FinishWithVenue(
    grpc::CallbackServerContext* context,
    const absl::StatusOr<storage::Venue>& venue, v1::Venue* response) {
  if (venue.ok()) FillVenue(*venue, response);
  return Finish(context, venue.status());
}

// Answers with the booklet, or the error.
grpc::ServerUnaryReactor* FinishWithBooklet(
    grpc::CallbackServerContext* context,
    const absl::StatusOr<storage::Booklet>& booklet, v1::Booklet* response) {
  if (booklet.ok()) FillBooklet(*booklet, response);
  return Finish(context, booklet.status());
}

// Answers with the programme, or the error.
grpc::ServerUnaryReactor* FinishWithProgramme(
    grpc::CallbackServerContext* context,
    const absl::StatusOr<storage::Programme>& programme,
    v1::Programme* response) {
  if (programme.ok()) FillProgramme(*programme, response);
  return Finish(context, programme.status());
}

}  // namespace

AdminService::AdminService(storage::PassStore& store, AccessControl& access)
    : GuardedService(access), store_(store) {
  Guard("LabelVenue", &AdminService::LabelVenue);
  Guard("SuspendVenue", &AdminService::SuspendVenue);
  Guard("ReinstateVenue", &AdminService::ReinstateVenue);
  Guard("CreateProgramme", &AdminService::CreateProgramme);
  Guard("ExtendProgramme", &AdminService::ExtendProgramme);
  Guard("CloseProgramme", &AdminService::CloseProgramme);
  Guard("RotateProgrammeKey", &AdminService::RotateProgrammeKey);
  Guard("GetProgramme", &AdminService::GetProgramme);
  Guard("ListProgrammes", &AdminService::ListProgrammes);
  Guard("IssueBooklets", &AdminService::IssueBooklets);
  Guard("GetProgrammeUsage", &AdminService::GetProgrammeUsage);
  Guard("ExportCodes", &AdminService::ExportCodes);
  Guard("RegisterVenue", &AdminService::RegisterVenue);
  Guard("GetBooklet", &AdminService::GetBooklet);
  Guard("ListBooklets", &AdminService::ListBooklets);
  Guard("GetRefundStatement", &AdminService::GetRefundStatement);
  Guard("GetVenue", &AdminService::GetVenue);
  Guard("ListVenues", &AdminService::ListVenues);
  Guard("UpdateVenue", &AdminService::UpdateVenue);
  Guard("AllocateBooklet", &AdminService::AllocateBooklet);
  Guard("ReturnBooklet", &AdminService::ReturnBooklet);
  Guard("VoidPasses", &AdminService::VoidPasses);
  RequireEveryMethodGuarded();
}

grpc::ServerUnaryReactor* AdminService::LabelVenue(
    grpc::CallbackServerContext* context, const v1::VenueRef* request,
    v1::Venue* response) {
  return FinishWithVenue(context, store_.LabelVenue(request->venue_id()),
                         response);
}

grpc::ServerUnaryReactor* AdminService::SuspendVenue(
    grpc::CallbackServerContext* context, const v1::VenueRef* request,
    v1::Venue* response) {
  return FinishWithVenue(context, store_.SuspendVenue(request->venue_id()),
                         response);
}

grpc::ServerUnaryReactor* AdminService::ReinstateVenue(
    grpc::CallbackServerContext* context, const v1::VenueRef* request,
    v1::Venue* response) {
  return FinishWithVenue(context, store_.ReinstateVenue(request->venue_id()),
                         response);
}

grpc::ServerUnaryReactor* AdminService::CreateProgramme(
    grpc::CallbackServerContext* context,
    const v1::CreateProgrammeRequest* request, v1::Programme* response) {
  storage::ProgrammeSpec spec{.sponsor = request->sponsor(),
                              .name = request->name(),
                              .face_value_cents = request->face_value_cents(),
                              .territory = request->territory()};
  if (request->has_valid_from()) {
    absl::StatusOr<absl::Time> time =
        ParseTimestamp("valid_from", request->valid_from());
    if (!time.ok()) return Finish(context, time.status());
    spec.valid_from = *time;
  }
  if (request->has_valid_until()) {
    absl::StatusOr<absl::Time> time =
        ParseTimestamp("valid_until", request->valid_until());
    if (!time.ok()) return Finish(context, time.status());
    spec.valid_until = *time;
  }
  if (request->has_distribution_stop_days()) {
    spec.distribution_stop =
        absl::Hours(24) *
        static_cast<int64_t>(request->distribution_stop_days());
  }
  if (request->has_grace_period_seconds()) {
    spec.grace_period = absl::Seconds(request->grace_period_seconds());
  }
  absl::StatusOr<storage::Programme> programme = store_.CreateProgramme(spec);
  return FinishWithProgramme(context, programme, response);
}

grpc::ServerUnaryReactor* AdminService::ExtendProgramme(
    grpc::CallbackServerContext* context,
    const v1::ExtendProgrammeRequest* request, v1::Programme* response) {
  if (!request->has_valid_until()) {
    return Finish(context, absl::InvalidArgumentError("valid_until: required"));
  }
  absl::StatusOr<absl::Time> valid_until =
      ParseTimestamp("valid_until", request->valid_until());
  if (!valid_until.ok()) return Finish(context, valid_until.status());
  return FinishWithProgramme(
      context,
      store_.ExtendProgramme(request->programme_id(), *valid_until,
                             request->reference()),
      response);
}

grpc::ServerUnaryReactor* AdminService::CloseProgramme(
    grpc::CallbackServerContext* context, const v1::ProgrammeRef* request,
    v1::Programme* response) {
  return FinishWithProgramme(
      context, store_.CloseProgramme(request->programme_id()), response);
}

grpc::ServerUnaryReactor* AdminService::RotateProgrammeKey(
    grpc::CallbackServerContext* context, const v1::ProgrammeRef* request,
    v1::Programme* response) {
  return FinishWithProgramme(
      context, store_.RotateProgrammeKey(request->programme_id()), response);
}

grpc::ServerUnaryReactor* AdminService::GetProgramme(
    grpc::CallbackServerContext* context, const v1::ProgrammeRef* request,
    v1::Programme* response) {
  std::shared_ptr<const storage::Programme> programme =
      store_.FindProgramme(request->programme_id());
  if (programme == nullptr) {
    return Finish(
        context, absl::NotFoundError(absl::StrCat("programme_id: no programme ",
                                                  request->programme_id())));
  }
  return FinishWithProgramme(context, *programme, response);
}

grpc::ServerUnaryReactor* AdminService::ListProgrammes(
    grpc::CallbackServerContext* context, const v1::ListProgrammesRequest*,
    v1::ListProgrammesResponse* response) {
  for (const auto& programme : store_.ListProgrammes()) {
    FillProgramme(*programme, response->add_programmes());
  }
  return Finish(context, absl::OkStatus());
}

grpc::ServerUnaryReactor* AdminService::IssueBooklets(
    grpc::CallbackServerContext* context,
    const v1::IssueBookletsRequest* request,
    v1::IssueBookletsResponse* response) {
  absl::StatusOr<std::vector<storage::Booklet>> booklets =
      store_.IssueBooklets(request->programme_id(), request->booklet_count(),
                           request->booklet_size());
  if (!booklets.ok()) return Finish(context, booklets.status());
  response->set_first_booklet_id(booklets->front().id);
  response->set_booklet_count(static_cast<uint32_t>(booklets->size()));
  response->set_first_serial(booklets->front().first_serial);
  response->set_pass_count(uint64_t{request->booklet_count()} *
                           request->booklet_size());
  if (booklets->size() > kMaxBookletsWithCodes) {
    return Finish(context, absl::OkStatus());
  }
  for (const storage::Booklet& booklet : *booklets) {
    v1::Booklet* message = response->add_booklets();
    FillBooklet(booklet, message);
    for (uint32_t i = 0; i < booklet.size; ++i) {
      absl::StatusOr<std::string> code =
          PrintableCode(store_, booklet.first_serial + i);
      if (!code.ok()) return Finish(context, code.status());
      message->add_codes(*std::move(code));
    }
  }
  return Finish(context, absl::OkStatus());
}

grpc::ServerUnaryReactor* AdminService::GetProgrammeUsage(
    grpc::CallbackServerContext* context, const v1::ProgrammeRef* request,
    v1::ProgrammeUsage* response) {
  absl::StatusOr<storage::UsageReport> report =
      store_.Usage(request->programme_id());
  if (report.ok()) FillUsage(request->programme_id(), *report, response);
  return Finish(context, report.status());
}

grpc::ServerWriteReactor<v1::ExportCodesResponse>* AdminService::ExportCodes(
    grpc::CallbackServerContext* /*context*/,
    const v1::ExportCodesRequest* request) {
  return new ExportCodesReactor(store_, *request);
}

grpc::ServerUnaryReactor* AdminService::RegisterVenue(
    grpc::CallbackServerContext* context,
    const v1::RegisterVenueRequest* request, v1::Venue* response) {
  absl::StatusOr<storage::Venue> venue = store_.RegisterVenue(
      {.name = request->name(),
       .accepted_programme_ids = {request->accepted_programme_ids().begin(),
                                  request->accepted_programme_ids().end()},
       .accepted_territories = {request->accepted_territories().begin(),
                                request->accepted_territories().end()},
       .labelled = request->labelled(),
       .address = request->address(),
       .siret = request->siret(),
       .iban = request->iban(),
       .bic = request->bic()});
  return FinishWithVenue(context, venue, response);
}

grpc::ServerUnaryReactor* AdminService::AllocateBooklet(
    grpc::CallbackServerContext* context,
    const v1::AllocateBookletRequest* request, v1::Booklet* response) {
  return FinishWithBooklet(
      context,
      store_.AllocateBooklet(request->booklet_id(), request->distributor_name(),
                             request->distributor_reference()),
      response);
}

grpc::ServerUnaryReactor* AdminService::ReturnBooklet(
    grpc::CallbackServerContext* context, const v1::BookletRef* request,
    v1::Booklet* response) {
  return FinishWithBooklet(context, store_.ReturnBooklet(request->booklet_id()),
                           response);
}

grpc::ServerUnaryReactor* AdminService::VoidPasses(
    grpc::CallbackServerContext* context, const v1::VoidPassesRequest* request,
    v1::VoidPassesResponse* response) {
  absl::StatusOr<std::vector<storage::VoidOutcome>> outcomes;
  switch (request->target_case()) {
    case v1::VoidPassesRequest::kSerial:
      outcomes = store_.VoidPass(request->serial(), request->reason());
      break;
    case v1::VoidPassesRequest::kBookletId:
      outcomes = store_.VoidBooklet(request->booklet_id(), request->reason());
      break;
    case v1::VoidPassesRequest::TARGET_NOT_SET:
      return Finish(context,
                    absl::InvalidArgumentError(
                        "target: a serial or a booklet_id is required"));
  }
  if (!outcomes.ok()) return Finish(context, outcomes.status());
  for (const storage::VoidOutcome& outcome : *outcomes) {
    v1::VoidedPass* pass = response->add_passes();
    pass->set_serial(outcome.serial);
    // storage::VoidResult values are the contract's VoidResult values.
    pass->set_result(static_cast<v1::VoidResult>(outcome.result));
    pass->set_message(outcome.message);
  }
  return Finish(context, absl::OkStatus());
}

}  // namespace passclear
