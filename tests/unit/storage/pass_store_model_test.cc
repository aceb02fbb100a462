// A model-based test of the core invariant, as RocksDB's own fuzzers do it:
// a seeded random sequence of scans, cancellations, checks, retries and
// reused request ids runs against the store and against a plain in-memory
// model of the rules. Every answer must match the model's; the clock moves
// so that validity starts and ends and cancel windows elapse; the store is
// closed and reopened along the way. At the end every pass and every claim
// line must be what the model says.
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "storage/pass_store.h"
#include "storage/records.h"
#include "storage/redemption.h"
#include "tests/unit/storage/temp_store.h"

namespace passclear::storage {
namespace {

constexpr uint64_t kUnknownVenue = 77;
constexpr int kOperations = 3000;
constexpr int kReopenOneIn = 250;
// Two passes of the short programme that only the grace probe redeems.
constexpr uint64_t kGraceProbeSerials[] = {49, 50};

// One request as a terminal sends it.
struct Request {
  OperationKind operation = OperationKind::kRedeem;
  uint64_t serial = 0;
  uint64_t venue_id = 0;
  std::string terminal_id;
  std::string request_id;
  std::optional<absl::Time> scanned_at;  // redemptions only
};

// The first answer to a (terminal, request id), as the store gave it after
// the model agreed with it.
struct FirstAnswer {
  Request request;
  std::optional<RedeemOutcome> redeem;
  std::optional<CancelOutcome> cancel;
};

struct ModelPass {
  const Programme* programme = nullptr;
  std::optional<RedemptionInfo> redemption;
};

struct ModelVenue {
  std::vector<uint64_t> accepted_programme_ids;
  std::vector<ClaimLineEntry> claim_lines;  // in redemption order
};

// The rules of redeem_rules.h and lane_operations.h, written plainly.
class Model {
 public:
  explicit Model(absl::Duration cancel_window)
      : cancel_window_(cancel_window) {}

  void AddPass(uint64_t serial, const Programme* programme) {
    passes_[serial] = {.programme = programme};
  }
  void AddVenue(uint64_t id, std::vector<uint64_t> programme_ids) {
    venues_[id].accepted_programme_ids = std::move(programme_ids);
  }

  RedeemResult JudgeRedemption(uint64_t serial,
                               std::optional<uint64_t> venue_id,
                               absl::Time scanned_at, absl::Time now) const {
    const ModelVenue* venue = nullptr;
    if (venue_id) {
      auto it = venues_.find(*venue_id);
      if (it == venues_.end()) return RedeemResult::kVenueNotAccepting;
      venue = &it->second;
    }
    auto pass = passes_.find(serial);
    if (pass == passes_.end()) return RedeemResult::kUnknownSerial;
    if (pass->second.redemption) return RedeemResult::kAlreadyRedeemed;
    const Programme& programme = *pass->second.programme;
    if (venue != nullptr) {
      bool allowed = false;
      for (uint64_t id : venue->accepted_programme_ids) {
        allowed = allowed || id == programme.id;
      }
      if (!allowed) return RedeemResult::kVenueNotAllowed;
    }
    if (scanned_at < programme.valid_from) return RedeemResult::kNotYetValid;
    if (scanned_at > programme.valid_until) return RedeemResult::kExpired;
    if (now > programme.valid_until + programme.grace_period) {
      return RedeemResult::kExpired;
    }
    return RedeemResult::kRedeemed;
  }

  // Decides a new redemption; `seq` and `batch_id` are the store's for a
  // redemption.
  RedeemOutcome Redeem(const Request& request, absl::Time now, uint64_t seq,
                       uint64_t batch_id) {
    const absl::Time scanned_at = request.scanned_at.value_or(now);
    RedeemOutcome outcome{
        .result =
            JudgeRedemption(request.serial, request.venue_id, scanned_at, now),
        .serial = request.serial};
    auto pass = passes_.find(request.serial);
    if (pass != passes_.end()) {
      outcome.programme_id = pass->second.programme->id;
      outcome.face_value_cents = pass->second.programme->face_value_cents;
    }
    if (outcome.result == RedeemResult::kAlreadyRedeemed) {
      outcome.redemption = pass->second.redemption;
    }
    if (outcome.result == RedeemResult::kRedeemed) {
      RedemptionInfo redemption{.seq = seq,
                                .batch_id = batch_id,
                                .venue_id = request.venue_id,
                                .terminal_id = request.terminal_id,
                                .scanned_at = scanned_at,
                                .recorded_at = now};
      pass->second.redemption = redemption;
      venues_[request.venue_id].claim_lines.push_back(
          {.seq = seq,
           .line = {.serial = request.serial,
                    .programme_id = outcome.programme_id,
                    .face_value_cents = outcome.face_value_cents,
                    .terminal_id = request.terminal_id,
                    .scanned_at = scanned_at,
                    .recorded_at = now}});
      outcome.redemption = std::move(redemption);
    }
    return outcome;
  }

