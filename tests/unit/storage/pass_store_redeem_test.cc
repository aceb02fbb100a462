// Every answer a scan can get from PassStore::Redeem, and what each leaves
// behind: a redemption writes exactly one claim line, a refusal writes none.
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "storage/pass_store.h"
#include "storage/redeem_rules.h"
#include "storage/redemption.h"
#include "tests/unit/storage/temp_store.h"

namespace passclear::storage {
namespace {

class PassStoreRedeemTest : public TempStoreTest {
 protected:
  void SetUp() override {
    TempStoreTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_OK_AND_ASSIGN(programme_, CreateProgramme());
    ASSERT_OK_AND_ASSIGN(std::vector<Booklet> booklets,
                         store().IssueBooklets(programme_.id, 1, 10));
    serials_ = SerialsOf(booklets);
    ASSERT_OK_AND_ASSIGN(
        other_programme_,
        store().CreateProgramme({.sponsor = "Pole rural",
                                 .name = "Seniors",
                                 .face_value_cents = 500,
                                 .valid_from = Utc(2022, 1, 1),
                                 .valid_until = Utc(2024, 12, 31)}));
    ASSERT_OK_AND_ASSIGN(venue_, RegisterVenue("Mediatheque", {programme_.id}));
    ASSERT_OK_AND_ASSIGN(
        second_venue_,
        RegisterVenue("Cyber-base", {other_programme_.id, programme_.id}));
    ASSERT_OK_AND_ASSIGN(other_venue_,
                         RegisterVenue("Club seniors", {other_programme_.id}));
  }

  // Expects no claim line at any venue and `serial` still unredeemed.
  void ExpectNothingWritten(uint64_t serial) {
    for (uint64_t venue : {venue_.id, second_venue_.id, other_venue_.id}) {
      absl::StatusOr<std::vector<ClaimLineEntry>> lines = ClaimLines(venue);
      ASSERT_TRUE(lines.ok()) << lines.status();
      EXPECT_TRUE(lines->empty()) << "venue " << venue;
    }
    absl::StatusOr<PassStatus> status = store().Check(serial, std::nullopt);
    ASSERT_TRUE(status.ok()) << status.status();
    if (status->known) {
      EXPECT_EQ(status->pass.state, PassState::kIssued);
      EXPECT_FALSE(status->pass.redemption.has_value());
    }
  }

  Programme programme_;
  Programme other_programme_;
  std::vector<uint64_t> serials_;
  Venue venue_;
  Venue second_venue_;
  Venue other_venue_;  // does not accept programme_
};

TEST_F(PassStoreRedeemTest, RedeemedPassGetsOneClaimLine) {
  const uint64_t serial = serials_[3];
  const absl::Time scanned_at = clock().Now() - absl::Minutes(2);
  clock().Advance(absl::Seconds(7));
  const absl::Time recorded_at = clock().Now();

  ASSERT_OK_AND_ASSIGN(RedeemOutcome outcome,
                       Redeem({.serial = serial,
                               .venue_id = venue_.id,
                               .terminal_id = "T-1",
                               .request_id = "r-1",
                               .scanned_at = scanned_at}));

  EXPECT_EQ(outcome.result, RedeemResult::kRedeemed) << outcome.message;
  EXPECT_EQ(outcome.serial, serial);
  EXPECT_EQ(outcome.programme_id, programme_.id);
  EXPECT_EQ(outcome.face_value_cents, 1000);
  EXPECT_FALSE(outcome.replayed);
  EXPECT_TRUE(Contains(outcome.message, "10.00 EUR")) << outcome.message;
  ASSERT_TRUE(outcome.redemption.has_value());
  EXPECT_EQ(outcome.redemption->venue_id, venue_.id);
  EXPECT_EQ(outcome.redemption->terminal_id, "T-1");
  EXPECT_EQ(outcome.redemption->scanned_at, scanned_at);
  EXPECT_EQ(outcome.redemption->recorded_at, recorded_at);

  ASSERT_OK_AND_ASSIGN(std::vector<ClaimLineEntry> lines,
                       ClaimLines(venue_.id));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].seq, outcome.redemption->seq);
  EXPECT_EQ(lines[0].line, (ClaimLine{.serial = serial,
                                      .programme_id = programme_.id,
                                      .face_value_cents = 1000,
                                      .terminal_id = "T-1",
                                      .scanned_at = scanned_at,
                                      .recorded_at = recorded_at}));
  ASSERT_OK_AND_ASSIGN(std::vector<ClaimLineEntry> elsewhere,
                       ClaimLines(second_venue_.id));
  EXPECT_TRUE(elsewhere.empty());

