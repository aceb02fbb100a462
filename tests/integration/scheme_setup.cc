#include "tests/integration/scheme_setup.h"

#include <atomic>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "storage/venue_identifiers.h"

namespace passclear::testing {

Scheme SetUpScheme(v1::AdminService::Stub& admin, uint32_t booklets) {
  Scheme scheme;
  v1::CreateProgrammeRequest programme_request;
  programme_request.set_sponsor("Communauté de communes de Test");
  programme_request.set_name("Pass Numérique test");
  programme_request.set_face_value_cents(1000);
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  programme_request.mutable_valid_from()->set_seconds(now - 86400);
  programme_request.mutable_valid_until()->set_seconds(now + 365 * 86400);
  v1::Programme programme;
  grpc::ClientContext programme_context;
  grpc::Status status =
      admin.CreateProgramme(&programme_context, programme_request, &programme);
  if (!status.ok()) {
    ADD_FAILURE() << "CreateProgramme: " << status.error_message();
    return scheme;
  }
  scheme.programme_id = programme.programme_id();

  v1::IssueBookletsRequest issue_request;
  issue_request.set_programme_id(scheme.programme_id);
  issue_request.set_booklet_count(booklets);
  issue_request.set_booklet_size(10);
  v1::IssueBookletsResponse issued;
  grpc::ClientContext issue_context;
  status = admin.IssueBooklets(&issue_context, issue_request, &issued);
  if (!status.ok()) {
    ADD_FAILURE() << "IssueBooklets: " << status.error_message();
    return scheme;
  }
  for (const v1::Booklet& booklet : issued.booklets()) {
    scheme.codes.insert(scheme.codes.end(), booklet.codes().begin(),
                        booklet.codes().end());
  }

  v1::RegisterVenueRequest venue_request = MakeVenueRequest(
      "Espace numérique de Test", scheme.programme_id, /*labelled=*/true);
  v1::Venue venue;
  grpc::ClientContext venue_context;
  status = admin.RegisterVenue(&venue_context, venue_request, &venue);
  if (!status.ok()) {
    ADD_FAILURE() << "RegisterVenue: " << status.error_message();
    return scheme;
  }
  scheme.venue_id = venue.venue_id();
  return scheme;
}

v1::RegisterVenueRequest MakeVenueRequest(absl::string_view name,
                                          uint64_t programme_id,
                                          bool labelled) {
  v1::RegisterVenueRequest request;
  request.set_name(std::string(name));
  request.add_accepted_programme_ids(programme_id);
  request.set_labelled(labelled);
  request.set_address("1 place de la Mairie, 79000 Niort");
  // An establishment is registered once: each request its own SIRET.
  static std::atomic<uint64_t> next_siret{7328293200007};
  request.set_siret(storage::SiretOfNumber(next_siret++));
  request.set_iban("FR76 3000 6000 0112 3456 7890 189");
  request.set_bic("AGRIFRPP");
  return request;
}

v1::RedeemRequest MakeRedeemRequest(absl::string_view code, uint64_t venue_id,
                                    absl::string_view terminal_id,
                                    absl::string_view request_id) {
  v1::RedeemRequest request;
  request.set_code(std::string(code));
  request.set_venue_id(venue_id);
  request.set_terminal_id(std::string(terminal_id));
  request.set_request_id(std::string(request_id));
  return request;
}

}  // namespace passclear::testing