  CancelOutcome Cancel(const Request& request, absl::Time now) {
    CancelOutcome outcome{.serial = request.serial};
    auto pass = passes_.find(request.serial);
    if (pass == passes_.end()) {
      outcome.result = CancelResult::kUnknownSerial;
      return outcome;
    }
    std::optional<RedemptionInfo>& redemption = pass->second.redemption;
    if (!redemption) {
      outcome.result = CancelResult::kNotRedeemed;
      return outcome;
    }
    outcome.redemption = redemption;
    if (redemption->venue_id != request.venue_id ||
        redemption->terminal_id != request.terminal_id) {
      outcome.result = CancelResult::kNotSameTerminal;
    } else if (now - redemption->recorded_at > cancel_window_) {
      outcome.result = CancelResult::kWindowElapsed;
    } else {
      outcome.result = CancelResult::kCancelled;
      std::vector<ClaimLineEntry>& lines =
          venues_[redemption->venue_id].claim_lines;
      std::erase_if(lines, [&](const ClaimLineEntry& entry) {
        return entry.seq == redemption->seq;
      });
      redemption.reset();
    }
    return outcome;
  }

  const std::map<uint64_t, ModelPass>& passes() const { return passes_; }
  const std::map<uint64_t, ModelVenue>& venues() const { return venues_; }