  ASSERT_OK_AND_ASSIGN(PassStatus status, store().Check(serial, venue_.id));
  EXPECT_TRUE(status.known);
  EXPECT_EQ(status.pass.state, PassState::kRedeemed);
  EXPECT_EQ(status.pass.redemption, outcome.redemption);
  EXPECT_EQ(status.redeemable_result, RedeemResult::kAlreadyRedeemed);
}

TEST_F(PassStoreRedeemTest, ScanWithoutTerminalTimeUsesServerTime) {
  ASSERT_OK_AND_ASSIGN(RedeemOutcome outcome, Redeem({.serial = serials_[0],
                                                      .venue_id = venue_.id,
                                                      .terminal_id = "T-1",
                                                      .request_id = "r-1"}));
  ASSERT_EQ(outcome.result, RedeemResult::kRedeemed) << outcome.message;
  EXPECT_EQ(outcome.redemption->scanned_at, clock().Now());
  EXPECT_EQ(outcome.redemption->recorded_at, clock().Now());
}

TEST_F(PassStoreRedeemTest, ClaimLinesFollowRedemptionOrder) {
  std::vector<uint64_t> order = {serials_[5], serials_[1], serials_[9],
                                 serials_[0]};
  for (size_t i = 0; i < order.size(); ++i) {
    clock().Advance(absl::Seconds(1));
    ASSERT_OK_AND_ASSIGN(RedeemOutcome outcome,
                         Redeem({.serial = order[i],
                                 .venue_id = venue_.id,
                                 .terminal_id = "T-1",
                                 .request_id = absl::StrCat("r-", i)}));
    ASSERT_EQ(outcome.result, RedeemResult::kRedeemed) << outcome.message;
  }
  ASSERT_OK_AND_ASSIGN(std::vector<ClaimLineEntry> lines,
                       ClaimLines(venue_.id));
  ASSERT_EQ(lines.size(), order.size());
  for (size_t i = 0; i < order.size(); ++i) {
    EXPECT_EQ(lines[i].line.serial, order[i]);
    if (i > 0) {
      EXPECT_LT(lines[i - 1].seq, lines[i].seq);
    }
  }
}

TEST_F(PassStoreRedeemTest, SecondScanIsAlreadyRedeemedNamingTheFirst) {
  const uint64_t serial = serials_[2];
  ASSERT_OK_AND_ASSIGN(RedeemOutcome first, Redeem({.serial = serial,
                                                    .venue_id = venue_.id,
                                                    .terminal_id = "T-1",
                                                    .request_id = "r-1"}));
  ASSERT_EQ(first.result, RedeemResult::kRedeemed);
  const absl::Time first_recorded = clock().Now();
  clock().Advance(absl::Hours(3));

  ASSERT_OK_AND_ASSIGN(RedeemOutcome second,
                       Redeem({.serial = serial,
                               .venue_id = second_venue_.id,
                               .terminal_id = "T-9",
                               .request_id = "r-1"}));
  EXPECT_EQ(second.result, RedeemResult::kAlreadyRedeemed);
  EXPECT_FALSE(second.replayed);
  EXPECT_EQ(second.programme_id, programme_.id);
  ASSERT_TRUE(second.redemption.has_value());
  EXPECT_EQ(second.redemption, first.redemption);
  EXPECT_EQ(second.redemption->venue_id, venue_.id);
  EXPECT_EQ(second.redemption->terminal_id, "T-1");
  EXPECT_EQ(second.redemption->recorded_at, first_recorded);
  EXPECT_TRUE(Contains(second.message, absl::StrCat("venue ", venue_.id)))
      << second.message;
  EXPECT_TRUE(Contains(second.message, "T-1")) << second.message;
  EXPECT_TRUE(Contains(second.message, "2023-03-01 09:00:00 UTC"))
      << second.message;

  ASSERT_OK_AND_ASSIGN(std::vector<ClaimLineEntry> lines,
                       ClaimLines(venue_.id));
  EXPECT_EQ(lines.size(), 1u);
  ASSERT_OK_AND_ASSIGN(std::vector<ClaimLineEntry> second_lines,
                       ClaimLines(second_venue_.id));
  EXPECT_TRUE(second_lines.empty());
}

