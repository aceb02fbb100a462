// PassStore: the redemption domain on top of RocksDB. The server's handlers
// call it; it knows nothing about gRPC.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<PassStore> store,
//                    PassStore::Open({.path = "/var/lib/passclear"}));
//   store->Redeem({.serial = 42, .venue_id = 7, .terminal_id = "T-1",
//                  .request_id = "r-1"},
//                 [](absl::StatusOr<RedeemOutcome> outcome) { ... });
//
// Redeem and Cancel are asynchronous: the callback runs on a writer lane's
// thread once the decision is durable (or failed, with nothing written). It
// must not block. Reads (Check, ListClaimLines) and admin calls are
// synchronous.
#ifndef PASSCLEAR_STORAGE_PASS_STORE_H_
#define PASSCLEAR_STORAGE_PASS_STORE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "rocksdb/write_batch.h"
#include "storage/catalog.h"
#include "storage/clearing_state.h"
#include "storage/database.h"
#include "storage/history_purge.h"
#include "storage/in_flight_requests.h"
#include "storage/lane_operations.h"
#include "storage/partition_map.h"
#include "storage/records.h"
#include "storage/redemption.h"
#include "storage/usage_report.h"
#include "storage/writer_lane.h"

namespace passclear::storage {

struct PassStoreOptions {
  std::string path;
  // Fixed when the store is created; reopening with another count fails.
  uint32_t shard_count = 16;
  // Threads committing redemptions; lane L owns the shards S with
  // S % writer_lanes == L.
  uint32_t writer_lanes = 4;
  // Sync the WAL before answering. False loses acknowledged redemptions on a
  // power cut: for experiments only.
  bool sync_writes = true;
  absl::Duration cancel_window = absl::Minutes(15);
  // An offline scan older than this when it reaches the server is refused
  // as SCAN_TOO_OLD: a terminal's clock is trusted only so far.
  // The server's --max_offline_scan_age sets it (7 days by default).
  absl::Duration max_scan_age = absl::InfiniteDuration();
  // Also refuse an offline scan dated before its terminal's enrolment.
  bool refuse_scans_before_enrolment = false;
  size_t max_group_size = 512;
  size_t max_queue_depth = 50000;
  size_t block_cache_bytes = size_t{512} << 20;
  // Writes are refused while the data disk has less free than this.
  uint64_t min_free_disk_bytes = uint64_t{256} << 20;
  // How long a stored answer replays to a retry of its request; it must
  // outlast the cancel window. Then compactions drop it.
  absl::Duration answer_ttl = absl::Hours(24 * 30);
  std::function<absl::Time()> clock = [] { return absl::Now(); };
  // A venue's claim batch closes at the cycle's cut-off or when it holds
  // this many lines, whichever comes first.
  uint32_t max_batch_lines = 10000;
  // The length of a clearing cycle; unset: calendar months (UTC).
  std::optional<absl::Duration> cycle_period;
  // Close each cycle at its cut-off by itself; else only CloseCycle does.
  bool close_cycles_automatically = true;
  // A programme's redemption and claim history is purged this long after
  // it closed (history_purge.h): 10 years, French accounting records.
  absl::Duration history_retention = absl::Hours(24 * 3653);
  // See WriterLaneOptions::on_group_commit.
  std::function<void(size_t operations, absl::Duration write_time)>
      on_group_commit;
  // The pass shards this instance owns in a partitioned scheme
  // (partition_map.h); all of them by default. Issuing and voiding store
  // only the passes of owned shards, and the usage counters count only
  // them; the other passes are another instance's.
  uint32_t first_owned_shard = 0;
  uint32_t last_owned_shard = std::numeric_limits<uint32_t>::max();
  // The scheme's map, when partitioned: a misrouted request is told which
  // instance owns its pass.
  std::optional<PartitionMap> partition_map;
};

// Clearing figures for monitoring, read when scraped.
struct ClearingStats {
  uint64_t open_batches = 0;
  uint64_t batches_closed = 0;  // since the process started
  uint64_t batches_acknowledged = 0;
  uint64_t batches_rejected = 0;
  // When the oldest closed batch still awaiting payment was closed.
  std::optional<absl::Time> oldest_unpaid_closed_at;
};

// What closing a cycle did.
struct CycleClose {
  uint64_t closed_cycle = 0;
  uint64_t batches_closed = 0;  // batches with lines, now in the log
  uint64_t lines = 0;
  int64_t total_cents = 0;
};

// How messages name a batch status: "open", "closed, awaiting payment", ...
absl::string_view BatchStatusName(BatchStatus status);

// One transfer of a payment file being made: the batch, the venue it pays
// and the transfer's end-to-end id (new for each payment attempt).
struct PlannedTransfer {
  ClaimBatch batch;
  std::shared_ptr<const Venue> venue;
  std::string end_to_end_id;
};

// What an export decided, for the builder of the file's bytes.
struct PaymentFilePlan {
  std::string message_id;
  absl::Time created_at;
  std::vector<PlannedTransfer> transfers;
};
using PaymentFileBuilder =
    std::function<absl::StatusOr<std::string>(const PaymentFilePlan&)>;

// What became of a booklet's passes (those this instance owns).
struct BookletPasses {
  uint32_t redeemed = 0;
  std::vector<uint64_t> voided_serials;  // in serial order
};

// A text and its Ed25519 signature by the store's statement key.
struct SignedStatement {
  std::string text;
  std::string signature;  // 64 raw bytes
  uint32_t signing_key_version = 0;
};

// What CreateProgramme needs; validated field by field.
struct ProgrammeSpec {
  std::string sponsor;
  std::string name;
  int64_t face_value_cents = 0;
  absl::Time valid_from = absl::InfinitePast();
  absl::Time valid_until = absl::InfinitePast();
  std::optional<absl::Duration> grace_period;  // default 31 days
  std::string territory;                       // optional
  // Distribution stops this long before valid_until; default 15 days.
  std::optional<absl::Duration> distribution_stop;
};

// What RegisterVenue needs; validated field by field. Every field is
// required: a venue must be payable before it is registered. A SIRET is
// registered once.
struct VenueSpec {
  std::string name;
  std::vector<uint64_t> accepted_programme_ids;
  // Territories whose programmes the venue accepts, present and future. A
  // venue needs at least one programme or territory.
  std::vector<std::string> accepted_territories;
  bool labelled = true;  // false: registered only, until LabelVenue
  std::string address;
  std::string siret;
  std::string iban;  // spaces and lower case accepted
  std::string bic;
};

// What UpdateVenue changes: the fields set, each validated as at
// registration. A venue's SIRET identifies it and never changes.
struct VenueUpdate {
  std::optional<std::string> name;
  std::optional<std::string> address;
  std::optional<std::string> iban;
  std::optional<std::string> bic;
  std::optional<std::vector<uint64_t>> accepted_programme_ids;
  std::optional<std::vector<std::string>> accepted_territories;
  std::string reason;      // required, for the history
  std::string changed_by;  // the caller
};

// Which venues ListVenues returns; unset fields select every venue.
struct VenueFilter {
  std::optional<std::string> territory;  // accepts this territory
  std::optional<uint64_t> programme_id;  // lists this programme
  std::optional<VenueStatus> status;
};

struct ClaimLineEntry {
  uint64_t seq = 0;
  ClaimLine line;
};

// 10 million passes in one issuance.
inline constexpr uint32_t kMaxBookletsPerIssue = 1'000'000;
inline constexpr size_t kMaxVenuesPerRegistration = 500'000;
// From this many passes on, an issuance is ingested as SST files.
inline constexpr uint64_t kBulkIssueThreshold = 50'000;

class PassStore {
 public:
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<PassStore>> Open(
      PassStoreOptions options);
  // Completes queued operations, then closes the database.
  ~PassStore();
  PassStore(const PassStore&) = delete;
  PassStore& operator=(const PassStore&) = delete;

