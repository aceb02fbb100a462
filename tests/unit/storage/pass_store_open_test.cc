// Opening and reopening a store, and the admin calls that fill it: a store
// keeps everything across restarts, refuses a configuration it was not
// created with, and an admin request refused for a bad field writes nothing.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "storage/key_codec.h"
#include "storage/pass_store.h"
#include "storage/record_codec.h"
#include "storage/redemption.h"
#include "tests/unit/storage/temp_store.h"

namespace passclear::storage {
namespace {

bool StartsWith(absl::string_view text, absl::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

ProgrammeSpec ValidSpec() {
  return {.sponsor = "Pole territorial rural",
          .name = "Pass Numerique 2022",
          .face_value_cents = 1000,
          .valid_from = Utc(2022, 1, 1),
          .valid_until = Utc(2023, 12, 31, 23, 59, 59)};
}

class PassStoreOpenTest : public TempStoreTest {
 protected:
  // Whether any pass exists with this serial.
  bool PassExists(uint64_t serial) {
    absl::StatusOr<PassStatus> status = store().Check(serial, std::nullopt);
    EXPECT_TRUE(status.ok()) << status.status();
    return status.ok() && status->known;
  }
};

TEST_F(PassStoreOpenTest, ReopenWithAnotherShardCountIsRefused) {
  ASSERT_OK_AND_ASSIGN(Programme programme, CreateProgramme());
  Close();
  for (uint32_t shards : {8u, 2u}) {
    options().shard_count = shards;
    absl::Status status = Open();
    EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
    EXPECT_TRUE(Contains(status.message(), "created with 4 pass shards"))
        << status;
    EXPECT_TRUE(
        Contains(status.message(), absl::StrCat(shards, " were requested")))
        << status;
  }
  // The refused opens changed nothing.
  options().shard_count = 4;
  ASSERT_OK(Open());
  ASSERT_NE(store().FindProgramme(programme.id), nullptr);
  EXPECT_EQ(*store().FindProgramme(programme.id), programme);
}

TEST_F(PassStoreOpenTest, WriterLanesMustBeBetweenOneAndTheShardCount) {
  Close();
  for (uint32_t lanes : {0u, 5u}) {
    options().writer_lanes = lanes;
    absl::Status status = Open();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << lanes;
    EXPECT_TRUE(Contains(status.message(), "writer lanes")) << status;
    EXPECT_TRUE(Contains(status.message(), absl::StrCat("got ", lanes)))
        << status;
  }
  for (uint32_t lanes : {1u, 4u}) {
    options().writer_lanes = lanes;
    ASSERT_OK(Open());
    Close();
  }
}

TEST_F(PassStoreOpenTest, ReopenKeepsEverythingAndCountersContinue) {
  ASSERT_OK_AND_ASSIGN(Programme programme, CreateProgramme());
  ASSERT_OK_AND_ASSIGN(std::vector<Booklet> booklets,
                       store().IssueBooklets(programme.id, 2, 10));
  ASSERT_OK_AND_ASSIGN(Venue venue,
                       RegisterVenue("Mediatheque", {programme.id}));
  const std::vector<uint64_t> serials = SerialsOf(booklets);
  ASSERT_OK_AND_ASSIGN(RedeemOutcome redeemed, Redeem({.serial = serials[7],
                                                       .venue_id = venue.id,
                                                       .terminal_id = "T-1",
                                                       .request_id = "r-1"}));
  ASSERT_EQ(redeemed.result, RedeemResult::kRedeemed);
  ASSERT_OK_AND_ASSIGN(std::vector<ClaimLineEntry> lines_before,
                       ClaimLines(venue.id));

  ASSERT_OK(Reopen());
  clock().Advance(absl::Hours(1));

  // What was there is still there.
  ASSERT_NE(store().FindProgramme(programme.id), nullptr);
  EXPECT_EQ(*store().FindProgramme(programme.id), programme);
  ASSERT_OK_AND_ASSIGN(PassStatus redeemed_pass,
                       store().Check(serials[7], venue.id));
  EXPECT_EQ(redeemed_pass.pass.state, PassState::kRedeemed);
  EXPECT_EQ(redeemed_pass.pass.redemption, redeemed.redemption);
  EXPECT_EQ(redeemed_pass.redeemable_result, RedeemResult::kAlreadyRedeemed);
  for (uint64_t serial : serials) {
    ASSERT_OK_AND_ASSIGN(PassStatus status, store().Check(serial, venue.id));
    EXPECT_TRUE(status.known) << serial;
    EXPECT_EQ(status.programme, programme);
    EXPECT_EQ(status.pass.programme_id, programme.id);
    EXPECT_EQ(status.pass.booklet_id, booklets[(serial - serials[0]) / 10].id);
  }
  ASSERT_OK_AND_ASSIGN(std::vector<ClaimLineEntry> lines_after,
                       ClaimLines(venue.id));
  ASSERT_EQ(lines_after.size(), lines_before.size());
  EXPECT_EQ(lines_after[0].seq, lines_before[0].seq);
  EXPECT_EQ(lines_after[0].line, lines_before[0].line);

  // New ids follow the old ones without reuse.
  ASSERT_OK_AND_ASSIGN(Programme second_programme, CreateProgramme());
  EXPECT_EQ(second_programme.id, programme.id + 1);
  ASSERT_OK_AND_ASSIGN(std::vector<Booklet> more,
                       store().IssueBooklets(second_programme.id, 1, 5));
  EXPECT_EQ(more[0].id, booklets.back().id + 1);
  EXPECT_EQ(more[0].first_serial, serials.back() + 1);
  ASSERT_OK_AND_ASSIGN(Venue second_venue,
                       RegisterVenue("Cyber-base", {programme.id}));
  EXPECT_EQ(second_venue.id, venue.id + 1);

  // The old venue still redeems, and its new claim line comes after the old
  // one with a new sequence number.
  ASSERT_OK_AND_ASSIGN(RedeemOutcome after, Redeem({.serial = serials[8],
                                                    .venue_id = venue.id,
                                                    .terminal_id = "T-1",
                                                    .request_id = "r-2"}));
  ASSERT_EQ(after.result, RedeemResult::kRedeemed) << after.message;
  EXPECT_GT(after.redemption->seq, redeemed.redemption->seq);
  ASSERT_OK_AND_ASSIGN(std::vector<ClaimLineEntry> lines, ClaimLines(venue.id));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].line.serial, serials[7]);
  EXPECT_EQ(lines[1].line.serial, serials[8]);
}

TEST_F(PassStoreOpenTest, SequenceContinuesAfterACancellationBeforeReopen) {
  // The last journal entry is a cancellation: the next redemption's claim
  // line must not reuse its sequence number (nor an older one).
  ASSERT_OK_AND_ASSIGN(Programme programme, CreateProgramme());
  ASSERT_OK_AND_ASSIGN(std::vector<Booklet> booklets,
                       store().IssueBooklets(programme.id, 1, 5));
  ASSERT_OK_AND_ASSIGN(Venue venue,
                       RegisterVenue("Mediatheque", {programme.id}));
  const uint64_t serial = booklets[0].first_serial;
  ASSERT_OK_AND_ASSIGN(RedeemOutcome kept, Redeem({.serial = serial,
                                                   .venue_id = venue.id,
                                                   .terminal_id = "T-1",
                                                   .request_id = "r-1"}));
  ASSERT_OK_AND_ASSIGN(RedeemOutcome undone, Redeem({.serial = serial + 1,
                                                     .venue_id = venue.id,
                                                     .terminal_id = "T-1",
                                                     .request_id = "r-2"}));
  ASSERT_OK_AND_ASSIGN(CancelOutcome cancelled, Cancel({.serial = serial + 1,
                                                        .venue_id = venue.id,
                                                        .terminal_id = "T-1",
                                                        .request_id = "r-3"}));
  ASSERT_EQ(cancelled.result, CancelResult::kCancelled);
  ASSERT_OK(Reopen());
  ASSERT_OK_AND_ASSIGN(RedeemOutcome next, Redeem({.serial = serial + 2,
                                                   .venue_id = venue.id,
                                                   .terminal_id = "T-1",
                                                   .request_id = "r-4"}));
  ASSERT_EQ(next.result, RedeemResult::kRedeemed);
  EXPECT_GT(next.redemption->seq, undone.redemption->seq + 1);
  ASSERT_OK_AND_ASSIGN(std::vector<ClaimLineEntry> lines, ClaimLines(venue.id));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].seq, kept.redemption->seq);
  EXPECT_EQ(lines[1].seq, next.redemption->seq);
}