TEST_F(PassStoreRedeemTest, UnknownSerial) {
  for (uint64_t serial : {uint64_t{0}, serials_.back() + 1, kMaxSerial}) {
    ASSERT_OK_AND_ASSIGN(RedeemOutcome outcome,
                         Redeem({.serial = serial,
                                 .venue_id = venue_.id,
                                 .terminal_id = "T-1",
                                 .request_id = absl::StrCat("r-", serial)}));
    EXPECT_EQ(outcome.result, RedeemResult::kUnknownSerial) << serial;
    EXPECT_EQ(outcome.serial, serial);
    EXPECT_EQ(outcome.programme_id, 0u);
    EXPECT_EQ(outcome.face_value_cents, 0);
    EXPECT_FALSE(outcome.redemption.has_value());
    EXPECT_TRUE(Contains(outcome.message, FormatSerial(serial)))
        << outcome.message;
  }
  ExpectNothingWritten(serials_[0]);
}

TEST_F(PassStoreRedeemTest, NotYetValidWhenScannedBeforeValidFrom) {
  const absl::Time valid_from = Utc(2023, 6, 1);
  ASSERT_OK_AND_ASSIGN(Programme summer,
                       CreateProgramme(valid_from, Utc(2023, 9, 30)));
  ASSERT_OK_AND_ASSIGN(std::vector<Booklet> booklets,
                       store().IssueBooklets(summer.id, 1, 5));
  ASSERT_OK_AND_ASSIGN(Venue venue, RegisterVenue("Ete", {summer.id}));
  const uint64_t serial = booklets[0].first_serial;
  clock().Set(valid_from + absl::Hours(1));

  ASSERT_OK_AND_ASSIGN(
      RedeemOutcome early,
      Redeem({.serial = serial,
              .venue_id = venue.id,
              .terminal_id = "T-1",
              .request_id = "r-1",
              .scanned_at = valid_from - absl::Microseconds(1)}));
  EXPECT_EQ(early.result, RedeemResult::kNotYetValid);
  EXPECT_EQ(early.programme_id, summer.id);
  EXPECT_FALSE(early.redemption.has_value());
  EXPECT_TRUE(Contains(early.message, "2023-06-01 00:00:00 UTC"))
      << early.message;
  ASSERT_OK_AND_ASSIGN(std::vector<ClaimLineEntry> lines, ClaimLines(venue.id));
  EXPECT_TRUE(lines.empty());

  // The first instant of validity is valid.
  ASSERT_OK_AND_ASSIGN(RedeemOutcome on_time,
                       Redeem({.serial = serial,
                               .venue_id = venue.id,
                               .terminal_id = "T-1",
                               .request_id = "r-2",
                               .scanned_at = valid_from}));
  EXPECT_EQ(on_time.result, RedeemResult::kRedeemed) << on_time.message;
}