  void Redeem(RedeemCommand command, RedeemCallback done);
  // Redeem for each of an upload's items: each lane gets its share of them
  // in one submission (WriterLane::SubmitAll). Each callback is called as
  // Redeem's would be.
  struct RedeemRequest {
    RedeemCommand command;
    RedeemCallback done;
  };
  void RedeemAll(std::vector<RedeemRequest> requests);
  void Cancel(CancelCommand command, CancelCallback done);

  // The pass as a redemption now would see it; `venue_id` judges the venue
  // too. NOT_FOUND is never returned: an unknown serial is `known = false`.
  [[nodiscard]] absl::StatusOr<PassStatus> Check(
      uint64_t serial, std::optional<uint64_t> venue_id) const;

  [[nodiscard]] absl::StatusOr<Programme> CreateProgramme(
      const ProgrammeSpec& spec);
  // Adds a new key to a programme: booklets issued from now on are printed
  // under it; codes printed before stay valid under their own key.
  [[nodiscard]] absl::StatusOr<Programme> RotateProgrammeKey(
      uint64_t programme_id);

  // Whether `serial` is in one of the shards this instance owns.
  bool OwnsSerial(uint64_t serial) const;
  // FAILED_PRECONDITION saying which shard `serial` is in and that another
  // instance owns it.
  absl::Status NotOwnedError(uint64_t serial) const;

