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
#include <optional>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "storage/catalog.h"
#include "storage/redemption.h"
#include "storage/writer_lane.h"

namespace passclear::storage {

// What operations share: the catalog and the journal sequence.
struct OperationContext {
  const Catalog* catalog = nullptr;
  std::atomic<uint64_t>* next_seq = nullptr;
  absl::Duration cancel_window;
};

using RedeemCallback =
    absl::AnyInvocable<void(absl::StatusOr<RedeemOutcome>) &&>;
using CancelCallback =
    absl::AnyInvocable<void(absl::StatusOr<CancelOutcome>) &&>;

class RedeemOperation final : public LaneOperation {
 public:
  RedeemOperation(const OperationContext& context, RedeemCommand command,
                  RedeemCallback done)
      : context_(context),
        command_(std::move(command)),
        done_(std::move(done)) {}

  void Stage(StagedWrites& staged) override;
  void Complete(const absl::Status& write_status) override;

 private:
  absl::StatusOr<RedeemOutcome> Decide(StagedWrites& staged);

  const OperationContext& context_;
  RedeemCommand command_;
  RedeemCallback done_;
  std::optional<absl::StatusOr<RedeemOutcome>> outcome_;  // set by Stage
};

class CancelOperation final : public LaneOperation {
 public:
  CancelOperation(const OperationContext& context, CancelCommand command,
                  CancelCallback done)
      : context_(context),
        command_(std::move(command)),
        done_(std::move(done)) {}

  void Stage(StagedWrites& staged) override;
  void Complete(const absl::Status& write_status) override;

 private:
  absl::StatusOr<CancelOutcome> Decide(StagedWrites& staged);

  const OperationContext& context_;
  CancelCommand command_;
  CancelCallback done_;
  std::optional<absl::StatusOr<CancelOutcome>> outcome_;  // set by Stage
};

}  // namespace passclear::storage

#endif  // PASSCLEAR_STORAGE_LANE_OPERATIONS_H_