// A programme's validity is what the admin set, before and after a restart:
// the gRPC admin API takes Timestamps with nanoseconds, so "until the end of
// 2023" may well be 23:59:59.999999999.
TEST_F(PassStoreOpenTest, ProgrammeIsTheSameAfterReopen) {
  ProgrammeSpec spec = ValidSpec();
  spec.valid_until += absl::Nanoseconds(999'999'999);
  ASSERT_OK_AND_ASSIGN(Programme created, store().CreateProgramme(spec));
  ASSERT_OK(Reopen());
  ASSERT_NE(store().FindProgramme(created.id), nullptr);
  const Programme& reloaded = *store().FindProgramme(created.id);
  EXPECT_EQ(reloaded.valid_until, created.valid_until)
      << "created " << created.valid_until << ", after reopen "
      << reloaded.valid_until;
  EXPECT_EQ(reloaded, created);
}

TEST_F(PassStoreOpenTest, ProgrammeValidationNamesTheFieldAndWritesNothing) {
  struct Case {
    std::string field;
    ProgrammeSpec spec;
  };
  std::vector<Case> cases;
  {
    ProgrammeSpec spec = ValidSpec();
    spec.face_value_cents = 0;
    cases.push_back({"face_value_cents", spec});
    spec.face_value_cents = -1000;
    cases.push_back({"face_value_cents", spec});
  }
  {
    ProgrammeSpec spec = ValidSpec();
    spec.valid_until = spec.valid_from - absl::Seconds(1);
    cases.push_back({"valid_until", spec});
    spec.valid_until = spec.valid_from;
    cases.push_back({"valid_until", spec});
  }
  {
    ProgrammeSpec spec = ValidSpec();
    spec.sponsor = "";
    cases.push_back({"sponsor", spec});
  }
  {
    ProgrammeSpec spec = ValidSpec();
    spec.name = std::string(201, 'n');
    cases.push_back({"name", spec});
  }
  {
    ProgrammeSpec spec = ValidSpec();
    spec.grace_period = absl::Seconds(-1);
    cases.push_back({"grace_period", spec});
  }
  for (const Case& refused : cases) {
    absl::StatusOr<Programme> programme = store().CreateProgramme(refused.spec);
    EXPECT_EQ(programme.status().code(), absl::StatusCode::kInvalidArgument)
        << refused.field;
    EXPECT_TRUE(StartsWith(programme.status().message(), refused.field))
        << programme.status();
  }
  EXPECT_EQ(store().FindProgramme(1), nullptr);
  ASSERT_OK(Reopen());
  EXPECT_EQ(store().FindProgramme(1), nullptr);

  // The first accepted programme takes the first id.
  ASSERT_OK_AND_ASSIGN(Programme accepted,
                       store().CreateProgramme(ValidSpec()));
  EXPECT_EQ(accepted.id, 1u);
  EXPECT_EQ(accepted.grace_period, absl::Hours(24 * 31));  // the default
}