  // The authenticity tag to print for `serial`; NOT_FOUND when no pass
  // with this serial was issued.
  [[nodiscard]] absl::StatusOr<uint64_t> TagFor(uint64_t serial) const;
  enum class TagCheck { kAuthentic, kCounterfeit, kNotIssued };
  // Whether `tag` is the one printed for `serial`, from memory only: no
  // disk read for a forged code.
  TagCheck CheckTag(uint64_t serial, uint64_t tag) const;

  // Extends a programme's validity by amendment: every pass of the
  // programme follows. `valid_until` must be later than the current end.
  [[nodiscard]] absl::StatusOr<Programme> ExtendProgramme(
      uint64_t programme_id, absl::Time valid_until,
      const std::string& reference);
  // Closes a programme: its passes are refused from now on.
  [[nodiscard]] absl::StatusOr<Programme> CloseProgramme(uint64_t programme_id);
  std::vector<std::shared_ptr<const Programme>> ListProgrammes() const {
    return catalog_.Programmes();
  }

  [[nodiscard]] absl::StatusOr<std::vector<Booklet>> IssueBooklets(
      uint64_t programme_id, uint32_t booklet_count, uint32_t booklet_size);
  // A venue registered with `labelled = false` redeems nothing until
  // LabelVenue.
  [[nodiscard]] absl::StatusOr<Venue> RegisterVenue(const VenueSpec& spec);
  // Registers many venues in one atomic write (onboarding a scheme's
  // venues); errors name the venue's index. Ids are consecutive.
  [[nodiscard]] absl::StatusOr<std::vector<Venue>> RegisterVenues(
      const std::vector<VenueSpec>& specs);
  // Changes a venue's name, address, payment details or accepted
  // programmes and territories, in one atomic write with one history
  // record per changed field. Batches exported from then on (including a
  // resubmitted one) pay the new account. Setting a field to its value is
  // no change and records nothing.
  struct VenueUpdated {
    Venue venue;
    std::vector<VenueChange> changes;  // this call's
  };
  [[nodiscard]] absl::StatusOr<VenueUpdated> UpdateVenue(
      uint64_t venue_id, const VenueUpdate& update);
  // The changes of a venue, oldest first.
  [[nodiscard]] absl::StatusOr<std::vector<VenueChange>> VenueHistory(
      uint64_t venue_id) const;
  // Up to `limit` venues with ids above `after_id` that `filter` selects.
  std::vector<std::shared_ptr<const Venue>> ListVenues(
      uint64_t after_id, size_t limit, const VenueFilter& filter) const;

  // Registered -> labelled; labelled -> suspended; suspended -> labelled.
  // Any other change is FAILED_PRECONDITION, saying the venue's status.
  [[nodiscard]] absl::StatusOr<Venue> LabelVenue(uint64_t venue_id);
  [[nodiscard]] absl::StatusOr<Venue> SuspendVenue(uint64_t venue_id);
  [[nodiscard]] absl::StatusOr<Venue> ReinstateVenue(uint64_t venue_id);

