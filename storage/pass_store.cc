#include "storage/pass_store.h"

#include "absl/strings/str_cat.h"
#include "storage/code_tag.h"
#include "storage/key_codec.h"
#include "storage/record_codec.h"
#include "storage/redeem_rules.h"
#include "storage/rocksdb_status.h"
#include "storage/status_macros.h"

namespace passclear::storage {
namespace {

// Claims the command's (terminal, request id) for the time it is in a lane.
// Returns the callback to hand to the lane, which releases the claim before
// answering; or nullptr after answering an error itself (an invalid id,
// or ALREADY_EXISTS).
template <typename Outcome>
absl::AnyInvocable<void(absl::StatusOr<Outcome>) &&> ClaimRequest(
    InFlightRequests& in_flight, const std::string& terminal_id,
    const std::string& request_id, const RequestContent& content,
    absl::AnyInvocable<void(absl::StatusOr<Outcome>) &&> done) {
  // The server checks these too; the store keeps its key layout safe by
  // itself (a length prefix is one byte).
  for (auto [field, value] : {std::pair{"terminal_id", &terminal_id},
                              std::pair{"request_id", &request_id}}) {
    if (value->empty() || value->size() > kMaxIdLength) {
      std::move(done)(absl::InvalidArgumentError(
          absl::StrCat(field, ": must have 1 to ", kMaxIdLength,
                       " characters, got ", value->size())));
      return nullptr;
    }
  }
  std::string key = IdempotencyKey(terminal_id, request_id);
  if (!in_flight.TryClaim(key, content)) {
    std::move(done)(absl::AlreadyExistsError(absl::StrCat(
        "request_id '", request_id,
        "' is in use by a concurrent request of this terminal for another "
        "pass or operation; use a new request_id for a new request")));
    return nullptr;
  }
  return [&in_flight, key = std::move(key),
          done = std::move(done)](absl::StatusOr<Outcome> outcome) mutable {
    in_flight.Release(key);
    std::move(done)(std::move(outcome));
  };
}

}  // namespace

PassStore::PassStore(PassStoreOptions options)
    : options_(std::move(options)),
      clearing_(options_.max_batch_lines, [this](uint64_t batch_id) {
        return CountBatchLines(batch_id);
      }) {}

absl::StatusOr<std::unique_ptr<PassStore>> PassStore::Open(
    PassStoreOptions options) {
  if (options.writer_lanes == 0 || options.writer_lanes > options.shard_count) {
    return absl::InvalidArgumentError(
        absl::StrCat("writer lanes must be between 1 and the shard count (",
                     options.shard_count, "), got ", options.writer_lanes));
  }
  if (options.first_owned_shard > options.last_owned_shard ||
      options.first_owned_shard >= options.shard_count) {
    return absl::InvalidArgumentError(
        absl::StrCat("owned shards ", options.first_owned_shard, "-",
                     options.last_owned_shard, " are not a range of the ",
                     options.shard_count, " shards"));
  }
  if (options.history_retention <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the history retention must be positive, got ",
                     absl::FormatDuration(options.history_retention)));
  }
  if (options.answer_ttl < options.cancel_window) {
    return absl::InvalidArgumentError(absl::StrCat(
        "stored answers must be kept at least as long as the cancel window (",
        absl::FormatDuration(options.cancel_window), "), got ",
        absl::FormatDuration(options.answer_ttl)));
  }
  auto store = std::unique_ptr<PassStore>(new PassStore(std::move(options)));
  const PassStoreOptions& opts = store->options_;
  ASSIGN_OR_RETURN(
      store->database_,
      Database::Open({.path = opts.path,
                      .shard_count = opts.shard_count,
                      .block_cache_bytes = opts.block_cache_bytes,
                      .min_free_disk_bytes = opts.min_free_disk_bytes,
                      .answer_ttl = opts.answer_ttl,
                      .clock = opts.clock}));
  RETURN_IF_ERROR(store->catalog_.Load(*store->database_));
  RETURN_IF_ERROR(store->LoadCounters());
  RETURN_IF_ERROR(store->LoadClearing());
  RETURN_IF_ERROR(store->LoadPaymentFiles());
  PassStore* raw = store.get();
  store->operation_context_ = {
      .catalog = &store->catalog_,
      .next_seq = &store->next_seq_,
      .clearing = &store->clearing_,
      .cancel_window = opts.cancel_window,
      .answer_ttl = opts.answer_ttl,
      .max_scan_age = opts.max_scan_age,
      .refuse_scans_before_enrolment = opts.refuse_scans_before_enrolment,
      .close_full_batch = [raw](uint64_t id) { raw->QueueFullBatch(id); }};
  for (uint32_t lane = 0; lane < opts.writer_lanes; ++lane) {
    store->lanes_.push_back(std::make_unique<WriterLane>(
        absl::StrCat("lane-", lane), *store->database_,
        WriterLaneOptions{.sync = opts.sync_writes,
                          .max_group_size = opts.max_group_size,
                          .max_queue_depth = opts.max_queue_depth,
                          .clock = opts.clock,
                          .on_group_commit = opts.on_group_commit}));
  }
  store->scheduler_ = std::thread([raw] { raw->RunClearingScheduler(); });
  return store;
}

