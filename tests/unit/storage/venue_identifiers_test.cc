// SIRET, IBAN and BIC checks: real identifiers pass, every single-digit
// typo of an IBAN or SIRET is caught, and each error names the field.
#include "storage/venue_identifiers.h"

#include <string>

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

using VenueRegistrationTest = TempStoreTest;

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

  ASSERT_OK_AND_ASSIGN(
      Venue venue, store().RegisterVenue(TestVenue("Espace", {programme.id})));
  EXPECT_EQ(venue.id, 1u);  // the refused ones used no id
  EXPECT_EQ(venue.iban, "FR7630006000011234567890189");
  EXPECT_EQ(venue.siret, "73282932000074");
  ASSERT_OK(Reopen());
  EXPECT_EQ(store().FindVenue(1)->bic, "AGRIFRPP");
}

}  // namespace
}  // namespace passclear::storage
