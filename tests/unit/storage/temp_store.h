// A test fixture that opens a real PassStore in a fresh temporary directory,
// with a clock the test sets, and helpers that wait for the asynchronous
// Redeem and Cancel callbacks.
//
//   class MyTest : public passclear::storage::TempStoreTest {};
//   TEST_F(MyTest, Redeems) {
//     ASSERT_OK_AND_ASSIGN(Programme programme, CreateProgramme());
//     ...
//     clock().Advance(absl::Minutes(5));
//     ASSERT_OK_AND_ASSIGN(RedeemOutcome outcome, Redeem({...}));
//     ASSERT_OK(Reopen());
//   }
//
// The directory is removed in TearDown, after the store is closed.
#ifndef PASSCLEAR_TESTS_UNIT_STORAGE_TEMP_STORE_H_
#define PASSCLEAR_TESTS_UNIT_STORAGE_TEMP_STORE_H_

#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "storage/pass_store.h"
#include "storage/records.h"
#include "storage/redemption.h"
#include "storage/venue_identifiers.h"

// Debian's Abseil ships no status matchers: these two are enough here.
#define PASSCLEAR_TEST_CONCAT_INNER(a, b) a##b
#define PASSCLEAR_TEST_CONCAT(a, b) PASSCLEAR_TEST_CONCAT_INNER(a, b)

#define ASSERT_OK(expr)                                    \
  do {                                                     \
    const absl::Status passclear_test_status_ = (expr);    \
    ASSERT_TRUE(passclear_test_status_.ok())               \
        << #expr << " failed: " << passclear_test_status_; \
  } while (false)

#define PASSCLEAR_ASSERT_OK_AND_ASSIGN_IMPL(statusor, lhs, expr)           \
  auto statusor = (expr);                                                  \
  ASSERT_TRUE(statusor.ok()) << #expr << " failed: " << statusor.status(); \
  lhs = std::move(statusor).value()

#define ASSERT_OK_AND_ASSIGN(lhs, expr) \
  PASSCLEAR_ASSERT_OK_AND_ASSIGN_IMPL(  \
      PASSCLEAR_TEST_CONCAT(passclear_test_statusor_, __LINE__), lhs, expr)

namespace passclear::storage {

// Readable failure messages for the records tests compare.
inline void PrintTo(const Programme& programme, std::ostream* out) {
  *out << "Programme{id=" << programme.id << ", sponsor=\"" << programme.sponsor
       << "\", name=\"" << programme.name
       << "\", face_value_cents=" << programme.face_value_cents
       << ", valid_from=" << programme.valid_from
       << ", valid_until=" << programme.valid_until
       << ", grace_period=" << programme.grace_period << "}";
}

inline void PrintTo(const RedemptionInfo& redemption, std::ostream* out) {
  *out << "RedemptionInfo{seq=" << redemption.seq
       << ", venue_id=" << redemption.venue_id << ", terminal_id=\""
       << redemption.terminal_id << "\", scanned_at=" << redemption.scanned_at
       << ", recorded_at=" << redemption.recorded_at << "}";
}

inline void PrintTo(const ClaimLine& line, std::ostream* out) {
  *out << "ClaimLine{serial=" << line.serial
       << ", programme_id=" << line.programme_id
       << ", face_value_cents=" << line.face_value_cents << ", terminal_id=\""
       << line.terminal_id << "\", scanned_at=" << line.scanned_at
       << ", recorded_at=" << line.recorded_at << "}";
}

// A clock the test moves by hand. Readable from the writer lanes' threads.
class FakeClock {
 public:
  explicit FakeClock(absl::Time start) : now_(start) {}

  absl::Time Now() const {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Set(absl::Time now) {
    absl::MutexLock lock(&mu_);
    now_ = now;
  }
  void Advance(absl::Duration by) {
    absl::MutexLock lock(&mu_);
    now_ += by;
  }
  // What PassStoreOptions::clock wants; the clock must outlive the store.
  std::function<absl::Time()> AsFunction() {
    return [this] { return Now(); };
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

// 2023-03-01 09:00:00 UTC: inside the test programmes' validity.
inline absl::Time TestEpoch() {
  return absl::FromCivil(absl::CivilSecond(2023, 3, 1, 9, 0, 0),
                         absl::UTCTimeZone());
}

inline absl::Time Utc(int year, int month, int day, int hour = 0,
                      int minute = 0, int second = 0) {
  return absl::FromCivil(
      absl::CivilSecond(year, month, day, hour, minute, second),
      absl::UTCTimeZone());
}

// Submits a redemption and waits for its callback.
inline absl::StatusOr<RedeemOutcome> RedeemAndWait(PassStore& store,
                                                   RedeemCommand command) {
  absl::Notification done;
  absl::StatusOr<RedeemOutcome> result;
  store.Redeem(std::move(command),
               [&done, &result](absl::StatusOr<RedeemOutcome> outcome) {
                 result = std::move(outcome);
                 done.Notify();
               });
  done.WaitForNotification();
  return result;
}

// Submits a cancellation and waits for its callback.
inline absl::StatusOr<CancelOutcome> CancelAndWait(PassStore& store,
                                                   CancelCommand command) {
  absl::Notification done;
  absl::StatusOr<CancelOutcome> result;
  store.Cancel(std::move(command),
               [&done, &result](absl::StatusOr<CancelOutcome> outcome) {
                 result = std::move(outcome);
                 done.Notify();
               });
  done.WaitForNotification();
  return result;
}

// A SIRET no other test venue of this process has: an establishment is
// registered once.
inline std::string NextTestSiret() {
  static std::atomic<uint64_t> next{7328293200007};
  return SiretOfNumber(next++);
}

// A venue registration with valid payment details.
inline VenueSpec TestVenue(std::string name,
                           std::vector<uint64_t> programme_ids,
                           bool labelled = true) {
  return {.name = std::move(name),
          .accepted_programme_ids = std::move(programme_ids),
          .labelled = labelled,
          .address = "1 place de la Mairie, 79000 Niort",
          .siret = NextTestSiret(),
          .iban = "FR76 3000 6000 0112 3456 7890 189",
          .bic = "AGRIFRPP"};
}

class TempStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::path(::testing::TempDir()) / "passclear_test_XXXXXX")
            .string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr) << "mkdtemp " << pattern;
    directory_ = pattern;
    path_ = (std::filesystem::path(directory_) / "store").string();
    ASSERT_OK(Open());
  }