PassStore::~PassStore() { StopWriters(); }

void PassStore::StopWriters() {
  {
    absl::MutexLock lock(&scheduler_mu_);
    scheduler_stopping_ = true;
  }
  if (scheduler_.joinable()) scheduler_.join();
  for (auto& lane : lanes_) lane->Stop();
}

absl::Status PassStore::LoadCounters() {
  ASSIGN_OR_RETURN(uint64_t next_seq,
                   NextIdAfterLast(*database_, FixedFamily::kJournal));
  next_seq_.store(next_seq);
  absl::MutexLock lock(&admin_mu_);
  struct Counter {
    const char* key;
    uint64_t* value;
  };
  for (Counter counter : {Counter{kMetaNextProgrammeId, &next_programme_id_},
                          Counter{kMetaNextBookletId, &next_booklet_id_},
                          Counter{kMetaNextVenueId, &next_venue_id_},
                          Counter{kMetaNextSerial, &next_serial_}}) {
    std::string bytes;
    rocksdb::Status status =
        database_->db()->Get(rocksdb::ReadOptions(), counter.key, &bytes);
    if (status.IsNotFound()) continue;  // a new store starts at 1
    RETURN_IF_ERROR(FromRocksDb(status, absl::StrCat("reading ", counter.key)));
    ASSIGN_OR_RETURN(*counter.value, DecodeMetaNumber(bytes));
  }
  return absl::OkStatus();
}

std::vector<size_t> PassStore::LaneQueueDepths() const {
  std::vector<size_t> depths;
  for (const auto& lane : lanes_) depths.push_back(lane->QueueDepth());
  return depths;
}

void PassStore::ServeOnLane(size_t lane, LaneEventSource* source) {
  lanes_.at(lane)->ServeEventSource(source);
}

void PassStore::WaitForLaneSource(size_t lane) {
  lanes_.at(lane)->WaitForSourceEnd();
}

bool PassStore::OwnsSerial(uint64_t serial) const {
  const uint32_t shard = ShardOfSerial(serial, options_.shard_count);
  return shard >= options_.first_owned_shard &&
         shard <= options_.last_owned_shard;
}

absl::Status PassStore::NotOwnedError(uint64_t serial) const {
  const uint32_t shard = ShardOfSerial(serial, options_.shard_count);
  const std::string owner =
      options_.partition_map.has_value()
          ? absl::StrCat("instance '",
                         options_.partition_map->OwnerOfSerial(serial).name,
                         "' at ",
                         options_.partition_map->OwnerOfSerial(serial).address)
          : "another instance";
  return absl::FailedPreconditionError(absl::StrCat(
      "pass ", FormatSerial(serial), " is in shard ", shard, ", which ", owner,
      " owns (this one owns shards ", options_.first_owned_shard, "-",
      std::min(options_.last_owned_shard, options_.shard_count - 1), " of ",
      options_.shard_count, "): send it there"));
}

size_t PassStore::LaneIndexFor(uint64_t serial) const {
  return ShardOfSerial(serial, options_.shard_count) % lanes_.size();
}

WriterLane& PassStore::LaneFor(uint64_t serial) {
  return *lanes_[LaneIndexFor(serial)];
}

void PassStore::Redeem(RedeemCommand command, RedeemCallback done) {
  RedeemCallback claimed = ClaimRequest<RedeemOutcome>(
      in_flight_, command.terminal_id, command.request_id,
      {.operation = OperationKind::kRedeem,
       .serial = command.serial,
       .venue_id = command.venue_id},
      std::move(done));
  if (!claimed) return;
  WriterLane& lane = LaneFor(command.serial);
  lane.Submit(std::make_unique<RedeemOperation>(
      operation_context_, std::move(command), std::move(claimed)));
}