TEST_F(PassStoreOpenTest, BookletValidationNamesTheFieldAndWritesNothing) {
  ASSERT_OK_AND_ASSIGN(Programme programme, CreateProgramme());
  ASSERT_OK_AND_ASSIGN(std::vector<Booklet> first,
                       store().IssueBooklets(programme.id, 1, 10));
  ASSERT_EQ(first[0].first_serial, 1u);

  struct Case {
    uint64_t programme_id;
    uint32_t count;
    uint32_t size;
    absl::StatusCode code;
    std::string field;
  };
  const Case cases[] = {
      {programme.id, 1, 7, absl::StatusCode::kInvalidArgument, "booklet_size"},
      {programme.id, 10, 0, absl::StatusCode::kInvalidArgument, "booklet_size"},
      {programme.id, 0, 10, absl::StatusCode::kInvalidArgument,
       "booklet_count"},
      {programme.id, kMaxBookletsPerIssue + 1, 10,
       absl::StatusCode::kInvalidArgument, "booklet_count"},
      {programme.id + 1, 1, 10, absl::StatusCode::kNotFound, "programme_id"},
  };
  for (const Case& refused : cases) {
    absl::StatusOr<std::vector<Booklet>> booklets = store().IssueBooklets(
        refused.programme_id, refused.count, refused.size);
    EXPECT_EQ(booklets.status().code(), refused.code) << refused.field;
    EXPECT_TRUE(StartsWith(booklets.status().message(), refused.field))
        << booklets.status();
  }
  // No pass exists where the refused booklets would have gone.
  for (uint64_t serial : {11, 12, 20, 17, 100, 10010}) {
    EXPECT_FALSE(PassExists(serial)) << serial;
  }

  ASSERT_OK_AND_ASSIGN(std::vector<Booklet> next,
                       store().IssueBooklets(programme.id, 2, 5));
  ASSERT_EQ(next.size(), 2u);
  EXPECT_EQ(next[0].id, first[0].id + 1);
  EXPECT_EQ(next[0].first_serial, 11u);
  EXPECT_EQ(next[0].size, 5u);
  EXPECT_EQ(next[1].id, first[0].id + 2);
  EXPECT_EQ(next[1].first_serial, 16u);
  for (uint64_t serial = 11; serial <= 20; ++serial) {
    EXPECT_TRUE(PassExists(serial)) << serial;
  }
  EXPECT_FALSE(PassExists(21));
}