 private:
  const absl::Duration cancel_window_;
  std::map<uint64_t, ModelPass> passes_;
  std::map<uint64_t, ModelVenue> venues_;
};

class PassStoreModelTest : public TempStoreTest,
                           public ::testing::WithParamInterface<uint32_t> {
 protected:
  void SetUp() override {
    TempStoreTest::SetUp();
    if (HasFatalFailure()) return;
    // Thousands of operations: skip the WAL sync, keep everything else.
    options().sync_writes = false;
    ASSERT_OK(Reopen());
  }

  // The serial, venue and terminal of a new random request.
  Request RandomRequest(std::mt19937_64& random, OperationKind operation) {
    Request request{.operation = operation};
    // Mostly issued serials, some never issued; never the two kept for the
    // grace probe.
    do {
      request.serial = std::uniform_int_distribution<uint64_t>(0, 53)(random);
    } while (request.serial == kGraceProbeSerials[0] ||
             request.serial == kGraceProbeSerials[1]);
    request.terminal_id = terminals_[random() % terminals_.size()];
    request.venue_id = random() % 20 == 0 ? kUnknownVenue : 1 + random() % 3;
    if (operation == OperationKind::kCancel) {
      // Mostly a recent redemption, mostly by the terminal that made it: a
      // scan noticed as a mistake.
      if (!recent_redemptions_.empty() && random() % 10 < 7) {
        request.serial =
            random() % 2 == 0
                ? recent_redemptions_.back()
                : recent_redemptions_[random() % recent_redemptions_.size()];
      }
      auto pass = model_->passes().find(request.serial);
      if (pass != model_->passes().end() && pass->second.redemption &&
          random() % 10 < 8) {
        request.venue_id = pass->second.redemption->venue_id;
        request.terminal_id = pass->second.redemption->terminal_id;
      }
    }
    if (operation == OperationKind::kRedeem) {
      const int when = static_cast<int>(random() % 10);
      if (when < 4) {
        // Scanned offline up to four hours ago.
        request.scanned_at =
            clock().Now() - absl::Microseconds(random() % 14'400'000'000);
      } else if (when < 5) {
        // Scanned on a validity boundary of the short programme, or a
        // microsecond either side.
        request.scanned_at =
            (random() % 2 == 0 ? short_lived_->valid_from
                               : short_lived_->valid_until) +
            absl::Microseconds(static_cast<int64_t>(random() % 3) - 1);
      }
    }
    return request;
  }

  // Runs one request against the store and the model and compares.
  void Apply(const Request& request) {
    const auto key = std::make_pair(request.terminal_id, request.request_id);
    auto earlier = answers_.find(key);
    if (earlier != answers_.end()) {
      const Request& first = earlier->second.request;
      const bool same = first.operation == request.operation &&
                        first.serial == request.serial &&
                        first.venue_id == request.venue_id;
      if (!same) {
        ExpectAlreadyExists(request);
        return;
      }
      ExpectReplay(request, earlier->second);
      return;
    }
    const absl::Time now = clock().Now();
    if (request.operation == OperationKind::kRedeem) {
      absl::StatusOr<RedeemOutcome> actual =
          Redeem({.serial = request.serial,
                  .venue_id = request.venue_id,
                  .terminal_id = request.terminal_id,
                  .request_id = request.request_id,
                  .scanned_at = request.scanned_at});
      ASSERT_TRUE(actual.ok()) << actual.status();
      uint64_t seq = 0;
      uint64_t batch_id = 0;
      if (actual->result == RedeemResult::kRedeemed && actual->redemption) {
        // No cycle closes here: each venue's lines stay in one batch, across
        // reopens too.
        batch_id = actual->redemption->batch_id;
        auto [batch, first] =
            venue_batches_.emplace(request.venue_id, batch_id);
        EXPECT_TRUE(first || batch->second == batch_id)
            << "venue " << request.venue_id << " moved to another batch";
        recent_redemptions_.push_back(request.serial);
        if (recent_redemptions_.size() > 5) {
          recent_redemptions_.erase(recent_redemptions_.begin());
        }
        seq = actual->redemption->seq;
        last_recorded_at_ = actual->redemption->recorded_at;
        EXPECT_GT(seq, last_seq_) << "sequence numbers must only grow";
        last_seq_ = seq;
      }
      const RedeemOutcome expected =
          model_->Redeem(request, now, seq, batch_id);
      EXPECT_EQ(actual->result, expected.result) << actual->message;
      EXPECT_EQ(actual->serial, expected.serial);
      EXPECT_EQ(actual->programme_id, expected.programme_id);
      EXPECT_EQ(actual->face_value_cents, expected.face_value_cents);
      EXPECT_EQ(actual->redemption, expected.redemption);
      EXPECT_FALSE(actual->replayed);
      answers_[key] = {.request = request, .redeem = *actual};
    } else {
      absl::StatusOr<CancelOutcome> actual =
          Cancel({.serial = request.serial,
                  .venue_id = request.venue_id,
                  .terminal_id = request.terminal_id,
                  .request_id = request.request_id});
      ASSERT_TRUE(actual.ok()) << actual.status();
      const CancelOutcome expected = model_->Cancel(request, now);
      EXPECT_EQ(actual->result, expected.result) << actual->message;
      EXPECT_EQ(actual->serial, expected.serial);
      EXPECT_EQ(actual->redemption, expected.redemption);
      EXPECT_FALSE(actual->replayed);
      answers_[key] = {.request = request, .cancel = *actual};
    }
    answered_keys_.push_back(key);
  }

  void ExpectAlreadyExists(const Request& request) {
    absl::Status status;
    if (request.operation == OperationKind::kRedeem) {
      status = Redeem({.serial = request.serial,
                       .venue_id = request.venue_id,
                       .terminal_id = request.terminal_id,
                       .request_id = request.request_id,
                       .scanned_at = request.scanned_at})
                   .status();
    } else {
      status = Cancel({.serial = request.serial,
                       .venue_id = request.venue_id,
                       .terminal_id = request.terminal_id,
                       .request_id = request.request_id})
                   .status();
    }
    EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists) << status;
  }

  void ExpectReplay(const Request& request, const FirstAnswer& first) {
    if (request.operation == OperationKind::kRedeem) {
      absl::StatusOr<RedeemOutcome> replay =
          Redeem({.serial = request.serial,
                  .venue_id = request.venue_id,
                  .terminal_id = request.terminal_id,
                  .request_id = request.request_id,
                  .scanned_at = request.scanned_at});
      ASSERT_TRUE(replay.ok()) << replay.status();
      EXPECT_TRUE(replay->replayed);
      EXPECT_EQ(replay->result, first.redeem->result);
      EXPECT_EQ(replay->message, first.redeem->message);
      EXPECT_EQ(replay->programme_id, first.redeem->programme_id);
      EXPECT_EQ(replay->face_value_cents, first.redeem->face_value_cents);
      EXPECT_EQ(replay->redemption, first.redeem->redemption);
    } else {
      absl::StatusOr<CancelOutcome> replay =
          Cancel({.serial = request.serial,
                  .venue_id = request.venue_id,
                  .terminal_id = request.terminal_id,
                  .request_id = request.request_id});
      ASSERT_TRUE(replay.ok()) << replay.status();
      EXPECT_TRUE(replay->replayed);
      EXPECT_EQ(replay->result, first.cancel->result);
      EXPECT_EQ(replay->message, first.cancel->message);
      EXPECT_EQ(replay->redemption, first.cancel->redemption);
    }
  }

  void ExpectCheckMatchesModel(uint64_t serial,
                               std::optional<uint64_t> venue_id) {
    absl::StatusOr<PassStatus> status = store().Check(serial, venue_id);
    ASSERT_TRUE(status.ok()) << status.status();
    const absl::Time now = clock().Now();
    EXPECT_EQ(status->redeemable_result,
              model_->JudgeRedemption(serial, venue_id, now, now))
        << status->message;
    auto pass = model_->passes().find(serial);
    ASSERT_EQ(status->known, pass != model_->passes().end()) << serial;
    if (!status->known) return;
    EXPECT_EQ(status->pass.programme_id, pass->second.programme->id);
    EXPECT_EQ(status->pass.state, pass->second.redemption ? PassState::kRedeemed
                                                          : PassState::kIssued);
    EXPECT_EQ(status->pass.redemption, pass->second.redemption);
  }

  void ExpectStoreMatchesModel() {
    for (uint64_t serial = 0; serial <= 53; ++serial) {
      SCOPED_TRACE(absl::StrCat("serial ", serial));
      ExpectCheckMatchesModel(serial, std::nullopt);
    }
    for (uint64_t venue :
         {uint64_t{1}, uint64_t{2}, uint64_t{3}, kUnknownVenue}) {
      SCOPED_TRACE(absl::StrCat("venue ", venue));
      absl::StatusOr<std::vector<ClaimLineEntry>> lines = ClaimLines(venue);
      ASSERT_TRUE(lines.ok()) << lines.status();
      auto model_venue = model_->venues().find(venue);
      const std::vector<ClaimLineEntry> none;
      const std::vector<ClaimLineEntry>& expected =
          model_venue == model_->venues().end()
              ? none
              : model_venue->second.claim_lines;
      ASSERT_EQ(lines->size(), expected.size());
      for (size_t i = 0; i < expected.size(); ++i) {
        EXPECT_EQ((*lines)[i].seq, expected[i].seq) << i;
        EXPECT_EQ((*lines)[i].line, expected[i].line) << i;
      }
    }
  }

  std::unique_ptr<Model> model_;
  const Programme* short_lived_ = nullptr;
  std::vector<std::string> terminals_ = {"T-a", "T-b", "T-c", "T-d"};
  std::map<std::pair<std::string, std::string>, FirstAnswer> answers_;
  std::vector<std::pair<std::string, std::string>> answered_keys_;
  uint64_t last_seq_ = 0;
  std::map<uint64_t, uint64_t> venue_batches_;  // venue -> its batch
  std::optional<absl::Time> last_recorded_at_;
  std::vector<uint64_t> recent_redemptions_;  // serials, newest last
};

TEST_P(PassStoreModelTest, StoreAgreesWithTheModel) {
  const uint32_t seed = GetParam();
  std::mt19937_64 random(seed);
  model_ = std::make_unique<Model>(absl::Minutes(15));

  // Two programmes: one valid all along, one that opens two hours in and
  // closes, grace included, about half-way through the run.
  ASSERT_OK_AND_ASSIGN(const Programme all_year, CreateProgramme());
  ASSERT_OK_AND_ASSIGN(
      const Programme short_lived,
      CreateProgramme(TestEpoch() + absl::Hours(2),
                      TestEpoch() + absl::Hours(10), absl::Hours(2)));
  ASSERT_OK_AND_ASSIGN(std::vector<Booklet> long_booklets,
                       store().IssueBooklets(all_year.id, 4, 10));
  ASSERT_OK_AND_ASSIGN(std::vector<Booklet> short_booklets,
                       store().IssueBooklets(short_lived.id, 2, 5));
  for (uint64_t serial : SerialsOf(long_booklets)) {
    model_->AddPass(serial, &all_year);
  }
  short_lived_ = &short_lived;
  for (uint64_t serial : SerialsOf(short_booklets)) {
    model_->AddPass(serial, &short_lived);
  }
  ASSERT_EQ(model_->passes().size(), 50u);
  ASSERT_EQ(model_->passes().rbegin()->first, 50u);
  const std::vector<std::vector<uint64_t>> accepted = {
      {all_year.id, short_lived.id}, {all_year.id}, {short_lived.id}};
  for (const std::vector<uint64_t>& programme_ids : accepted) {
    ASSERT_OK_AND_ASSIGN(Venue venue,
                         RegisterVenue("Lieu de mediation", programme_ids));
    model_->AddVenue(venue.id, programme_ids);
  }

  uint64_t next_request = 0;
  bool grace_probed = false;
  for (int op = 0; op < kOperations; ++op) {
    SCOPED_TRACE(absl::StrCat("seed ", seed, ", operation ", op, " at ",
                              absl::FormatTime(clock().Now())));
    // Time passes: mostly seconds, sometimes long enough for a cancel
    // window to elapse, and sometimes straight to an edge that the next
    // request then probes. Always whole microseconds, as the store keeps
    // them.
    enum class Probe { kNone, kCancelWindowEdge, kGraceEdge };
    Probe probe = Probe::kNone;
    const int tick = static_cast<int>(random() % 200);
    const absl::Duration one_micro_either_side =
        absl::Microseconds(static_cast<int64_t>(random() % 3) - 1);
    if (tick < 120) {
      clock().Advance(absl::Microseconds(random() % 20'000'000));
    } else if (tick < 124) {
      clock().Advance(absl::Minutes(13) +
                      absl::Microseconds(random() % 180'000'000));
    } else if (tick < 134 && !recent_redemptions_.empty()) {
      const absl::Time edge =
          *last_recorded_at_ + absl::Minutes(15) + one_micro_either_side;
      if (edge > clock().Now()) {
        clock().Set(edge);
        probe = Probe::kCancelWindowEdge;
      }
    } else if (tick < 135) {
      clock().Advance(absl::Microseconds(random() % 3'000'000'000));
    }
    // No step above is longer than an hour, so the run always passes
    // through the last hour of the short programme's acceptance.
    if (!grace_probed &&
        clock().Now() > short_lived.accepted_until() - absl::Hours(1)) {
      probe = Probe::kGraceEdge;
      grace_probed = true;
    }
    if (random() % kReopenOneIn == 0) {
      // The lane count is not part of the store: any will do on reopen.
      options().writer_lanes = 1 + random() % options().shard_count;
      ASSERT_OK(Reopen());
    }

    const int dice = static_cast<int>(random() % 100);
    if (probe == Probe::kCancelWindowEdge) {
      // The terminal cancels its last scan just as the window closes.
      const uint64_t serial = recent_redemptions_.back();
      const std::optional<RedemptionInfo>& redemption =
          model_->passes().at(serial).redemption;
      Request request{
          .operation = OperationKind::kCancel,
          .serial = serial,
          .venue_id = redemption ? redemption->venue_id : 1,
          .terminal_id = redemption ? redemption->terminal_id : terminals_[0],
          .request_id = absl::StrCat("r-", next_request++)};
      Apply(request);
    } else if (probe == Probe::kGraceEdge) {
      // Scans made on the last valid instant, uploaded as acceptance ends
      // and a microsecond later, of the two passes kept unredeemed for it.
      for (int offset : {0, 1}) {
        clock().Set(short_lived.accepted_until() + absl::Microseconds(offset));
        Apply({.operation = OperationKind::kRedeem,
               .serial = kGraceProbeSerials[offset],
               .venue_id = random() % 2 == 0 ? uint64_t{1} : uint64_t{3},
               .terminal_id = terminals_[random() % terminals_.size()],
               .request_id = absl::StrCat("r-", next_request++),
               .scanned_at = short_lived.valid_until});
      }
    } else if (dice < 15 && !answered_keys_.empty()) {
      // A terminal retries an earlier request unchanged.
      const Request retry =
          answers_.at(answered_keys_[random() % answered_keys_.size()]).request;
      Apply(retry);
    } else if (dice < 18 && !answered_keys_.empty()) {
      // A terminal reuses an earlier request id for another request.
      const auto key = answered_keys_[random() % answered_keys_.size()];
      Request request =
          RandomRequest(random, random() % 2 == 0 ? OperationKind::kRedeem
                                                  : OperationKind::kCancel);
      request.terminal_id = key.first;
      request.request_id = key.second;
      Apply(request);
    } else if (dice < 90) {
      Request request = RandomRequest(
          random, dice < 68 ? OperationKind::kRedeem : OperationKind::kCancel);
      request.request_id = absl::StrCat("r-", next_request++);
      Apply(request);
    } else {
      const uint64_t serial = random() % 54;
      std::optional<uint64_t> venue;
      if (random() % 4 != 0) {
        venue = random() % 20 == 0 ? kUnknownVenue : 1 + random() % 3;
      }
      ExpectCheckMatchesModel(serial, venue);
    }
    if (HasFailure()) {
      FAIL() << "stopping at the first disagreement";
    }
  }

  ExpectStoreMatchesModel();
  ASSERT_OK(Reopen());
  ExpectStoreMatchesModel();
}

INSTANTIATE_TEST_SUITE_P(Seeds, PassStoreModelTest,
                         ::testing::Values(1u, 20230301u, 4242u));

}  // namespace
}  // namespace passclear::storage