  // Hands a booklet to a distributor (its passes become ALLOCATED), or
  // takes it back to the sponsor's reserve. Handing out a booklet that is
  // already out, or taking back one in the reserve, is FAILED_PRECONDITION.
  [[nodiscard]] absl::StatusOr<Booklet> AllocateBooklet(
      uint64_t booklet_id, const std::string& distributor_name,
      const std::string& distributor_reference);
  [[nodiscard]] absl::StatusOr<Booklet> ReturnBooklet(uint64_t booklet_id);
  // Up to `limit` booklets with ids from `first_booklet_id` on, in id order.
  [[nodiscard]] absl::StatusOr<Booklet> ReadBooklet(uint64_t booklet_id) const;
  [[nodiscard]] absl::StatusOr<std::vector<Booklet>> ListBooklets(
      uint64_t first_booklet_id, size_t limit) const;

  // Voids one pass, or every pass of a booklet (in serial order), with a
  // reason for the journal. Waits until every voiding is durable.
  [[nodiscard]] absl::StatusOr<std::vector<VoidOutcome>> VoidPass(
      uint64_t serial, const std::string& reason);
  [[nodiscard]] absl::StatusOr<std::vector<VoidOutcome>> VoidBooklet(
      uint64_t booklet_id, const std::string& reason);

  // The programme's usage report now, from its counters (no pass is read).
  [[nodiscard]] absl::StatusOr<UsageReport> Usage(uint64_t programme_id) const;

  std::shared_ptr<const Programme> FindProgramme(uint64_t id) const {
    return catalog_.FindProgramme(id);
  }
  std::shared_ptr<const Venue> FindVenue(uint64_t id) const {
    return catalog_.FindVenue(id);
  }

  // Every claim line of a venue's batches (open and closed), by batch then
  // redemption order.
  [[nodiscard]] absl::StatusOr<std::vector<ClaimLineEntry>> ListClaimLines(
      uint64_t venue_id) const;

  // --- Clearing (pass_store_clearing.cc) ---
  // Closes the current cycle now: a new cycle opens for the redemptions to
  // come, and every batch of the closed cycle is closed, its lines final.
  // Redemptions continue meanwhile.
  [[nodiscard]] absl::StatusOr<CycleClose> CloseCycle();
  ClearingCycle CurrentCycle() const { return clearing_.cycle(); }
  // When the current cycle closes by itself.
  absl::Time CycleCutOff() const;

  // Closed batches in close order, after the position `after_close_seq`
  // (0 for the start of the log); at most `limit`.
  [[nodiscard]] absl::StatusOr<std::vector<ClaimBatch>> ListClosedBatches(
      uint64_t after_close_seq, size_t limit) const;
  // The last position of the log (0 when empty).
  uint64_t LastCloseSeq() const;
  [[nodiscard]] absl::StatusOr<ClaimBatch> ReadBatch(uint64_t batch_id) const;
  // A venue's batches, newest first; at most `limit`.
  [[nodiscard]] absl::StatusOr<std::vector<ClaimBatch>> ListVenueBatches(
      uint64_t venue_id, size_t limit) const;
  // Up to `limit` lines of a batch with seq above `after_seq`, in order.
  [[nodiscard]] absl::StatusOr<std::vector<ClaimLineEntry>> ListBatchLines(
      uint64_t batch_id, uint64_t after_seq, size_t limit) const;

  // The mandatary paid a closed batch. Again with the same reference and
  // amount: the batch as it is; with others: ALREADY_EXISTS.
  [[nodiscard]] absl::StatusOr<ClaimBatch> AcknowledgeBatch(
      uint64_t batch_id, const std::string& payment_reference,
      int64_t amount_paid_cents);
  // The mandatary could not pay a closed batch (IBAN refused, venue under
  // investigation). It can be resubmitted.
  [[nodiscard]] absl::StatusOr<ClaimBatch> RejectBatch(
      uint64_t batch_id, const std::string& reason);
  // Puts a rejected batch back in the log, at a new position.
  [[nodiscard]] absl::StatusOr<ClaimBatch> ResubmitBatch(uint64_t batch_id);

