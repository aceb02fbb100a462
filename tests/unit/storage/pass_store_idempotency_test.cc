// Safe retries: a terminal that resends a request with the same request id
// gets the answer it was first given, whatever happened since, and a
// request id reused for something else is refused rather than guessed at.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "storage/column_families.h"
#include "storage/pass_store.h"
#include "storage/redeem_rules.h"
#include "storage/redemption.h"
#include "tests/unit/storage/temp_store.h"

namespace passclear::storage {
namespace {

// Everything but `replayed` matches.
void ExpectSameAnswer(const RedeemOutcome& replay,
                      const RedeemOutcome& original) {
  EXPECT_EQ(replay.result, original.result);
  EXPECT_EQ(replay.message, original.message);
  EXPECT_EQ(replay.serial, original.serial);
  EXPECT_EQ(replay.programme_id, original.programme_id);
  EXPECT_EQ(replay.face_value_cents, original.face_value_cents);
  EXPECT_EQ(replay.redemption, original.redemption);
}

class PassStoreIdempotencyTest : public OneBookletTest {
 protected:
  RedeemCommand Scan(uint64_t serial, std::string terminal,
                     std::string request) {
    return {.serial = serial,
            .venue_id = venue_.id,
            .terminal_id = std::move(terminal),
            .request_id = std::move(request)};
  }