void PassStore::RedeemAll(std::vector<RedeemRequest> requests) {
  std::vector<std::vector<std::unique_ptr<LaneOperation>>> per_lane(
      lanes_.size());
  for (RedeemRequest& request : requests) {
    RedeemCommand& command = request.command;
    RedeemCallback claimed = ClaimRequest<RedeemOutcome>(
        in_flight_, command.terminal_id, command.request_id,
        {.operation = OperationKind::kRedeem,
         .serial = command.serial,
         .venue_id = command.venue_id},
        std::move(request.done));
    if (!claimed) continue;
    const size_t lane = LaneIndexFor(command.serial);
    per_lane[lane].push_back(std::make_unique<RedeemOperation>(
        operation_context_, std::move(command), std::move(claimed)));
  }
  for (size_t lane = 0; lane < lanes_.size(); ++lane) {
    if (!per_lane[lane].empty())
      lanes_[lane]->SubmitAll(std::move(per_lane[lane]));
  }
}

void PassStore::Cancel(CancelCommand command, CancelCallback done) {
  CancelCallback claimed = ClaimRequest<CancelOutcome>(
      in_flight_, command.terminal_id, command.request_id,
      {.operation = OperationKind::kCancel,
       .serial = command.serial,
       .venue_id = command.venue_id},
      std::move(done));
  if (!claimed) return;
  WriterLane& lane = LaneFor(command.serial);
  lane.Submit(std::make_unique<CancelOperation>(
      operation_context_, std::move(command), std::move(claimed)));
}

absl::StatusOr<uint64_t> PassStore::TagFor(uint64_t serial) const {
  std::optional<Issuance> issuance = catalog_.FindIssuance(serial);
  std::shared_ptr<const Programme> programme =
      issuance ? catalog_.FindProgramme(issuance->programme_id) : nullptr;
  if (programme == nullptr) {
    return absl::NotFoundError(absl::StrCat(
        "no pass with serial ", FormatSerial(serial), " was issued"));
  }
  for (const ProgrammeKey& key : programme->keys) {
    if (key.version == issuance->key_version) {
      return CodeTag(key.secret, serial);
    }
  }
  return absl::DataLossError(absl::StrCat(
      "programme ", programme->id, " lacks key version ", issuance->key_version,
      " of the issuance holding serial ", FormatSerial(serial)));
}

PassStore::TagCheck PassStore::CheckTag(uint64_t serial, uint64_t tag) const {
  absl::StatusOr<uint64_t> expected = TagFor(serial);
  if (!expected.ok()) return TagCheck::kNotIssued;
  return *expected == tag ? TagCheck::kAuthentic : TagCheck::kCounterfeit;
}

absl::StatusOr<PassStatus> PassStore::Check(
    uint64_t serial, std::optional<uint64_t> venue_id) const {
  PassStatus status{.serial = serial};
  std::string bytes;
  rocksdb::Status read = database_->db()->Get(rocksdb::ReadOptions(),
                                              database_->PassFamily(serial),
                                              PassKey(serial), &bytes);
  std::shared_ptr<const Programme> programme;
  if (!read.IsNotFound()) {
    RETURN_IF_ERROR(FromRocksDb(read, "reading a pass"));
    ASSIGN_OR_RETURN(status.pass, DecodePass(bytes));
    programme = catalog_.FindProgramme(status.pass.programme_id);
    status.known = programme != nullptr;
    if (programme) status.programme = *programme;
    ASSIGN_OR_RETURN(Booklet booklet, ReadBooklet(status.pass.booklet_id));
    status.distributor = std::move(booklet.distributor);
    if (status.pass.redemption) {
      ASSIGN_OR_RETURN(ClaimBatch batch,
                       ReadBatch(status.pass.redemption->batch_id));
      status.batch_status = batch.status;
    }
  }
  std::shared_ptr<const Venue> venue =
      venue_id ? catalog_.FindVenue(*venue_id) : nullptr;
  const absl::Time now = Now();
  Verdict verdict =
      JudgeRedemption({.serial = serial,
                       .pass = status.known ? &status.pass : nullptr,
                       .programme = programme.get(),
                       .judge_venue = venue_id.has_value(),
                       .venue_id = venue_id.value_or(0),
                       .venue = venue.get(),
                       .scanned_at = now,
                       .now = now});
  status.redeemable_result = verdict.result;
  status.message = std::move(verdict.message);
  return status;
}

absl::StatusOr<std::vector<ClaimLineEntry>> PassStore::ListClaimLines(
    uint64_t venue_id) const {
  ASSIGN_OR_RETURN(std::vector<ClaimBatch> batches,
                   ListVenueBatches(venue_id, SIZE_MAX));
  std::vector<ClaimLineEntry> entries;
  for (auto batch = batches.rbegin(); batch != batches.rend(); ++batch) {
    ASSIGN_OR_RETURN(std::vector<ClaimLineEntry> lines,
                     ListBatchLines(batch->id, 0, SIZE_MAX));
    entries.insert(entries.end(), lines.begin(), lines.end());
  }
  return entries;
}

}  // namespace passclear::storage