  // --- Payment files (pass_store_payments.cc) ---
  // Makes the payment file of `batch_ids` (distinct, each closed and its
  // venue with payment details) with `build`, and records it with each
  // batch in one atomic write before returning it: a batch is in one file
  // at a time, until the mandatary rejects it. Asked again for exactly the
  // batches of a file still awaiting its answer, returns that file as it
  // was (a lost answer; a bank refuses the repeated message id). A batch in
  // another pending file: FAILED_PRECONDITION naming that file.
  // `instance` (a partitioned scheme's instance name, or empty) goes into
  // the end-to-end ids, since batch ids are per instance.
  [[nodiscard]] absl::StatusOr<PaymentFile> ExportPaymentFile(
      const std::vector<uint64_t>& batch_ids, absl::string_view instance,
      const PaymentFileBuilder& build);
  [[nodiscard]] absl::StatusOr<PaymentFile> ReadPaymentFile(
      absl::string_view message_id) const;
  // This store's own id (random, made when the store was created), part
  // of every payment file's message id.
  const std::string& StoreId() const { return store_id_; }

  // --- Booklets and refunds (pass_store_booklets.cc) ---
  [[nodiscard]] absl::StatusOr<BookletPasses> CountBookletPasses(
      const Booklet& booklet) const;
  // Up to `limit` booklets of a programme with ids above
  // `after_booklet_id`, by id.
  [[nodiscard]] absl::StatusOr<std::vector<Booklet>> ListProgrammeBooklets(
      uint64_t programme_id, uint64_t after_booklet_id, size_t limit) const;
  // The signed refund statement of a closed programme (FAILED_PRECONDITION
  // while it is open), from its counters now.
  [[nodiscard]] absl::StatusOr<SignedStatement> RefundStatement(
      uint64_t programme_id) const;

  // Every statement signing key, oldest first (public halves matter).
  std::vector<SigningKey> SigningKeys() const;
  // Statements of batches closed from now on are signed with a new key.
  [[nodiscard]] absl::StatusOr<SigningKey> RotateSigningKey();

  // Operations queued in each writer lane now.
  std::vector<size_t> LaneQueueDepths() const;
  size_t writer_lane_count() const { return lanes_.size(); }
  // Writer lane `lane` serves `source` on its thread until the source ends
  // (WriterLane::ServeEventSource); WaitForLaneSource returns then.
  void ServeOnLane(size_t lane, LaneEventSource* source);
  void WaitForLaneSource(size_t lane);
  [[nodiscard]] absl::StatusOr<ClearingStats> ClearingFigures() const;

  // Stops closing batches and accepting writes, and completes the queued
  // ones. Idempotent.
  void StopWriters();

  absl::Time Now() const { return options_.clock(); }
  const Database& database() const { return *database_; }

  // Purges the history of the programmes past their retention; the
  // clearing scheduler runs it hourly.
  [[nodiscard]] absl::StatusOr<PurgeReport> PurgeExpiredHistory();

 private:
  explicit PassStore(PassStoreOptions options);
  [[nodiscard]] absl::Status LoadCounters();
  // Reads the store id and the payment file counter; makes the id once.
  [[nodiscard]] absl::Status LoadPaymentFiles();
  // The booklet's passes this instance owns: what its usage counters count
  // (the scheme's totals are the sum over the instances).
  int64_t OwnedPasses(const Booklet& booklet) const;
  // FAILED_PRECONDITION when `booklet` may not be handed out: its
  // programme is closed or past its distribution deadline, or it holds
  // voided passes.
  [[nodiscard]] absl::Status CheckDistributable(const Booklet& booklet) const;
  // Writes a booklet handed to (`passes` > 0) or taken back from
  // (`passes` < 0) `distributor`, with the usage counters that follow.
  [[nodiscard]] absl::StatusOr<Booklet> WriteAllocationLocked(
      Booklet booklet, const Distributor& distributor, int64_t passes,
      absl::string_view what) ABSL_EXCLUSIVE_LOCKS_REQUIRED(admin_mu_);
  [[nodiscard]] absl::Status WriteProgrammeLocked(const Programme& programme,
                                                  absl::string_view what)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(admin_mu_);
  [[nodiscard]] absl::StatusOr<Venue> ChangeVenueStatus(uint64_t venue_id,
                                                        VenueStatus from,
                                                        VenueStatus to);
  [[nodiscard]] absl::StatusOr<std::vector<VoidOutcome>> VoidSerials(
      uint64_t first_serial, uint32_t count, const std::string& reason);
  size_t LaneIndexFor(uint64_t serial) const;
  WriterLane& LaneFor(uint64_t serial);
  [[nodiscard]] absl::StatusOr<Venue> VenueFromSpec(
      const VenueSpec& spec) const;
  // ALREADY_EXISTS when a venue to register has the SIRET of a venue
  // registered before or of an earlier one of `venues`.
  [[nodiscard]] absl::Status CheckSiretsUnusedLocked(
      const std::vector<Venue>& venues) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(admin_mu_);
  // Gives the venues their ids and writes them in one atomic write.
  [[nodiscard]] absl::StatusOr<std::vector<Venue>> WriteNewVenues(
      std::vector<Venue> venues);