TEST_F(PassStoreRedeemTest, NotYetValidByServerTimeWhenNoScanTime) {
  ASSERT_OK_AND_ASSIGN(Programme later,
                       CreateProgramme(Utc(2023, 6, 1), Utc(2023, 9, 30)));
  ASSERT_OK_AND_ASSIGN(std::vector<Booklet> booklets,
                       store().IssueBooklets(later.id, 1, 5));
  ASSERT_OK_AND_ASSIGN(Venue venue, RegisterVenue("Ete", {later.id}));
  ASSERT_OK_AND_ASSIGN(RedeemOutcome outcome,
                       Redeem({.serial = booklets[0].first_serial,
                               .venue_id = venue.id,
                               .terminal_id = "T-1",
                               .request_id = "r-1"}));
  EXPECT_EQ(outcome.result, RedeemResult::kNotYetValid);
  ExpectNothingWritten(booklets[0].first_serial);
}

TEST_F(PassStoreRedeemTest, ExpiredWhenScannedAfterValidUntil) {
  const absl::Time valid_until = programme_.valid_until;
  clock().Set(valid_until + absl::Hours(24 * 5));  // within the grace period

  ASSERT_OK_AND_ASSIGN(
      RedeemOutcome late,
      Redeem({.serial = serials_[0],
              .venue_id = venue_.id,
              .terminal_id = "T-1",
              .request_id = "r-1",
              .scanned_at = valid_until + absl::Microseconds(1)}));
  EXPECT_EQ(late.result, RedeemResult::kExpired);
  EXPECT_FALSE(late.redemption.has_value());
  EXPECT_TRUE(Contains(late.message, "2023-12-31 23:59:59 UTC"))
      << late.message;
  ExpectNothingWritten(serials_[0]);

  // valid_until itself is included.
  ASSERT_OK_AND_ASSIGN(RedeemOutcome last_second,
                       Redeem({.serial = serials_[0],
                               .venue_id = venue_.id,
                               .terminal_id = "T-1",
                               .request_id = "r-2",
                               .scanned_at = valid_until}));
  EXPECT_EQ(last_second.result, RedeemResult::kRedeemed) << last_second.message;
}

TEST_F(PassStoreRedeemTest, ExpiredWhenUploadedAfterGraceEvenIfScannedInTime) {
  const absl::Time scanned_at = Utc(2023, 12, 30, 15, 0, 0);
  clock().Set(programme_.accepted_until() + absl::Microseconds(1));

  ASSERT_OK_AND_ASSIGN(RedeemOutcome outcome,
                       Redeem({.serial = serials_[0],
                               .venue_id = venue_.id,
                               .terminal_id = "T-1",
                               .request_id = "r-1",
                               .scanned_at = scanned_at}));
  EXPECT_EQ(outcome.result, RedeemResult::kExpired);
  EXPECT_TRUE(Contains(outcome.message, "accepted until 2024-01-31 23:59:59"))
      << outcome.message;
  ExpectNothingWritten(serials_[0]);
}

TEST_F(PassStoreRedeemTest, ScannedInTimeAndUploadedWithinGraceIsRedeemed) {
  const absl::Time scanned_at = Utc(2023, 12, 30, 15, 0, 0);
  clock().Set(programme_.accepted_until());  // the last accepted instant

  ASSERT_OK_AND_ASSIGN(RedeemOutcome outcome,
                       Redeem({.serial = serials_[0],
                               .venue_id = venue_.id,
                               .terminal_id = "T-1",
                               .request_id = "r-1",
                               .scanned_at = scanned_at}));
  ASSERT_EQ(outcome.result, RedeemResult::kRedeemed) << outcome.message;
  EXPECT_EQ(outcome.redemption->scanned_at, scanned_at);
  EXPECT_EQ(outcome.redemption->recorded_at, programme_.accepted_until());
  ASSERT_OK_AND_ASSIGN(std::vector<ClaimLineEntry> lines,
                       ClaimLines(venue_.id));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].line.scanned_at, scanned_at);
  EXPECT_EQ(lines[0].line.recorded_at, programme_.accepted_until());
}