  void TearDown() override {
    store_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
  }

  // The options every open of this test uses; tests may adjust them before
  // the next Reopen().
  PassStoreOptions& options() { return options_; }
  FakeClock& clock() { return clock_; }
  // Set before the next Reopen(): the store's clock becomes
  // wrap(the fake clock), for a test to watch or hold who reads it.
  using ClockWrapper =
      std::function<std::function<absl::Time()>(std::function<absl::Time()>)>;
  void WrapClock(ClockWrapper wrap) { wrap_clock_ = std::move(wrap); }
  PassStore& store() { return *store_; }
  const std::string& path() const { return path_; }

  // Opens the store at path() with options(); the store must be closed.
  absl::Status Open() {
    PassStoreOptions options = options_;
    options.path = path_;
    options.clock = clock_.AsFunction();
    if (wrap_clock_) options.clock = wrap_clock_(std::move(options.clock));
    absl::StatusOr<std::unique_ptr<PassStore>> store =
        PassStore::Open(std::move(options));
    if (!store.ok()) return store.status();
    store_ = std::move(store).value();
    return absl::OkStatus();
  }
  void Close() { store_.reset(); }
  absl::Status Reopen() {
    Close();
    return Open();
  }

  // A 10 EUR programme valid for 2023, accepted until the end of January.
  absl::StatusOr<Programme> CreateProgramme(
      absl::Time valid_from = Utc(2023, 1, 1),
      absl::Time valid_until = Utc(2023, 12, 31, 23, 59, 59),
      absl::Duration grace_period = absl::Hours(24 * 31)) {
    return store_->CreateProgramme({.sponsor = "Agglomeration du Grand Test",
                                    .name = "Pass Numerique 2023",
                                    .face_value_cents = 1000,
                                    .valid_from = valid_from,
                                    .valid_until = valid_until,
                                    .grace_period = grace_period});
  }

  // The serials of every pass of `booklets`, in order.
  static std::vector<uint64_t> SerialsOf(const std::vector<Booklet>& booklets) {
    std::vector<uint64_t> serials;
    for (const Booklet& booklet : booklets) {
      for (uint32_t i = 0; i < booklet.size; ++i) {
        serials.push_back(booklet.first_serial + i);
      }
    }
    return serials;
  }

  absl::StatusOr<RedeemOutcome> Redeem(RedeemCommand command) {
    return RedeemAndWait(*store_, std::move(command));
  }
  absl::StatusOr<CancelOutcome> Cancel(CancelCommand command) {
    return CancelAndWait(*store_, std::move(command));
  }

  // Registers a venue with valid payment details.
  absl::StatusOr<Venue> RegisterVenue(std::string name,
                                      std::vector<uint64_t> programme_ids,
                                      bool labelled = true) {
    return store_->RegisterVenue(
        TestVenue(std::move(name), std::move(programme_ids), labelled));
  }

  absl::StatusOr<std::vector<ClaimLineEntry>> ClaimLines(uint64_t venue_id) {
    return store_->ListClaimLines(venue_id);
  }

 private:
  FakeClock clock_{TestEpoch()};
  ClockWrapper wrap_clock_;
  // Few shards keep the many opens and reopens of the tests fast; cycles
  // close only when a test says so, whatever its clock shows.
  PassStoreOptions options_{
      .shard_count = 4, .writer_lanes = 2, .close_cycles_automatically = false};
  std::string directory_;
  std::string path_;
  std::unique_ptr<PassStore> store_;
};

// A store holding one programme, one booklet of 10 passes (serials_) and two
// venues accepting the programme: the setting of most store tests.
class OneBookletTest : public TempStoreTest {
 protected:
  void SetUp() override {
    TempStoreTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_OK_AND_ASSIGN(programme_, CreateProgramme());
    ASSERT_OK_AND_ASSIGN(std::vector<Booklet> booklets,
                         store().IssueBooklets(programme_.id, 1, 10));
    serials_ = SerialsOf(booklets);
    ASSERT_OK_AND_ASSIGN(venue_, RegisterVenue("Mediatheque", {programme_.id}));
    ASSERT_OK_AND_ASSIGN(second_venue_,
                         RegisterVenue("Cyber-base", {programme_.id}));
  }

  Programme programme_;
  std::vector<uint64_t> serials_;
  Venue venue_;
  Venue second_venue_;
};

inline bool Contains(absl::string_view text, absl::string_view part) {
  return text.find(part) != absl::string_view::npos;
}

}  // namespace passclear::storage

#endif  // PASSCLEAR_TESTS_UNIT_STORAGE_TEMP_STORE_H_