// An issuance past the bulk threshold goes through SST ingestion: the same
// records, as durable, and the counters continue from it.
TEST_F(PassStoreOpenTest, BulkIssueIsIngestedWhole) {
  ASSERT_OK_AND_ASSIGN(Programme programme, CreateProgramme());
  ASSERT_OK(store().IssueBooklets(programme.id, 1, 10).status());
  const uint32_t bulk_booklets = kBulkIssueThreshold / 10 + 7;
  ASSERT_OK_AND_ASSIGN(std::vector<Booklet> bulk,
                       store().IssueBooklets(programme.id, bulk_booklets, 10));
  ASSERT_EQ(bulk.size(), bulk_booklets);
  const uint64_t last = 10 + uint64_t{bulk_booklets} * 10;
  EXPECT_EQ(bulk.front().first_serial, 11u);
  EXPECT_EQ(bulk.back().first_serial + 9, last);
  ASSERT_OK(Reopen());
  for (uint64_t serial : {uint64_t{11}, last / 2, last}) {
    EXPECT_TRUE(PassExists(serial)) << serial;
  }
  EXPECT_FALSE(PassExists(last + 1));
  // The counters were ingested with the passes.
  ASSERT_OK_AND_ASSIGN(std::vector<Booklet> after,
                       store().IssueBooklets(programme.id, 1, 5));
  EXPECT_EQ(after[0].first_serial, last + 1);
  EXPECT_EQ(after[0].id, bulk.back().id + 1);
  // And nothing is left of the ingestion's files.
  for (const auto& entry :
       std::filesystem::directory_iterator(store().database().path())) {
    EXPECT_EQ(entry.path().filename().string().rfind("ingest-", 0),
              std::string::npos)
        << entry.path();
  }
}