TEST_F(PassStoreRedeemTest, UnknownVenueIsNotAccepting) {
  const uint64_t unknown_venue = 4242;
  for (uint64_t serial : {serials_[0], serials_.back() + 100}) {
    ASSERT_OK_AND_ASSIGN(RedeemOutcome outcome,
                         Redeem({.serial = serial,
                                 .venue_id = unknown_venue,
                                 .terminal_id = "T-1",
                                 .request_id = absl::StrCat("r-", serial)}));
    EXPECT_EQ(outcome.result, RedeemResult::kVenueNotAccepting);
    EXPECT_TRUE(Contains(outcome.message, "venue 4242")) << outcome.message;
    EXPECT_FALSE(outcome.redemption.has_value());
  }
  ASSERT_OK_AND_ASSIGN(std::vector<ClaimLineEntry> lines,
                       ClaimLines(unknown_venue));
  EXPECT_TRUE(lines.empty());
  ExpectNothingWritten(serials_[0]);
}

TEST_F(PassStoreRedeemTest, VenueNotAllowedForTheProgramme) {
  ASSERT_OK_AND_ASSIGN(RedeemOutcome outcome,
                       Redeem({.serial = serials_[0],
                               .venue_id = other_venue_.id,
                               .terminal_id = "T-1",
                               .request_id = "r-1"}));
  EXPECT_EQ(outcome.result, RedeemResult::kVenueNotAllowed);
  EXPECT_EQ(outcome.programme_id, programme_.id);
  EXPECT_TRUE(Contains(outcome.message, programme_.name)) << outcome.message;
  ExpectNothingWritten(serials_[0]);

  // The pass is still good at a venue that takes its programme.
  ASSERT_OK_AND_ASSIGN(RedeemOutcome elsewhere,
                       Redeem({.serial = serials_[0],
                               .venue_id = second_venue_.id,
                               .terminal_id = "T-2",
                               .request_id = "r-1"}));
  EXPECT_EQ(elsewhere.result, RedeemResult::kRedeemed) << elsewhere.message;
}

TEST_F(PassStoreRedeemTest, CheckJudgesLikeRedeemWithoutWriting) {
  ASSERT_OK_AND_ASSIGN(PassStatus good, store().Check(serials_[0], venue_.id));
  EXPECT_TRUE(good.known);
  EXPECT_EQ(good.programme, programme_);
  EXPECT_EQ(good.redeemable_result, RedeemResult::kRedeemed);
  ASSERT_OK_AND_ASSIGN(PassStatus not_allowed,
                       store().Check(serials_[0], other_venue_.id));
  EXPECT_EQ(not_allowed.redeemable_result, RedeemResult::kVenueNotAllowed);
  ASSERT_OK_AND_ASSIGN(PassStatus no_venue,
                       store().Check(serials_[0], std::nullopt));
  EXPECT_EQ(no_venue.redeemable_result, RedeemResult::kRedeemed);
  ASSERT_OK_AND_ASSIGN(PassStatus unknown,
                       store().Check(serials_.back() + 1, venue_.id));
  EXPECT_FALSE(unknown.known);
  EXPECT_EQ(unknown.redeemable_result, RedeemResult::kUnknownSerial);
  ExpectNothingWritten(serials_[0]);
}

TEST_F(PassStoreRedeemTest,
       AfterStopWritersRedeemIsUnavailableAndWritesNothing) {
  store().StopWriters();
  absl::StatusOr<RedeemOutcome> outcome = Redeem({.serial = serials_[0],
                                                  .venue_id = venue_.id,
                                                  .terminal_id = "T-1",
                                                  .request_id = "r-1"});
  EXPECT_EQ(outcome.status().code(), absl::StatusCode::kUnavailable)
      << outcome.status();
  ExpectNothingWritten(serials_[0]);
}

