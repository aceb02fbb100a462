// Venue records after registration, through the real server: read, listed
// by territory, programme and status a page at a time, changed with a
// history and nothing half-written on a bad change; a SIRET is registered
// once.
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/integration/server_fixture.h"

namespace passclear::testing {
namespace {

class VenueRecordsTest : public ServerFixture {
 protected:
  v1::Venue Register(const std::string& name, const std::string& territory) {
    v1::RegisterVenueRequest request =
        MakeVenueRequest(name, scheme_.programme_id, /*labelled=*/true);
    request.add_accepted_territories(territory);
    v1::Venue venue;
    grpc::ClientContext context;
    grpc::Status status = admin_->RegisterVenue(&context, request, &venue);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return venue;
  }

  grpc::Status Update(const v1::UpdateVenueRequest& request, v1::Venue* venue) {
    grpc::ClientContext context;
    return admin_->UpdateVenue(&context, request, venue);
  }

  v1::Venue Get(uint64_t venue_id) {
    v1::VenueRef ref;
    ref.set_venue_id(venue_id);
    v1::Venue venue;
    grpc::ClientContext context;
    EXPECT_TRUE(admin_->GetVenue(&context, ref, &venue).ok());
    return venue;
  }
};

TEST_F(VenueRecordsTest, VenuesAreListedByTerritoryAPageAtATime) {
  const v1::Venue niort = Register("Médiathèque de Niort", "79");
  const v1::Venue melle = Register("Espace numérique de Melle", "79");
  Register("Cyber-base de Poitiers", "86");

  v1::ListVenuesRequest request;
  request.set_territory("79");
  request.set_page_size(1);
  v1::ListVenuesResponse first;
  grpc::ClientContext first_context;
  ASSERT_TRUE(admin_->ListVenues(&first_context, request, &first).ok());
  ASSERT_EQ(first.venues_size(), 1);
  EXPECT_EQ(first.venues(0).venue_id(), niort.venue_id());
  request.set_after_venue_id(first.next_after_venue_id());
  v1::ListVenuesResponse second;
  grpc::ClientContext second_context;
  ASSERT_TRUE(admin_->ListVenues(&second_context, request, &second).ok());
  ASSERT_EQ(second.venues_size(), 1);
  EXPECT_EQ(second.venues(0).venue_id(), melle.venue_id());
  EXPECT_EQ(second.next_after_venue_id(), 0u) << "the last page";

  v1::ListVenuesRequest suspended;
  suspended.set_status(v1::VENUE_STATUS_SUSPENDED);
  v1::ListVenuesResponse none;
  grpc::ClientContext none_context;
  ASSERT_TRUE(admin_->ListVenues(&none_context, suspended, &none).ok());
  EXPECT_EQ(none.venues_size(), 0);
}

TEST_F(VenueRecordsTest, ABadChangeNamesTheFieldAndWritesNothing) {
  const v1::Venue venue = Register("Médiathèque de Niort", "79");
  v1::UpdateVenueRequest request;
  request.set_venue_id(venue.venue_id());
  request.set_name("Médiathèque Pierre-Moinot");
  request.set_iban("FR7630006000011234567890188");  // a typo
  request.set_reason("new name and account");
  v1::Venue updated;
  grpc::Status refused = Update(request, &updated);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(refused.error_message(), "iban: "))
      << refused.error_message();
  v1::Venue unchanged = Get(venue.venue_id());
  EXPECT_EQ(unchanged.name(), "Médiathèque de Niort") << "nothing half-written";
  EXPECT_EQ(unchanged.history_size(), 0);

  request.clear_iban();
  request.clear_reason();
  EXPECT_EQ(Update(request, &updated).error_message(),
            "reason: 1 to 200 bytes, got 0");
  request.set_reason("renamed by the town council");
  ASSERT_TRUE(Update(request, &updated).ok());
  EXPECT_EQ(updated.name(), "Médiathèque Pierre-Moinot");
  const v1::Venue changed = Get(venue.venue_id());
  ASSERT_EQ(changed.history_size(), 1);
  EXPECT_EQ(changed.history(0).field(), "name");
  EXPECT_EQ(changed.history(0).old_value(), "Médiathèque de Niort");
  // The same value again is no change.
  ASSERT_TRUE(Update(request, &updated).ok());
  EXPECT_EQ(Get(venue.venue_id()).history_size(), 1);

  // Survives a restart.
  ASSERT_EQ(StopServer(), 0);
  StartServer();
  EXPECT_EQ(Get(venue.venue_id()).history_size(), 1);
  EXPECT_EQ(Get(venue.venue_id()).name(), "Médiathèque Pierre-Moinot");
}

TEST_F(VenueRecordsTest, ASecondVenueWithTheSameSiretIsRefused) {
  const v1::Venue venue = Register("Médiathèque de Niort", "79");
  v1::RegisterVenueRequest again =
      MakeVenueRequest("Médiathèque (doublon)", scheme_.programme_id, true);
  again.set_siret(venue.siret());
  v1::Venue duplicate;
  grpc::ClientContext context;
  grpc::Status refused = admin_->RegisterVenue(&context, again, &duplicate);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_TRUE(absl::StrContains(refused.error_message(),
                                absl::StrCat("is venue ", venue.venue_id(),
                                             "'s ('Médiathèque de Niort')")))
      << refused.error_message();
}

}  // namespace
}  // namespace passclear::testing
