#include "storage/writer_lane.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace passclear::storage {

WriterLane::WriterLane(std::string name, const Database& database,
                       WriterLaneOptions options)
    : name_(std::move(name)),
      database_(database),
      options_(std::move(options)),
      answerer_([this] { RunAnswers(); }),
      committer_([this] { Run(); }) {}

WriterLane::~WriterLane() { Stop(); }

void WriterLane::Submit(std::unique_ptr<LaneOperation> operation) {
  Enqueue(std::move(operation), options_.max_queue_depth);
}

void WriterLane::SubmitBarrier(std::unique_ptr<LaneOperation> operation) {
  Enqueue(std::move(operation), SIZE_MAX);
}

void WriterLane::SubmitAll(
    std::vector<std::unique_ptr<LaneOperation>> operations) {
  auto refused = operations.begin();
  {
    absl::MutexLock lock(&mu_);
    for (; refused != operations.end(); ++refused) {
      if (stopping_ || queue_.size() >= options_.max_queue_depth) break;
      queue_.push_back(std::move(*refused));
    }
    if (refused != operations.begin()) WakeWaitingSource();
  }
  for (; refused != operations.end(); ++refused) Refuse(**refused);
}

void WriterLane::Enqueue(std::unique_ptr<LaneOperation> operation,
                         size_t max_depth) {
  // Only the lane's own thread reads polled_group_.
  if (std::this_thread::get_id() == committer_.get_id() &&
      polled_group_ != nullptr) {
    polled_group_->push_back(std::move(operation));
    return;
  }
  {
    absl::MutexLock lock(&mu_);
    if (!stopping_ && queue_.size() < max_depth) {
      queue_.push_back(std::move(operation));
      WakeWaitingSource();
      return;
    }
  }
  Refuse(*operation);
}

void WriterLane::WakeWaitingSource() {
  if (!source_waiting_) return;
  source_waiting_ = false;
  // Under mu_: the source may end, and be destroyed, as soon as the lane
  // has let go of it.
  source_->Wake();
}

void WriterLane::Refuse(LaneOperation& operation) const {
  operation.Settle(absl::UnavailableError(
      absl::StrCat("writer ", name_,
                   " is overloaded or shutting down; nothing was "
                   "decided, retry with the same request_id")));
  operation.Answer();
}

void WriterLane::ServeEventSource(LaneEventSource* source) {
  absl::MutexLock lock(&mu_);
  source_ = source;
}

bool WriterLane::SourceEnded() const { return source_ == nullptr; }

void WriterLane::WaitForSourceEnd() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(this, &WriterLane::SourceEnded));
}

void WriterLane::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (committer_.joinable()) committer_.join();
  {
    absl::MutexLock lock(&answers_mu_);
    commits_ended_ = true;
  }
  if (answerer_.joinable()) answerer_.join();
}

size_t WriterLane::QueueDepth() const {
  absl::MutexLock lock(&mu_);
  return queue_.size();
}

bool WriterLane::HasWorkOrStopping() const {
  return stopping_ || !queue_.empty() || source_ != nullptr;
}

void WriterLane::TakeQueued(std::deque<std::unique_ptr<LaneOperation>>& group) {
  if (group.empty() && queue_.size() <= options_.max_group_size) {
    group.swap(queue_);
    return;
  }
  const size_t room =
      options_.max_group_size - std::min(options_.max_group_size, group.size());
  auto end = queue_.begin() +
             static_cast<std::ptrdiff_t>(std::min(room, queue_.size()));
  std::move(queue_.begin(), end, std::back_inserter(group));
  queue_.erase(queue_.begin(), end);
}

void WriterLane::Run() {
  std::deque<std::unique_ptr<LaneOperation>> group;
  while (true) {
    LaneEventSource* source = nullptr;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &WriterLane::HasWorkOrStopping));
      source = source_;
      if (source == nullptr) {
        if (queue_.empty()) return;  // stopping, and everything is done
        TakeQueued(group);
      }
    }
    if (source != nullptr) {
      ServeSource(*source);
      continue;
    }
    CommitGroup(group, /*answer_here=*/false);
    group.clear();
  }
}

void WriterLane::ServeSource(LaneEventSource& source) {
  std::deque<std::unique_ptr<LaneOperation>> group;
  bool open = true;
  while (open) {
    bool wait;
    {
      absl::MutexLock lock(&mu_);
      TakeQueued(group);
      wait = group.empty();
      source_waiting_ = wait;
    }
    polled_group_ = &group;
    open = source.Poll(wait);
    polled_group_ = nullptr;
    {
      absl::MutexLock lock(&mu_);
      source_waiting_ = false;
      TakeQueued(group);
    }
    if (!group.empty()) CommitGroup(group, /*answer_here=*/true);
    group.clear();
  }
  absl::MutexLock lock(&mu_);
  source_ = nullptr;
}

void WriterLane::CommitGroup(std::deque<std::unique_ptr<LaneOperation>>& group,
                             bool answer_here) {
  StagedWrites staged(database_, options_.clock());
  for (auto& operation : group) operation->Stage(staged);
  absl::Status status = absl::OkStatus();
  if (staged.write_count() > 0) {
    rocksdb::WriteOptions write_options;
    write_options.sync = options_.sync;
    const absl::Time start = absl::Now();
    status = staged.Commit(write_options);
    if (options_.on_group_commit) {
      options_.on_group_commit(group.size(), absl::Now() - start);
    }
  }
  for (auto& operation : group) operation->Settle(status);
  if (answer_here) {
    for (auto& operation : group) operation->Answer();
    return;
  }
  absl::MutexLock lock(&answers_mu_);
  std::move(group.begin(), group.end(), std::back_inserter(answers_));
}

bool WriterLane::HasAnswersOrCommitsEnded() const {
  return commits_ended_ || !answers_.empty();
}

void WriterLane::RunAnswers() {
  std::deque<std::unique_ptr<LaneOperation>> settled;
  while (true) {
    {
      absl::MutexLock lock(&answers_mu_);
      answers_mu_.Await(
          absl::Condition(this, &WriterLane::HasAnswersOrCommitsEnded));
      if (answers_.empty()) return;  // every commit is answered
      settled.swap(answers_);
    }
    for (auto& operation : settled) operation->Answer();
    settled.clear();
  }
}

}  // namespace passclear::storage
