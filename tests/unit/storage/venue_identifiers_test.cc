// SIRET, IBAN and BIC checks: real identifiers pass, every single-digit
// typo of an IBAN or SIRET is caught, and each error names the field.
#include "storage/venue_identifiers.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "storage/pass_store.h"
#include "tests/unit/storage/temp_store.h"

namespace passclear::storage {
namespace {

TEST(VenueIdentifiersTest, NormalisesAndAcceptsValidIbans) {
  absl::StatusOr<std::string> iban =
      NormalizeIban("iban", "fr76 3000 6000 0112 3456 7890 189");
  ASSERT_TRUE(iban.ok()) << iban.status();
  EXPECT_EQ(*iban, "FR7630006000011234567890189");
  EXPECT_TRUE(NormalizeIban("iban", "DE89370400440532013000").ok());
  EXPECT_TRUE(NormalizeIban("iban", "GB29NWBK60161331926819").ok());
}

TEST(VenueIdentifiersTest, CatchesEverySingleDigitTypoInAnIban) {
  const std::string iban = "FR7630006000011234567890189";
  for (size_t i = 2; i < iban.size(); ++i) {
    for (char digit = '0'; digit <= '9'; ++digit) {
      if (digit == iban[i]) continue;
      std::string typo = iban;
      typo[i] = digit;
      EXPECT_FALSE(NormalizeIban("iban", typo).ok()) << typo;
    }
  }
}

TEST(VenueIdentifiersTest, IbanErrorsNameTheProblem) {
  EXPECT_EQ(NormalizeIban("iban", "").status().message(), "iban: required");
  EXPECT_EQ(NormalizeIban("iban", "FR76").status().message(),
            "iban: must have 15 to 34 characters, got 4");
  EXPECT_EQ(
      NormalizeIban("iban", "FR76-3000-6000-0112-3456").status().message(),
      "iban: only letters and digits allowed");
  EXPECT_EQ(
      NormalizeIban("iban", "7630006000011234567890189FR").status().message(),
      "iban: must start with a country code and 2 check digits");
  EXPECT_EQ(
      NormalizeIban("iban", "FR7630006000011234567890188").status().message(),
      "iban: check digits do not match; the IBAN is mistyped");
}

TEST(VenueIdentifiersTest, ChecksBicShape) {
  EXPECT_TRUE(CheckBic("bic", "AGRIFRPP").ok());
  EXPECT_TRUE(CheckBic("bic", "BNPAFRPPXXX").ok());
  EXPECT_EQ(CheckBic("bic", "").message(), "bic: required");
  EXPECT_EQ(CheckBic("bic", "AGRIFRP").message(),
            "bic: must have 8 or 11 characters, got 7");
  EXPECT_FALSE(CheckBic("bic", "agrifrpp").ok());
  EXPECT_FALSE(CheckBic("bic", "AGR1FRPP").ok());
}

TEST(VenueIdentifiersTest, ChecksSiretWithLuhn) {
  EXPECT_TRUE(CheckSiret("siret", "73282932000074").ok());
  EXPECT_EQ(CheckSiret("siret", "").message(), "siret: required");
  EXPECT_EQ(CheckSiret("siret", "7328293200007").message(),
            "siret: must have 14 digits, got 13 characters");
  EXPECT_EQ(CheckSiret("siret", "7328293200007A").message(),
            "siret: digits only");
  const std::string siret = "73282932000074";
  for (size_t i = 0; i < siret.size(); ++i) {
    for (char digit = '0'; digit <= '9'; ++digit) {
      if (digit == siret[i]) continue;
      std::string typo = siret;
      typo[i] = digit;
      EXPECT_FALSE(CheckSiret("siret", typo).ok()) << typo;
    }
  }
}

TEST(VenueIdentifiersTest, SiretOfNumberAppendsTheLuhnDigit) {
  EXPECT_EQ(SiretOfNumber(7328293200007), "73282932000074");
  for (uint64_t number : {uint64_t{0}, uint64_t{1}, uint64_t{123456789},
                          uint64_t{9999999999999}, uint64_t{10000000000042}}) {
    const std::string siret = SiretOfNumber(number);
    EXPECT_EQ(siret.size(), 14u) << siret;
    EXPECT_TRUE(CheckSiret("siret", siret).ok()) << siret;
  }
}

using VenueRegistrationTest = TempStoreTest;

TEST_F(VenueRegistrationTest, ASiretIsRegisteredOnce) {
  ASSERT_OK_AND_ASSIGN(Programme programme, CreateProgramme());
  VenueSpec first = TestVenue("Cyber-base du Val", {programme.id});
  ASSERT_OK_AND_ASSIGN(Venue registered, store().RegisterVenue(first));
  VenueSpec again = TestVenue("Cyber-base (doublon)", {programme.id});
  again.siret = first.siret;
  absl::Status refused = store().RegisterVenue(again).status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(
      refused.message(),
      absl::StrCat("siret: SIRET ", first.siret, " is venue ", registered.id,
                   "'s ('Cyber-base du Val'); an establishment is "
                   "registered once: change venue ",
                   registered.id, " with UpdateVenue instead"));
  // Within one registration too, and nothing of it is written.
  std::vector<VenueSpec> twins = {TestVenue("A", {programme.id}),
                                  TestVenue("B", {programme.id})};
  twins[1].siret = twins[0].siret;
  EXPECT_EQ(store().RegisterVenues(twins).status().message(),
            absl::StrCat("venues[1].siret: SIRET ", twins[0].siret,
                         " is also venues[0]'s; an establishment is "
                         "registered once"));
  EXPECT_EQ(store().FindVenue(registered.id + 1), nullptr);
  // Once reopened, the SIRET is still taken.
  ASSERT_OK(Reopen());
  EXPECT_EQ(store().RegisterVenue(again).status().code(),
            absl::StatusCode::kAlreadyExists);
}

TEST_F(VenueRegistrationTest, RefusesAVenueThatCannotBePaidAndWritesNothing) {
  ASSERT_OK_AND_ASSIGN(Programme programme, CreateProgramme());
  VenueSpec spec = TestVenue("Espace numerique", {programme.id});
  spec.iban = "FR7630006000011234567890188";
  EXPECT_EQ(store().RegisterVenue(spec).status().message(),
            "iban: check digits do not match; the IBAN is mistyped");
  spec = TestVenue("Espace numerique", {programme.id});
  spec.address = "";
  EXPECT_EQ(store().RegisterVenue(spec).status().message(),
            "address: required");
  EXPECT_EQ(store().FindVenue(1), nullptr);

  const VenueSpec accepted = TestVenue("Espace", {programme.id});
  ASSERT_OK_AND_ASSIGN(Venue venue, store().RegisterVenue(accepted));
  EXPECT_EQ(venue.id, 1u);  // the refused ones used no id
  EXPECT_EQ(venue.iban, "FR7630006000011234567890189");
  EXPECT_EQ(venue.siret, accepted.siret);
  ASSERT_OK(Reopen());
  EXPECT_EQ(store().FindVenue(1)->bic, "AGRIFRPP");
}

}  // namespace
}  // namespace passclear::storage
