// The redemption and cancellation of one pass, as writer-lane operations.
//
// Both first look up the (terminal, request id): a retry gets the stored
// answer, a reused id with different content gets ALREADY_EXISTS. Otherwise
// they judge the pass, stage one atomic set of writes (pass record, claim
// line, journal entry, stored answer) and answer once the lane has made the
// group durable.
#ifndef PASSCLEAR_STORAGE_LANE_OPERATIONS_H_
#define PASSCLEAR_STORAGE_LANE_OPERATIONS_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "storage/catalog.h"
#include "storage/clearing_state.h"
#include "storage/redemption.h"
#include "storage/writer_lane.h"

namespace passclear::storage {

// What operations share: the catalog, the journal sequence and the venues'
// open claim batches.
struct OperationContext {
  const Catalog* catalog = nullptr;
  std::atomic<uint64_t>* next_seq = nullptr;
  ClearingState* clearing = nullptr;
  absl::Duration cancel_window;
  absl::Duration answer_ttl;
  absl::Duration max_scan_age;
  bool refuse_scans_before_enrolment = false;
  // Called with a batch that a redemption found full, to be closed.
  std::function<void(uint64_t batch_id)> close_full_batch;
};

using RedeemCallback =
    absl::AnyInvocable<void(absl::StatusOr<RedeemOutcome>) &&>;
using CancelCallback =
    absl::AnyInvocable<void(absl::StatusOr<CancelOutcome>) &&>;
using VoidCallback = absl::AnyInvocable<void(absl::StatusOr<VoidOutcome>) &&>;

// The part every operation shares: decide in Stage, answer with the
// decision, or with the lane's error when the group failed or the lane
// refused the operation before staging it.
template <typename Command, typename Outcome>
class DecidingOperation : public LaneOperation {
 public:
  using Callback = absl::AnyInvocable<void(absl::StatusOr<Outcome>) &&>;

  DecidingOperation(const OperationContext& context, Command command,
                    Callback done)
      : context_(context),
        command_(std::move(command)),
        done_(std::move(done)) {}

  void Stage(StagedWrites& staged) final { outcome_ = Decide(staged); }

  void Settle(const absl::Status& write_status) final {
    if (!outcome_.has_value() || (outcome_->ok() && !write_status.ok())) {
      outcome_ = write_status;
    } else if (outcome_->ok()) {
      Committed();
    }
  }

  void Answer() final { std::move(done_)(*std::move(outcome_)); }

 protected:
  // Reads, then stages the writes of the decision. Nothing may fail after
  // the first write is staged.
  virtual absl::StatusOr<Outcome> Decide(StagedWrites& staged) = 0;
  // Runs on the lane's thread once the decision is durable, before the next
  // group is staged.
  virtual void Committed() {}

  // The answer stored for the command's request id: nullopt for a new
  // request, ALREADY_EXISTS when the id was used for another request.
  absl::StatusOr<std::optional<StoredAnswer>> EarlierAnswer(
      const StagedWrites& staged, const std::string& key,
      OperationKind operation) const;

  const OperationContext& context_;
  const Command command_;

 private:
  Callback done_;
  std::optional<absl::StatusOr<Outcome>> outcome_;  // set by Stage, Settle
};

class RedeemOperation final
    : public DecidingOperation<RedeemCommand, RedeemOutcome> {
 public:
  using DecidingOperation::DecidingOperation;

 private:
  absl::StatusOr<RedeemOutcome> Decide(StagedWrites& staged) override;
  void Committed() override;

  // Set when this redemption staged the opening of its claim batch.
  std::optional<uint64_t> opened_batch_id_;
};

class CancelOperation final
    : public DecidingOperation<CancelCommand, CancelOutcome> {
 public:
  using DecidingOperation::DecidingOperation;

 private:
  absl::StatusOr<CancelOutcome> Decide(StagedWrites& staged) override;
};

// Voiding is an admin action, naturally idempotent (voiding twice answers
// ALREADY_VOIDED), so it keeps no stored answer. It still goes through the
// pass's lane so that it never races a redemption of the same pass.
class VoidOperation final : public DecidingOperation<VoidCommand, VoidOutcome> {
 public:
  using DecidingOperation::DecidingOperation;

 private:
  absl::StatusOr<VoidOutcome> Decide(StagedWrites& staged) override;
};

}  // namespace passclear::storage

#endif  // PASSCLEAR_STORAGE_LANE_OPERATIONS_H_
