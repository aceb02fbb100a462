// Which claim batch each venue's next claim line goes to, and the current
// clearing cycle: the in-memory side of clearing that writer lanes consult
// on every redemption and cancellation.
//
// A venue's open batch belongs to one cycle. A redemption adds its line to
// the venue's open batch, or opens a new batch when there is none, when the
// cycle moved on, or when the open batch is full (that batch must then be
// closed). A cancellation may only withdraw a line while its batch is still
// the venue's open batch in the current cycle.
//
// Closing relies on this: once the cycle (or a venue's batch) has moved on
// and every writer lane has committed what it decided before, no lane will
// ever touch the old batch again, so its lines are final.
//
//   ClearingState state(10000, count_lines);
//   ASSIGN_OR_RETURN(ClearingState::LineSlot slot, state.AddLine(venue, now));
//   ...stage the line under slot.batch_id, and slot.opened if set...
#ifndef PASSCLEAR_STORAGE_CLEARING_STATE_H_
#define PASSCLEAR_STORAGE_CLEARING_STATE_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "storage/records.h"
#include "storage/store_log.h"

namespace passclear::storage {

class ClearingState {
 public:
  // Counts the committed lines of an open batch; called once per batch
  // after a restart, when its venue is first seen.
  using LineCounter = std::function<absl::StatusOr<uint32_t>(uint64_t)>;

  ClearingState(uint32_t max_batch_lines, LineCounter count_lines)
      : max_batch_lines_(max_batch_lines),
        count_lines_(std::move(count_lines)) {}

  // Starts from what the store holds: the current cycle, the next batch id
  // and every open batch. Returns the open batches the previous stop left
  // to close: those of earlier cycles (a cycle's close that was cut short)
  // and full ones (not their venue's newest). The caller must close them;
  // once they are all closed (ForgetClosed, ForgetBatch), `log` is told.
  [[nodiscard]] std::vector<uint64_t> Load(
      const ClearingCycle& cycle, uint64_t next_batch_id,
      const std::vector<ClaimBatch>& open_batches, StoreLog* log = nullptr);

  struct LineSlot {
    uint64_t batch_id = 0;
    // Set until the batch's opening is known to be durable: its records must
    // be staged with the line (writing them twice is harmless, and a line
    // never lands in a batch whose records were lost with a failed write).
    std::optional<ClaimBatch> opened;
    // A batch this line found full: it must be closed.
    std::optional<uint64_t> full_batch_id;
  };
  [[nodiscard]] absl::StatusOr<LineSlot> AddLine(uint64_t venue_id,
                                                 absl::Time now);

  // Records that the opening of `batch_id` is durable.
  void MarkOpened(uint64_t venue_id, uint64_t batch_id);

  // Whether a line of `batch_id` may be withdrawn (the batch is still open
  // to changes); if so, counts it out.
  bool RemoveLine(uint64_t venue_id, uint64_t batch_id);

  ClearingCycle cycle() const;
  // Venues with an open batch.
  uint64_t OpenBatchCount() const;
  // Installs `next` (already durable) as the current cycle; returns the
  // batches left open in earlier ones, which the caller must close once
  // every lane has caught up.
  std::vector<uint64_t> AdvanceCycle(const ClearingCycle& next);

  // Forgets a batch that was closed, if it is still its venue's.
  void ForgetClosed(uint64_t venue_id, uint64_t batch_id);
  // Forgets a batch whose opening was never written (its group failed):
  // whichever venue holds it opens a new one.
  void ForgetBatch(uint64_t batch_id);

 private:
  struct OpenBatch {
    uint64_t batch_id = 0;
    uint64_t cycle = 0;
    absl::Time opened_at;
    bool durable = false;           // its records are known to be written
    std::optional<uint32_t> lines;  // unknown until counted after a restart
  };
  struct Shard {
    absl::Mutex mu;
    absl::flat_hash_map<uint64_t, OpenBatch> by_venue ABSL_GUARDED_BY(mu);
  };
  static ClaimBatch OpenedRecord(uint64_t venue_id, const OpenBatch& open);
  // A batch Load returned is closed (or was never written).
  void SettleLeftOpen(uint64_t batch_id);
  static constexpr size_t kShards = 64;
  Shard& ShardOf(uint64_t venue_id) { return shards_[venue_id % kShards]; }
  mutable std::array<Shard, kShards> shards_;

  const uint32_t max_batch_lines_;
  const LineCounter count_lines_;
  std::atomic<uint64_t> next_batch_id_{1};
  std::atomic<uint64_t> cycle_number_{1};
  mutable absl::Mutex cycle_mu_;
  ClearingCycle cycle_ ABSL_GUARDED_BY(cycle_mu_);

  // The batches Load returned that are not closed yet.
  absl::Mutex left_open_mu_;
  absl::flat_hash_set<uint64_t> left_open_ ABSL_GUARDED_BY(left_open_mu_);
  uint64_t left_open_of_earlier_cycles_ ABSL_GUARDED_BY(left_open_mu_) = 0;
  uint64_t left_open_full_ ABSL_GUARDED_BY(left_open_mu_) = 0;
  StoreLog* log_ ABSL_GUARDED_BY(left_open_mu_) = nullptr;
};

}  // namespace passclear::storage

#endif  // PASSCLEAR_STORAGE_CLEARING_STATE_H_