// A full lane refuses at once, saying so: UNAVAILABLE means nothing was
// written and the terminal may retry with the same request id.
TEST_F(PassStoreRedeemTest, FullLaneAnswersUnavailableAndWritesNothing) {
  options().writer_lanes = 1;
  options().max_queue_depth = 1;
  // The lane reads the clock as it starts committing a group: holding
  // other threads there holds the lane with "hold" taken off its queue.
  // (Blocking an answer no longer would: answers have their own thread.)
  const std::thread::id test_thread = std::this_thread::get_id();
  std::atomic<bool> holding{false};
  absl::Notification lane_held;
  absl::Notification release_lane;
  WrapClock([&](std::function<absl::Time()> time) {
    return [&, time] {
      if (holding.load() && std::this_thread::get_id() != test_thread) {
        if (!lane_held.HasBeenNotified()) lane_held.Notify();
        release_lane.WaitForNotification();
      }
      return time();
    };
  });
  ASSERT_OK(Reopen());
  absl::Notification hold_done;
  holding = true;
  store().Redeem({.serial = serials_[0],
                  .venue_id = venue_.id,
                  .terminal_id = "T-0",
                  .request_id = "hold"},
                 [&](absl::StatusOr<RedeemOutcome>) { hold_done.Notify(); });
  lane_held.WaitForNotification();
  // Fills the queue.
  absl::Notification queued_done;
  store().Redeem({.serial = serials_[1],
                  .venue_id = venue_.id,
                  .terminal_id = "T-1",
                  .request_id = "r-1"},
                 [&](absl::StatusOr<RedeemOutcome>) { queued_done.Notify(); });

  // Answered at once, on this thread, while the lane is busy.
  absl::StatusOr<RedeemOutcome> refused = Redeem({.serial = serials_[2],
                                                  .venue_id = venue_.id,
                                                  .terminal_id = "T-1",
                                                  .request_id = "r-2"});
  absl::StatusOr<CancelOutcome> refused_cancel = Cancel({.serial = serials_[0],
                                                         .venue_id = venue_.id,
                                                         .terminal_id = "T-0",
                                                         .request_id = "c-1"});
  holding = false;
  release_lane.Notify();
  hold_done.WaitForNotification();
  queued_done.WaitForNotification();

  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable)
      << refused.status();
  EXPECT_TRUE(Contains(refused.status().message(), "retry"))
      << refused.status();
  EXPECT_EQ(refused_cancel.status().code(), absl::StatusCode::kUnavailable)
      << refused_cancel.status();
  ASSERT_OK_AND_ASSIGN(PassStatus untouched,
                       store().Check(serials_[2], std::nullopt));
  EXPECT_EQ(untouched.pass.state, PassState::kIssued);
  ASSERT_OK_AND_ASSIGN(PassStatus still_redeemed,
                       store().Check(serials_[0], std::nullopt));
  EXPECT_EQ(still_redeemed.pass.state, PassState::kRedeemed);

  // The retry, once the lane has room, is decided normally.
  ASSERT_OK_AND_ASSIGN(RedeemOutcome retry, Redeem({.serial = serials_[2],
                                                    .venue_id = venue_.id,
                                                    .terminal_id = "T-1",
                                                    .request_id = "r-2"}));
  EXPECT_EQ(retry.result, RedeemResult::kRedeemed);
  EXPECT_FALSE(retry.replayed);
}