// Serials are printed with 12 digits: an issue that would go past the last
// one is refused whole, and one that ends exactly on it is accepted.
TEST_F(PassStoreOpenTest, SerialSpaceEndsAtTwelveDigits) {
  ASSERT_OK_AND_ASSIGN(Programme programme, CreateProgramme());
  // Skip ahead to near the end of the serial space, as a store that issued
  // almost a trillion passes would be.
  rocksdb::WriteOptions sync;
  sync.sync = true;
  ASSERT_TRUE(store()
                  .database()
                  .db()
                  ->Put(sync, kMetaNextSerial, EncodeMetaNumber(kMaxSerial - 9))
                  .ok());
  ASSERT_OK(Reopen());

  absl::StatusOr<std::vector<Booklet>> too_many =
      store().IssueBooklets(programme.id, 2, 10);
  EXPECT_EQ(too_many.status().code(), absl::StatusCode::kResourceExhausted)
      << too_many.status();
  EXPECT_FALSE(PassExists(kMaxSerial - 9));

  ASSERT_OK_AND_ASSIGN(std::vector<Booklet> last,
                       store().IssueBooklets(programme.id, 2, 5));
  EXPECT_EQ(last[0].first_serial, kMaxSerial - 9);
  EXPECT_EQ(last[1].first_serial + 4, kMaxSerial);
  EXPECT_TRUE(PassExists(kMaxSerial));
  EXPECT_EQ(store().IssueBooklets(programme.id, 1, 5).status().code(),
            absl::StatusCode::kResourceExhausted);
}

TEST_F(PassStoreOpenTest, VenueValidationNamesTheFieldAndWritesNothing) {
  ASSERT_OK_AND_ASSIGN(Programme programme, CreateProgramme());
  struct Case {
    std::string name;
    std::vector<uint64_t> programme_ids;
    absl::StatusCode code;
    std::string field;
  };
  const Case cases[] = {
      {"Mediatheque",
       {},
       absl::StatusCode::kInvalidArgument,
       "accepted_programme_ids"},
      {"Mediatheque",
       {programme.id, programme.id},
       absl::StatusCode::kInvalidArgument,
       "accepted_programme_ids"},
      {"Mediatheque",
       {programme.id + 5},
       absl::StatusCode::kNotFound,
       "accepted_programme_ids"},
      {"", {programme.id}, absl::StatusCode::kInvalidArgument, "name"},
  };
  for (const Case& refused : cases) {
    absl::StatusOr<Venue> venue =
        RegisterVenue(refused.name, refused.programme_ids);
    EXPECT_EQ(venue.status().code(), refused.code) << refused.field;
    EXPECT_TRUE(StartsWith(venue.status().message(), refused.field))
        << venue.status();
  }
  absl::StatusOr<Venue> duplicated =
      RegisterVenue("Mediatheque", {programme.id, programme.id});
  EXPECT_TRUE(Contains(duplicated.status().message(), "listed twice"))
      << duplicated.status();

  // None of the refused venues exists: venue 1 cannot redeem.
  ASSERT_OK_AND_ASSIGN(std::vector<Booklet> booklets,
                       store().IssueBooklets(programme.id, 1, 5));
  ASSERT_OK_AND_ASSIGN(PassStatus status,
                       store().Check(booklets[0].first_serial, uint64_t{1}));
  EXPECT_EQ(status.redeemable_result, RedeemResult::kVenueNotAccepting);

  ASSERT_OK_AND_ASSIGN(Venue accepted,
                       RegisterVenue("Mediatheque", {programme.id}));
  EXPECT_EQ(accepted.id, 1u);
  EXPECT_EQ(accepted.status, VenueStatus::kLabelled);
  EXPECT_EQ(accepted.accepted_programme_ids,
            std::vector<uint64_t>{programme.id});
}

}  // namespace
}  // namespace passclear::storage
