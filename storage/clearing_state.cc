#include "storage/clearing_state.h"

#include "absl/strings/str_cat.h"

namespace passclear::storage {

std::vector<uint64_t> ClearingState::Load(
    const ClearingCycle& cycle, uint64_t next_batch_id,
    const std::vector<ClaimBatch>& open_batches, StoreLog* log) {
  {
    absl::MutexLock lock(&cycle_mu_);
    cycle_ = cycle;
  }
  cycle_number_.store(cycle.number);
  next_batch_id_.store(next_batch_id);
  std::vector<uint64_t> to_close;
  for (const ClaimBatch& batch : open_batches) {
    Shard& shard = ShardOf(batch.venue_id);
    absl::MutexLock lock(&shard.mu);
    OpenBatch& open = shard.by_venue[batch.venue_id];
    // Two open batches of one venue: the newer is the one lines go to; the
    // older (full, or of an earlier cycle) awaits its close.
    if (batch.id > open.batch_id) {
      if (open.batch_id != 0) to_close.push_back(open.batch_id);
      open = {.batch_id = batch.id,
              .cycle = batch.cycle,
              .opened_at = batch.opened_at,
              .durable = true};
    } else {
      to_close.push_back(batch.id);
    }
  }
  // A cycle's close makes the next cycle durable first: batches of an
  // earlier one still open are those the close did not reach.
  absl::flat_hash_set<uint64_t> left_open(to_close.begin(), to_close.end());
  uint64_t of_earlier_cycles = 0;
  for (const ClaimBatch& batch : open_batches) {
    if (batch.cycle >= cycle.number) continue;
    ++of_earlier_cycles;
    if (left_open.insert(batch.id).second) to_close.push_back(batch.id);
  }
  absl::MutexLock lock(&left_open_mu_);
  left_open_of_earlier_cycles_ = of_earlier_cycles;
  left_open_full_ = left_open.size() - of_earlier_cycles;
  left_open_ = std::move(left_open);
  log_ = log;
  return to_close;
}

void ClearingState::SettleLeftOpen(uint64_t batch_id) {
  absl::MutexLock lock(&left_open_mu_);
  if (left_open_.erase(batch_id) == 0 || !left_open_.empty()) return;
  if (log_ == nullptr) return;
  const uint64_t closed = left_open_of_earlier_cycles_ + left_open_full_;
  log_->Info(absl::StrCat("recovery: closed the ", closed,
                          closed == 1 ? " claim batch" : " claim batches",
                          " the previous stop left open (",
                          left_open_of_earlier_cycles_,
                          " of an earlier cycle, whose close it cut short; ",
                          left_open_full_, " full)"));
}

absl::StatusOr<ClearingState::LineSlot> ClearingState::AddLine(
    uint64_t venue_id, absl::Time now) {
  Shard& shard = ShardOf(venue_id);
  absl::MutexLock lock(&shard.mu);
  // Read under the shard lock: AdvanceCycle's scan of this shard comes after
  // (and lists the batch) or before (and this reads the new cycle).
  const uint64_t cycle = cycle_number_.load(std::memory_order_acquire);
  LineSlot slot;
  auto it = shard.by_venue.find(venue_id);
  if (it != shard.by_venue.end() && it->second.cycle == cycle) {
    OpenBatch& open = it->second;
    if (!open.lines) {
      absl::StatusOr<uint32_t> lines = count_lines_(open.batch_id);
      if (!lines.ok()) return lines.status();
      open.lines = *lines;
    }
    if (*open.lines < max_batch_lines_) {
      ++*open.lines;
      slot.batch_id = open.batch_id;
      if (!open.durable) slot.opened = OpenedRecord(venue_id, open);
      return slot;
    }
    slot.full_batch_id = open.batch_id;
  }
  // A new batch: the venue had none, its batch belongs to an earlier cycle
  // (the cycle's close takes care of it) or is full.
  const uint64_t id = next_batch_id_.fetch_add(1);
  OpenBatch& open = shard.by_venue[venue_id];
  open = {.batch_id = id, .cycle = cycle, .opened_at = now, .lines = 1};
  slot.batch_id = id;
  slot.opened = OpenedRecord(venue_id, open);
  return slot;
}

ClaimBatch ClearingState::OpenedRecord(uint64_t venue_id,
                                       const OpenBatch& open) {
  return {.id = open.batch_id,
          .venue_id = venue_id,
          .cycle = open.cycle,
          .status = BatchStatus::kOpen,
          .opened_at = open.opened_at};
}

void ClearingState::MarkOpened(uint64_t venue_id, uint64_t batch_id) {
  Shard& shard = ShardOf(venue_id);
  absl::MutexLock lock(&shard.mu);
  auto it = shard.by_venue.find(venue_id);
  if (it != shard.by_venue.end() && it->second.batch_id == batch_id) {
    it->second.durable = true;
  }
}

bool ClearingState::RemoveLine(uint64_t venue_id, uint64_t batch_id) {
  Shard& shard = ShardOf(venue_id);
  absl::MutexLock lock(&shard.mu);
  const uint64_t cycle = cycle_number_.load(std::memory_order_acquire);
  auto it = shard.by_venue.find(venue_id);
  if (it == shard.by_venue.end() || it->second.batch_id != batch_id ||
      it->second.cycle != cycle) {
    return false;
  }
  if (it->second.lines && *it->second.lines > 0) --*it->second.lines;
  return true;
}

uint64_t ClearingState::OpenBatchCount() const {
  uint64_t count = 0;
  for (Shard& shard : shards_) {
    absl::MutexLock lock(&shard.mu);
    count += shard.by_venue.size();
  }
  return count;
}

ClearingCycle ClearingState::cycle() const {
  absl::MutexLock lock(&cycle_mu_);
  return cycle_;
}

std::vector<uint64_t> ClearingState::AdvanceCycle(const ClearingCycle& next) {
  const uint64_t closing = next.number - 1;
  {
    absl::MutexLock lock(&cycle_mu_);
    cycle_ = next;
    cycle_number_.store(next.number, std::memory_order_release);
  }
  std::vector<uint64_t> left_open;
  for (Shard& shard : shards_) {
    absl::MutexLock lock(&shard.mu);
    for (const auto& [venue_id, open] : shard.by_venue) {
      if (open.cycle <= closing) left_open.push_back(open.batch_id);
    }
  }
  return left_open;
}

void ClearingState::ForgetBatch(uint64_t batch_id) {
  SettleLeftOpen(batch_id);
  for (Shard& shard : shards_) {
    absl::MutexLock lock(&shard.mu);
    for (auto it = shard.by_venue.begin(); it != shard.by_venue.end();) {
      if (it->second.batch_id == batch_id) {
        shard.by_venue.erase(it++);
      } else {
        ++it;
      }
    }
  }
}

void ClearingState::ForgetClosed(uint64_t venue_id, uint64_t batch_id) {
  SettleLeftOpen(batch_id);
  Shard& shard = ShardOf(venue_id);
  absl::MutexLock lock(&shard.mu);
  auto it = shard.by_venue.find(venue_id);
  if (it != shard.by_venue.end() && it->second.batch_id == batch_id) {
    shard.by_venue.erase(it);
  }
}

}  // namespace passclear::storage