// Many scans of one pass decided in the same writer-lane group: the group
// sees its own earlier writes, so exactly one scan redeems.
TEST_F(PassStoreRedeemTest, OneGroupRedeemsAPassOnce) {
  options().writer_lanes = 1;  // every serial on the same lane
  ASSERT_OK(Reopen());
  const uint64_t target = serials_[4];

  // Hold the lane inside a completion callback so that the scans below
  // queue up and are then taken as one group.
  absl::Notification lane_held;
  absl::Notification release_lane;
  absl::Notification first_done;
  store().Redeem({.serial = serials_[0],
                  .venue_id = venue_.id,
                  .terminal_id = "T-0",
                  .request_id = "hold"},
                 [&](absl::StatusOr<RedeemOutcome> outcome) {
                   EXPECT_TRUE(outcome.ok()) << outcome.status();
                   lane_held.Notify();
                   release_lane.WaitForNotification();
                   first_done.Notify();
                 });
  lane_held.WaitForNotification();

  constexpr int kScans = 64;
  absl::Mutex mu;
  std::vector<RedeemOutcome> outcomes;
  int errors = 0;
  absl::Notification all_done;
  for (int i = 0; i < kScans; ++i) {
    store().Redeem({.serial = target,
                    .venue_id = i % 2 == 0 ? venue_.id : second_venue_.id,
                    .terminal_id = absl::StrCat("T-", i),
                    .request_id = absl::StrCat("r-", i)},
                   [&](absl::StatusOr<RedeemOutcome> outcome) {
                     absl::MutexLock lock(&mu);
                     if (outcome.ok()) {
                       outcomes.push_back(*std::move(outcome));
                     } else {
                       ++errors;
                     }
                     if (static_cast<int>(outcomes.size()) + errors == kScans) {
                       all_done.Notify();
                     }
                   });
  }
  release_lane.Notify();
  first_done.WaitForNotification();
  all_done.WaitForNotification();

  absl::MutexLock lock(&mu);
  EXPECT_EQ(errors, 0);
  int redeemed = 0;
  std::optional<RedemptionInfo> winner;
  for (const RedeemOutcome& outcome : outcomes) {
    if (outcome.result == RedeemResult::kRedeemed) {
      ++redeemed;
      winner = outcome.redemption;
    }
  }
  ASSERT_EQ(redeemed, 1);
  for (const RedeemOutcome& outcome : outcomes) {
    if (outcome.result == RedeemResult::kRedeemed) continue;
    EXPECT_EQ(outcome.result, RedeemResult::kAlreadyRedeemed);
    EXPECT_EQ(outcome.redemption, winner);
  }
  ASSERT_OK_AND_ASSIGN(std::vector<ClaimLineEntry> first_venue_lines,
                       ClaimLines(venue_.id));
  ASSERT_OK_AND_ASSIGN(std::vector<ClaimLineEntry> second_venue_lines,
                       ClaimLines(second_venue_.id));
  size_t target_lines = 0;
  for (const auto* lines : {&first_venue_lines, &second_venue_lines}) {
    for (const ClaimLineEntry& entry : *lines) {
      if (entry.line.serial == target) {
        ++target_lines;
        EXPECT_EQ(entry.seq, winner->seq);
        EXPECT_EQ(entry.line.terminal_id, winner->terminal_id);
      }
    }
  }
  EXPECT_EQ(target_lines, 1u);
}

// The same from many threads on many lanes at once.
TEST_F(PassStoreRedeemTest, ConcurrentScansRedeemEachPassOnce) {
  constexpr int kThreads = 8;
  absl::Mutex mu;
  std::vector<int> redeemed(serials_.size(), 0);
  int other_results = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (size_t i = 0; i < serials_.size(); ++i) {
        absl::StatusOr<RedeemOutcome> outcome =
            RedeemAndWait(store(), {.serial = serials_[i],
                                    .venue_id = venue_.id,
                                    .terminal_id = absl::StrCat("T-", t),
                                    .request_id = absl::StrCat("r-", i)});
        absl::MutexLock lock(&mu);
        ASSERT_TRUE(outcome.ok()) << outcome.status();
        if (outcome->result == RedeemResult::kRedeemed) {
          ++redeemed[i];
        } else if (outcome->result != RedeemResult::kAlreadyRedeemed) {
          ++other_results;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (size_t i = 0; i < serials_.size(); ++i) {
    EXPECT_EQ(redeemed[i], 1) << "serial " << serials_[i];
  }
  EXPECT_EQ(other_results, 0);
  ASSERT_OK_AND_ASSIGN(std::vector<ClaimLineEntry> lines,
                       ClaimLines(venue_.id));
  EXPECT_EQ(lines.size(), serials_.size());
}

}  // namespace
}  // namespace passclear::storage