  size_t ClaimLineCount() {
    size_t count = 0;
    for (uint64_t venue : {venue_.id, second_venue_.id}) {
      absl::StatusOr<std::vector<ClaimLineEntry>> lines = ClaimLines(venue);
      EXPECT_TRUE(lines.ok()) << lines.status();
      if (lines.ok()) count += lines->size();
    }
    return count;
  }
};

TEST_F(PassStoreIdempotencyTest, RetryReplaysTheOriginalAnswer) {
  ASSERT_OK_AND_ASSIGN(RedeemOutcome original,
                       Redeem(Scan(serials_[0], "T-1", "r-1")));
  ASSERT_EQ(original.result, RedeemResult::kRedeemed);
  EXPECT_FALSE(original.replayed);
  clock().Advance(absl::Seconds(30));

  ASSERT_OK_AND_ASSIGN(RedeemOutcome retry,
                       Redeem(Scan(serials_[0], "T-1", "r-1")));
  EXPECT_TRUE(retry.replayed);
  ExpectSameAnswer(retry, original);
  EXPECT_EQ(ClaimLineCount(), 1u);
}

TEST_F(PassStoreIdempotencyTest, RetryReplaysEvenAfterThePassWasCancelled) {
  ASSERT_OK_AND_ASSIGN(RedeemOutcome original,
                       Redeem(Scan(serials_[0], "T-1", "r-1")));
  ASSERT_EQ(original.result, RedeemResult::kRedeemed);
  ASSERT_OK_AND_ASSIGN(CancelOutcome cancelled, Cancel({.serial = serials_[0],
                                                        .venue_id = venue_.id,
                                                        .terminal_id = "T-1",
                                                        .request_id = "r-2"}));
  ASSERT_EQ(cancelled.result, CancelResult::kCancelled);

  // The retry answers as before and does not redeem the pass again.
  ASSERT_OK_AND_ASSIGN(RedeemOutcome retry,
                       Redeem(Scan(serials_[0], "T-1", "r-1")));
  EXPECT_TRUE(retry.replayed);
  ExpectSameAnswer(retry, original);
  ASSERT_OK_AND_ASSIGN(PassStatus status,
                       store().Check(serials_[0], venue_.id));
  EXPECT_EQ(status.pass.state, PassState::kIssued);
  EXPECT_EQ(ClaimLineCount(), 0u);

  // Nor after someone else redeemed it.
  ASSERT_OK_AND_ASSIGN(RedeemOutcome other,
                       Redeem(Scan(serials_[0], "T-2", "r-1")));
  ASSERT_EQ(other.result, RedeemResult::kRedeemed);
  ASSERT_OK_AND_ASSIGN(RedeemOutcome late_retry,
                       Redeem(Scan(serials_[0], "T-1", "r-1")));
  EXPECT_TRUE(late_retry.replayed);
  ExpectSameAnswer(late_retry, original);
  EXPECT_EQ(ClaimLineCount(), 1u);
}

TEST_F(PassStoreIdempotencyTest, RetryOfARefusalReplaysTheRefusal) {
  // Scanned before the programme opens: refused. Once it is open (within
  // the answers' 30-day TTL), the same request still gets its refusal; only
  // a new request id redeems.
  ASSERT_OK_AND_ASSIGN(Programme later,
                       CreateProgramme(Utc(2023, 3, 15), Utc(2023, 9, 30)));
  ASSERT_OK_AND_ASSIGN(std::vector<Booklet> booklets,
                       store().IssueBooklets(later.id, 1, 5));
  ASSERT_OK_AND_ASSIGN(Venue venue, RegisterVenue("Ete", {later.id}));
  const RedeemCommand scan{.serial = booklets[0].first_serial,
                           .venue_id = venue.id,
                           .terminal_id = "T-1",
                           .request_id = "r-1"};
  ASSERT_OK_AND_ASSIGN(RedeemOutcome refused, Redeem(scan));
  ASSERT_EQ(refused.result, RedeemResult::kNotYetValid);

  clock().Set(Utc(2023, 3, 16));
  ASSERT_OK_AND_ASSIGN(RedeemOutcome retry, Redeem(scan));
  EXPECT_TRUE(retry.replayed);
  ExpectSameAnswer(retry, refused);
  ASSERT_OK_AND_ASSIGN(std::vector<ClaimLineEntry> lines, ClaimLines(venue.id));
  EXPECT_TRUE(lines.empty());

  RedeemCommand fresh = scan;
  fresh.request_id = "r-2";
  ASSERT_OK_AND_ASSIGN(RedeemOutcome redeemed, Redeem(fresh));
  EXPECT_EQ(redeemed.result, RedeemResult::kRedeemed) << redeemed.message;
}

TEST_F(PassStoreIdempotencyTest, RetryOfAlreadyRedeemedStaysAlreadyRedeemed) {
  ASSERT_OK_AND_ASSIGN(RedeemOutcome first,
                       Redeem(Scan(serials_[0], "T-1", "r-1")));
  ASSERT_EQ(first.result, RedeemResult::kRedeemed);
  ASSERT_OK_AND_ASSIGN(RedeemOutcome second,
                       Redeem(Scan(serials_[0], "T-2", "r-1")));
  ASSERT_EQ(second.result, RedeemResult::kAlreadyRedeemed);
  ASSERT_OK_AND_ASSIGN(CancelOutcome cancelled, Cancel({.serial = serials_[0],
                                                        .venue_id = venue_.id,
                                                        .terminal_id = "T-1",
                                                        .request_id = "c-1"}));
  ASSERT_EQ(cancelled.result, CancelResult::kCancelled);

  ASSERT_OK_AND_ASSIGN(RedeemOutcome retry,
                       Redeem(Scan(serials_[0], "T-2", "r-1")));
  EXPECT_TRUE(retry.replayed);
  ExpectSameAnswer(retry, second);
  EXPECT_EQ(ClaimLineCount(), 0u);
}

TEST_F(PassStoreIdempotencyTest, ReusedRequestIdForAnotherPassIsRefused) {
  ASSERT_OK_AND_ASSIGN(RedeemOutcome first,
                       Redeem(Scan(serials_[0], "T-1", "r-1")));
  ASSERT_EQ(first.result, RedeemResult::kRedeemed);

  absl::StatusOr<RedeemOutcome> other_serial =
      Redeem(Scan(serials_[1], "T-1", "r-1"));
  ASSERT_EQ(other_serial.status().code(), absl::StatusCode::kAlreadyExists)
      << other_serial.status();
  const absl::string_view message = other_serial.status().message();
  EXPECT_TRUE(Contains(message, "'r-1'")) << message;
  EXPECT_TRUE(Contains(message, "a redemption")) << message;
  EXPECT_TRUE(Contains(message, FormatSerial(serials_[0]))) << message;
  EXPECT_TRUE(Contains(message, absl::StrCat("venue ", venue_.id))) << message;

  RedeemCommand other_venue = Scan(serials_[0], "T-1", "r-1");
  other_venue.venue_id = second_venue_.id;
  EXPECT_EQ(Redeem(other_venue).status().code(),
            absl::StatusCode::kAlreadyExists);

  // A cancellation cannot reuse a redemption's request id either.
  absl::StatusOr<CancelOutcome> cancel = Cancel({.serial = serials_[0],
                                                 .venue_id = venue_.id,
                                                 .terminal_id = "T-1",
                                                 .request_id = "r-1"});
  EXPECT_EQ(cancel.status().code(), absl::StatusCode::kAlreadyExists);

  // Nothing was written by the refused requests.
  ASSERT_OK_AND_ASSIGN(PassStatus untouched,
                       store().Check(serials_[1], std::nullopt));
  EXPECT_EQ(untouched.pass.state, PassState::kIssued);
  ASSERT_OK_AND_ASSIGN(PassStatus still_redeemed,
                       store().Check(serials_[0], std::nullopt));
  EXPECT_EQ(still_redeemed.pass.redemption, first.redemption);
  EXPECT_EQ(ClaimLineCount(), 1u);

  // And the original request still replays.
  ASSERT_OK_AND_ASSIGN(RedeemOutcome retry,
                       Redeem(Scan(serials_[0], "T-1", "r-1")));
  EXPECT_TRUE(retry.replayed);
  ExpectSameAnswer(retry, first);
}

TEST_F(PassStoreIdempotencyTest, TerminalsHaveTheirOwnRequestIds) {
  ASSERT_OK_AND_ASSIGN(RedeemOutcome one,
                       Redeem(Scan(serials_[0], "T-1", "shared")));
  ASSERT_OK_AND_ASSIGN(RedeemOutcome two,
                       Redeem(Scan(serials_[1], "T-2", "shared")));
  ASSERT_OK_AND_ASSIGN(RedeemOutcome same_pass,
                       Redeem(Scan(serials_[0], "T-3", "shared")));
  EXPECT_EQ(one.result, RedeemResult::kRedeemed);
  EXPECT_EQ(two.result, RedeemResult::kRedeemed);
  EXPECT_EQ(same_pass.result, RedeemResult::kAlreadyRedeemed);
  EXPECT_FALSE(one.replayed);
  EXPECT_FALSE(two.replayed);
  EXPECT_FALSE(same_pass.replayed);
  EXPECT_EQ(ClaimLineCount(), 2u);
}

TEST_F(PassStoreIdempotencyTest, ReplaySurvivesReopen) {
  ASSERT_OK_AND_ASSIGN(RedeemOutcome redeemed,
                       Redeem(Scan(serials_[0], "T-1", "r-1")));
  ASSERT_EQ(redeemed.result, RedeemResult::kRedeemed);
  ASSERT_OK_AND_ASSIGN(RedeemOutcome refused,
                       Redeem(Scan(serials_.back() + 1, "T-1", "r-2")));
  ASSERT_EQ(refused.result, RedeemResult::kUnknownSerial);
  const CancelCommand cancel{.serial = serials_[0],
                             .venue_id = venue_.id,
                             .terminal_id = "T-1",
                             .request_id = "r-3"};
  ASSERT_OK_AND_ASSIGN(CancelOutcome cancelled, Cancel(cancel));
  ASSERT_EQ(cancelled.result, CancelResult::kCancelled);

  ASSERT_OK(Reopen());
  clock().Advance(absl::Hours(2));

  ASSERT_OK_AND_ASSIGN(RedeemOutcome redeemed_again,
                       Redeem(Scan(serials_[0], "T-1", "r-1")));
  EXPECT_TRUE(redeemed_again.replayed);
  ExpectSameAnswer(redeemed_again, redeemed);
  ASSERT_OK_AND_ASSIGN(RedeemOutcome refused_again,
                       Redeem(Scan(serials_.back() + 1, "T-1", "r-2")));
  EXPECT_TRUE(refused_again.replayed);
  ExpectSameAnswer(refused_again, refused);
  ASSERT_OK_AND_ASSIGN(CancelOutcome cancelled_again, Cancel(cancel));
  EXPECT_TRUE(cancelled_again.replayed);
  EXPECT_EQ(cancelled_again.result, CancelResult::kCancelled);
  EXPECT_EQ(cancelled_again.message, cancelled.message);
  EXPECT_EQ(cancelled_again.redemption, cancelled.redemption);
  EXPECT_EQ(Redeem(Scan(serials_[1], "T-1", "r-1")).status().code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ClaimLineCount(), 0u);
}

// Two copies of one request decided in the same lane group (a terminal that
// retries before the first answer came back): one redemption, one replay.
TEST_F(PassStoreIdempotencyTest, DuplicateInTheSameGroupIsReplayed) {
  options().writer_lanes = 1;
  ASSERT_OK(Reopen());
  absl::Notification lane_held;
  absl::Notification release_lane;
  store().Redeem(Scan(serials_[9], "T-0", "hold"),
                 [&](absl::StatusOr<RedeemOutcome>) {
                   lane_held.Notify();
                   release_lane.WaitForNotification();
                 });
  lane_held.WaitForNotification();

  absl::Mutex mu;
  std::vector<absl::StatusOr<RedeemOutcome>> outcomes;
  absl::Notification first_done;
  absl::Notification second_done;
  for (absl::Notification* done : {&first_done, &second_done}) {
    store().Redeem(Scan(serials_[0], "T-1", "r-1"),
                   [&, done](absl::StatusOr<RedeemOutcome> outcome) {
                     absl::MutexLock lock(&mu);
                     outcomes.push_back(std::move(outcome));
                     done->Notify();
                   });
  }
  release_lane.Notify();
  first_done.WaitForNotification();
  second_done.WaitForNotification();

  absl::MutexLock lock(&mu);
  ASSERT_EQ(outcomes.size(), 2u);
  ASSERT_TRUE(outcomes[0].ok()) << outcomes[0].status();
  ASSERT_TRUE(outcomes[1].ok()) << outcomes[1].status();
  EXPECT_EQ(outcomes[0]->result, RedeemResult::kRedeemed);
  EXPECT_FALSE(outcomes[0]->replayed);
  EXPECT_TRUE(outcomes[1]->replayed);
  ExpectSameAnswer(*outcomes[1], *outcomes[0]);
  // The lane-holding redemption has its own line; the pass one line.
  ASSERT_OK_AND_ASSIGN(std::vector<ClaimLineEntry> lines,
                       ClaimLines(venue_.id));
  EXPECT_EQ(std::count_if(lines.begin(), lines.end(),
                          [&](const ClaimLineEntry& entry) {
                            return entry.line.serial == serials_[0];
                          }),
            1);
}

// A terminal that reuses one request id for two passes at once: the passes
// may sit on different writer lanes, which decide in parallel, yet the id
// must still be carried out once and refused the other time.
TEST_F(PassStoreIdempotencyTest, ConcurrentReuseOfARequestIdIsCarriedOutOnce) {
  ASSERT_OK_AND_ASSIGN(std::vector<Booklet> booklets,
                       store().IssueBooklets(programme_.id, 40, 10));
  // Free passes by lane (the store maps shard % lanes).
  std::vector<uint64_t> free[2];
  for (uint64_t serial : SerialsOf(booklets)) {
    free[ShardOfSerial(serial, options().shard_count) % options().writer_lanes]
        .push_back(serial);
  }
  ASSERT_EQ(options().writer_lanes, 2u);
  ASSERT_GE(free[0].size(), 150u);
  ASSERT_GE(free[1].size(), 150u);

  int both_carried_out = 0;
  for (int round = 0; round < 150; ++round) {
    const uint64_t serials[2] = {free[0].back(), free[1].back()};
    absl::Notification done[2];
    absl::StatusOr<RedeemOutcome> outcomes[2];
    for (int i = 0; i < 2; ++i) {
      store().Redeem(Scan(serials[i], "T-1", absl::StrCat("reused-", round)),
                     [&, i](absl::StatusOr<RedeemOutcome> outcome) {
                       outcomes[i] = std::move(outcome);
                       done[i].Notify();
                     });
    }
    done[0].WaitForNotification();
    done[1].WaitForNotification();
    int carried_out = 0;
    for (int i = 0; i < 2; ++i) {
      if (outcomes[i].ok()) {
        EXPECT_EQ(outcomes[i]->result, RedeemResult::kRedeemed);
        ++carried_out;
        free[i].pop_back();
      } else {
        EXPECT_EQ(outcomes[i].status().code(), absl::StatusCode::kAlreadyExists)
            << outcomes[i].status();
      }
    }
    EXPECT_GE(carried_out, 1) << "round " << round;
    if (carried_out == 2) ++both_carried_out;
  }
  EXPECT_EQ(both_carried_out, 0) << "one request id redeemed two passes in "
                                 << both_carried_out << " of 150 rounds";
}

// Terminals and the server's clock carry nanoseconds (the gRPC Timestamp
// does). A retry must still get the answer the first attempt got, to the
// nanosecond, not a copy rounded by the store's on-disk precision.
TEST_F(PassStoreIdempotencyTest, ReplayMatchesTheOriginalToTheNanosecond) {
  clock().Set(TestEpoch() + absl::Nanoseconds(123456789));
  const absl::Time scanned_at = TestEpoch() - absl::Nanoseconds(1500);
  RedeemCommand scan = Scan(serials_[0], "T-1", "r-1");
  scan.scanned_at = scanned_at;

  ASSERT_OK_AND_ASSIGN(RedeemOutcome original, Redeem(scan));
  ASSERT_EQ(original.result, RedeemResult::kRedeemed);
  ASSERT_OK_AND_ASSIGN(RedeemOutcome retry, Redeem(scan));
  EXPECT_TRUE(retry.replayed);
  ASSERT_TRUE(retry.redemption.has_value());
  EXPECT_EQ(retry.redemption->scanned_at, original.redemption->scanned_at)
      << "replayed " << retry.redemption->scanned_at << ", first answered "
      << original.redemption->scanned_at;
  EXPECT_EQ(retry.redemption->recorded_at, original.redemption->recorded_at)
      << "replayed " << retry.redemption->recorded_at << ", first answered "
      << original.redemption->recorded_at;

  // A second scan elsewhere is told the same first redemption.
  ASSERT_OK_AND_ASSIGN(RedeemOutcome second,
                       Redeem(Scan(serials_[0], "T-2", "r-1")));
  ASSERT_EQ(second.result, RedeemResult::kAlreadyRedeemed);
  EXPECT_EQ(second.redemption, original.redemption);
}

// The store guards its key layout itself, whatever its caller checked: an
// id over 64 bytes could otherwise collide with another in the
// length-prefixed idempotency key.
TEST_F(PassStoreIdempotencyTest, RefusesEmptyOrOversizedIdsAndWritesNothing) {
  for (RedeemCommand command :
       {Scan(serials_[0], std::string(65, 'a'), "r-1"),
        Scan(serials_[0], "T-1", std::string(256, 'a')),
        Scan(serials_[0], "", "r-1"), Scan(serials_[0], "T-1", "")}) {
    absl::StatusOr<RedeemOutcome> outcome = Redeem(command);
    EXPECT_EQ(outcome.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_TRUE(Contains(outcome.status().message(), "_id: must have 1 to 64"))
        << outcome.status();
  }
  absl::StatusOr<CancelOutcome> cancel = Cancel({.serial = serials_[0],
                                                 .venue_id = venue_.id,
                                                 .terminal_id = "T-1",
                                                 .request_id = ""});
  EXPECT_EQ(cancel.status().code(), absl::StatusCode::kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(PassStatus untouched,
                       store().Check(serials_[0], std::nullopt));
  EXPECT_EQ(untouched.pass.state, PassState::kIssued);
  EXPECT_EQ(ClaimLineCount(), 0u);
}

// Stored answers expire (PassStoreOptions::answer_ttl, 30 days): a retry
// within it replays; a later one is decided afresh, which for a redeemed
// pass is ALREADY_REDEEMED, never a second claim line; compactions then
// drop the expired record.
TEST_F(PassStoreIdempotencyTest, AnswersExpireAfterTheirTtl) {
  ASSERT_OK_AND_ASSIGN(RedeemOutcome original,
                       Redeem(Scan(serials_[0], "T-1", "r-1")));
  ASSERT_EQ(original.result, RedeemResult::kRedeemed);
  clock().Advance(absl::Hours(24 * 30) - absl::Seconds(1));
  ASSERT_OK_AND_ASSIGN(RedeemOutcome within,
                       Redeem(Scan(serials_[0], "T-1", "r-1")));
  EXPECT_TRUE(within.replayed);
  ExpectSameAnswer(within, original);

  clock().Advance(absl::Seconds(1));
  ASSERT_OK_AND_ASSIGN(RedeemOutcome late,
                       Redeem(Scan(serials_[0], "T-1", "r-1")));
  EXPECT_FALSE(late.replayed);
  EXPECT_EQ(late.result, RedeemResult::kAlreadyRedeemed);
  EXPECT_EQ(late.redemption, original.redemption);
  EXPECT_EQ(ClaimLineCount(), 1u);

  // The late decision was stored afresh; once it too has expired, a
  // compaction drops the record.
  const Database& database = store().database();
  rocksdb::ColumnFamilyHandle* answers =
      database.Family(FixedFamily::kIdempotency);
  auto stored = [&] {
    std::unique_ptr<rocksdb::Iterator> it(
        database.db()->NewIterator(rocksdb::ReadOptions(), answers));
    size_t count = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++count;
    return count;
  };
  ASSERT_TRUE(database.db()->Flush(rocksdb::FlushOptions(), answers).ok());
  rocksdb::CompactRangeOptions compact;
  compact.bottommost_level_compaction =
      rocksdb::BottommostLevelCompaction::kForce;
  ASSERT_TRUE(
      database.db()->CompactRange(compact, answers, nullptr, nullptr).ok());
  EXPECT_EQ(stored(), 1u);
  clock().Advance(absl::Hours(24 * 30));
  ASSERT_TRUE(
      database.db()->CompactRange(compact, answers, nullptr, nullptr).ok());
  EXPECT_EQ(stored(), 0u);
}

TEST_F(PassStoreIdempotencyTest, AnswerTtlShorterThanTheCancelWindowIsRefused) {
  PassStoreOptions options{.path = path() + "-other",
                           .cancel_window = absl::Hours(2),
                           .answer_ttl = absl::Hours(1)};
  absl::StatusOr<std::unique_ptr<PassStore>> store = PassStore::Open(options);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(store.status().message().find("cancel window"), std::string::npos)
      << store.status();
}

}  // namespace
}  // namespace passclear::storage
