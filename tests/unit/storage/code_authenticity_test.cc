// The authenticity tags of printed codes: checked from memory, tied to the
// programme key a booklet was printed with, and kept across key rotation
// and restarts.
#include "gtest/gtest.h"
#include "storage/code_tag.h"
#include "storage/pass_store.h"
#include "tests/unit/storage/temp_store.h"

namespace passclear::storage {
namespace {

using CodeAuthenticityTest = OneBookletTest;
using TagCheck = PassStore::TagCheck;

TEST_F(CodeAuthenticityTest, PrintedTagIsAuthenticAnyOtherIsCounterfeit) {
  ASSERT_OK_AND_ASSIGN(uint64_t tag, store().TagFor(serials_[0]));
  ASSERT_EQ(programme_.keys.size(), 1u);
  EXPECT_EQ(tag, CodeTag(programme_.keys[0].secret, serials_[0]));
  EXPECT_EQ(store().CheckTag(serials_[0], tag), TagCheck::kAuthentic);
  EXPECT_EQ(store().CheckTag(serials_[0], (tag + 1) % kTagModulus),
            TagCheck::kCounterfeit);
  // A tag valid for one pass is worthless for its neighbour.
  EXPECT_EQ(store().CheckTag(serials_[1], tag), TagCheck::kCounterfeit);
  // A serial never issued is not judged here: the store answers it.
  EXPECT_EQ(store().CheckTag(serials_.back() + 1, 0), TagCheck::kNotIssued);
  EXPECT_EQ(store().TagFor(serials_.back() + 1).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(CodeAuthenticityTest, RotationKeepsOldCodesAndSignsNewOnes) {
  ASSERT_OK_AND_ASSIGN(uint64_t old_tag, store().TagFor(serials_[0]));
  ASSERT_OK_AND_ASSIGN(Programme rotated,
                       store().RotateProgrammeKey(programme_.id));
  ASSERT_EQ(rotated.keys.size(), 2u);
  EXPECT_EQ(rotated.keys[1].version, 2u);
  EXPECT_NE(rotated.keys[1].secret, rotated.keys[0].secret);

  EXPECT_EQ(store().CheckTag(serials_[0], old_tag), TagCheck::kAuthentic);
  ASSERT_OK_AND_ASSIGN(std::vector<Booklet> booklets,
                       store().IssueBooklets(programme_.id, 1, 5));
  const uint64_t new_serial = booklets[0].first_serial;
  ASSERT_OK_AND_ASSIGN(uint64_t new_tag, store().TagFor(new_serial));
  EXPECT_EQ(new_tag, CodeTag(rotated.keys[1].secret, new_serial));
  EXPECT_EQ(
      store().CheckTag(new_serial, CodeTag(rotated.keys[0].secret, new_serial)),
      TagCheck::kCounterfeit);

  // Keys and issuances are on disk.
  ASSERT_OK(Reopen());
  EXPECT_EQ(store().CheckTag(serials_[0], old_tag), TagCheck::kAuthentic);
  EXPECT_EQ(store().CheckTag(new_serial, new_tag), TagCheck::kAuthentic);
}

TEST_F(CodeAuthenticityTest, EveryProgrammeHasItsOwnKey) {
  ASSERT_OK_AND_ASSIGN(Programme other, CreateProgramme());
  ASSERT_EQ(other.keys.size(), 1u);
  EXPECT_NE(other.keys[0].secret, programme_.keys[0].secret);
  EXPECT_EQ(store().RotateProgrammeKey(999).status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace passclear::storage