  // Clearing internals (pass_store_clearing.cc).
  [[nodiscard]] absl::Status LoadClearing();
  // Waits until every lane is done with what it decided before the call.
  void WaitForLanes();
  // Closes the batches, for good; already closed ones are skipped.
  [[nodiscard]] absl::Status CloseBatchesLocked(std::vector<uint64_t> ids,
                                                CycleClose& totals)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(clearing_mu_);
  [[nodiscard]] absl::StatusOr<CycleClose> CloseCycleLocked()
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(clearing_mu_);
  [[nodiscard]] absl::Status WriteBatchLocked(const ClaimBatch& batch,
                                              rocksdb::WriteBatch& writes,
                                              absl::string_view what)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(clearing_mu_);
  [[nodiscard]] absl::StatusOr<uint32_t> CountBatchLines(
      uint64_t batch_id) const;
  void QueueFullBatch(uint64_t batch_id);
  [[nodiscard]] absl::StatusOr<SigningKey> AddSigningKeyLocked()
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(clearing_mu_);
  // The scheduler thread: closes full batches and cycles at their cut-off.
  void RunClearingScheduler();

  const PassStoreOptions options_;
  std::unique_ptr<Database> database_;
  Catalog catalog_;
  std::atomic<uint64_t> next_seq_{1};
  InFlightRequests in_flight_;
  OperationContext operation_context_;
  std::vector<std::unique_ptr<WriterLane>> lanes_;

  // Serialises admin writes and guards the id counters they advance.
  absl::Mutex admin_mu_;
  uint64_t next_programme_id_ ABSL_GUARDED_BY(admin_mu_) = 1;
  uint64_t next_booklet_id_ ABSL_GUARDED_BY(admin_mu_) = 1;
  uint64_t next_venue_id_ ABSL_GUARDED_BY(admin_mu_) = 1;
  uint64_t next_serial_ ABSL_GUARDED_BY(admin_mu_) = 1;

  ClearingState clearing_;
  // Serialises closing and every change of a closed batch.
  mutable absl::Mutex clearing_mu_;
  std::atomic<uint64_t> last_close_seq_{0};
  std::atomic<uint64_t> batches_closed_{0};
  std::atomic<uint64_t> batches_acknowledged_{0};
  std::atomic<uint64_t> batches_rejected_{0};
  // Every log position below it holds a paid, empty or superseded batch:
  // the search for the oldest unpaid batch starts there.
  mutable absl::Mutex backlog_mu_;
  mutable uint64_t settled_below_ ABSL_GUARDED_BY(backlog_mu_) = 1;
  std::vector<SigningKey> signing_keys_ ABSL_GUARDED_BY(clearing_mu_);
  std::string store_id_;  // set once at open
  uint64_t next_payment_file_ ABSL_GUARDED_BY(clearing_mu_) = 1;
  absl::Mutex scheduler_mu_;
  absl::Mutex purge_mu_;  // one purge at a time (scheduler, tests)
  std::vector<uint64_t> full_batches_ ABSL_GUARDED_BY(scheduler_mu_);
  bool scheduler_stopping_ ABSL_GUARDED_BY(scheduler_mu_) = false;
  std::thread scheduler_;
};

}  // namespace passclear::storage

#endif  // PASSCLEAR_STORAGE_PASS_STORE_H_
