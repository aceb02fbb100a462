// AdminService's venue records after registration: read one with its
// history, list them, change them.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/admin_service.h"
#include "server/grpc_status.h"
#include "server/proto_convert.h"

namespace passclear {
namespace {

constexpr uint32_t kDefaultVenuePage = 100;
constexpr uint32_t kMaxVenuePage = 1000;

grpc::ServerUnaryReactor* Finish(grpc::CallbackServerContext* context,
                                 const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

void FillVenueChange(const storage::VenueChange& change,
                     v1::VenueChange* message) {
  SetTimestamp(change.at, message->mutable_changed_at());
  message->set_changed_by(change.changed_by);
  message->set_field(change.field);
  message->set_old_value(change.old_value);
  message->set_new_value(change.new_value);
  message->set_reason(change.reason);
}

}  // namespace

grpc::ServerUnaryReactor* AdminService::GetVenue(
    grpc::CallbackServerContext* context, const v1::VenueRef* request,
    v1::Venue* response) {
  std::shared_ptr<const storage::Venue> venue =
      store_.FindVenue(request->venue_id());
  if (venue == nullptr) {
    return Finish(context, absl::NotFoundError(absl::StrCat(
                               "venue_id: no venue ", request->venue_id())));
  }
  absl::StatusOr<std::vector<storage::VenueChange>> history =
      store_.VenueHistory(venue->id);
  if (!history.ok()) return Finish(context, history.status());
  FillVenue(*venue, response);
  for (const storage::VenueChange& change : *history) {
    FillVenueChange(change, response->add_history());
  }
  return Finish(context, absl::OkStatus());
}

grpc::ServerUnaryReactor* AdminService::ListVenues(
    grpc::CallbackServerContext* context, const v1::ListVenuesRequest* request,
    v1::ListVenuesResponse* response) {
  const uint32_t page_size =
      request->page_size() == 0 ? kDefaultVenuePage : request->page_size();
  if (page_size > kMaxVenuePage) {
    return Finish(context, absl::InvalidArgumentError(absl::StrCat(
                               "page_size: at most ", kMaxVenuePage, ", got ",
                               request->page_size())));
  }
  storage::VenueFilter filter;
  if (!request->territory().empty()) filter.territory = request->territory();
  if (request->programme_id() != 0)
    filter.programme_id = request->programme_id();
  if (request->status() != v1::VENUE_STATUS_UNSPECIFIED) {
    if (!v1::VenueStatus_IsValid(request->status())) {
      return Finish(context, absl::InvalidArgumentError(absl::StrCat(
                                 "status: unknown venue status ",
                                 static_cast<int>(request->status()))));
    }
    // The contract's VenueStatus values are storage::VenueStatus values.
    filter.status = static_cast<storage::VenueStatus>(request->status());
  }
  // One more than the page tells whether another page follows.
  std::vector<std::shared_ptr<const storage::Venue>> venues =
      store_.ListVenues(request->after_venue_id(), page_size + 1, filter);
  const bool more = venues.size() > page_size;
  if (more) venues.pop_back();
  for (const auto& venue : venues) FillVenue(*venue, response->add_venues());
  if (more) response->set_next_after_venue_id(venues.back()->id);
  return Finish(context, absl::OkStatus());
}

grpc::ServerUnaryReactor* AdminService::UpdateVenue(
    grpc::CallbackServerContext* context, const v1::UpdateVenueRequest* request,
    v1::Venue* response) {
  absl::StatusOr<storage::Identity> caller = access().Caller(*context);
  if (!caller.ok()) return Finish(context, caller.status());
  storage::VenueUpdate update{.reason = request->reason(),
                              .changed_by = caller->name};
  if (request->has_name()) update.name = request->name();
  if (request->has_address()) update.address = request->address();
  if (request->has_iban()) update.iban = request->iban();
  if (request->has_bic()) update.bic = request->bic();
  if (request->has_accepted_programme_ids()) {
    const auto& ids = request->accepted_programme_ids().ids();
    update.accepted_programme_ids.emplace(ids.begin(), ids.end());
  }
  if (request->has_accepted_territories()) {
    const auto& territories = request->accepted_territories().territories();
    update.accepted_territories.emplace(territories.begin(), territories.end());
  }
  absl::StatusOr<storage::PassStore::VenueUpdated> updated =
      store_.UpdateVenue(request->venue_id(), update);
  if (!updated.ok()) return Finish(context, updated.status());
  std::vector<std::string> fields;
  for (const storage::VenueChange& change : updated->changes) {
    fields.push_back(change.field);
  }
  if (!fields.empty()) {
    access().AuditChange(*context, *caller,
                         "/passclear.v1.AdminService/UpdateVenue",
                         "venue_changed",
                         absl::StrCat("venue ", updated->venue.id, ": ",
                                      absl::StrJoin(fields, ", "), " (",
                                      request->reason(), ")"));
  }
  FillVenue(updated->venue, response);
  return Finish(context, absl::OkStatus());
}

}  // namespace passclear
