// A writer lane: one thread that owns the writes of a subset of pass shards
// and commits them in groups.
//
// Every operation on a pass goes to the lane of its shard, so operations on
// one pass are decided one after the other, never concurrently: that is what
// makes "redeemed exactly once" hold without locks. The lane drains its queue
// in groups: it decides each operation of the group (seeing the earlier
// ones), writes the whole group as one WriteBatch with one WAL sync, and only
// then completes the operations. Durability costs one sync per group, not one
// per redemption.
//
//   WriterLane lane("lane-0", database, {.sync = true});
//   lane.Submit(std::make_unique<RedeemOperation>(...));
//
// A lane can also serve an event source (a gRPC completion queue of
// Redeem calls, server/redeem_call_queue.h) on its own thread, as Redis
// serves its sockets: it takes every call that has arrived, decides them,
// writes them with one sync and answers them, without handing a call from
// one thread to another. Each hand-off costs a context switch, which on
// this kind of virtual machine was the largest share of a redemption's
// server CPU.
#ifndef PASSCLEAR_STORAGE_WRITER_LANE_H_
#define PASSCLEAR_STORAGE_WRITER_LANE_H_

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "storage/database.h"
#include "storage/staged_writes.h"

namespace passclear::storage {

// One unit of work for a lane.
class LaneOperation {
 public:
  virtual ~LaneOperation() = default;
  // Decides the operation against the store as `staged` shows it and stages
  // its writes. Does every read before the first write.
  virtual void Stage(StagedWrites& staged) = 0;
  // Called on the lane's thread once the group holding the operation is
  // durable, or failed (then none of the group was written), before the
  // lane stages its next group: for in-memory effects that later
  // operations must see.
  virtual void Settle(const absl::Status& /*write_status*/) {}
  // Then called on the lane's answering thread, in queue order: answers
  // the caller while the lane already commits its next group.
  virtual void Answer() = 0;
};

// Work a lane takes from outside its queue, on its own thread.
class LaneEventSource {
 public:
  virtual ~LaneEventSource() = default;
  // Handles every event that has arrived, first waiting for one when
  // `wait`. Operations submitted to this lane meanwhile (WriterLane::Submit
  // from within Poll) join the lane's next group, in order, instead of its
  // queue, and are answered on the lane's thread. Returns false once the
  // source is shut down and has nothing left to deliver.
  virtual bool Poll(bool wait) = 0;
  // Makes a waiting Poll return soon. Called from any thread, with the
  // lane's lock held: must not call back into the lane.
  virtual void Wake() = 0;
};

struct WriterLaneOptions {
  // Sync the WAL before completing a group. False only for experiments.
  bool sync = true;
  size_t max_group_size = 512;
  // Beyond this many queued operations, Submit refuses with UNAVAILABLE so
  // that an overload shows as fast errors, not unbounded latency.
  size_t max_queue_depth = 50000;
  std::function<absl::Time()> clock = [] { return absl::Now(); };
  // Told after each group's write: how many operations it held and how long
  // the write (with its WAL sync) took. For metrics; must be cheap.
  std::function<void(size_t operations, absl::Duration write_time)>
      on_group_commit;
};

class WriterLane {
 public:
  WriterLane(std::string name, const Database& database,
             WriterLaneOptions options);
  // Stops the lane after completing every queued operation.
  ~WriterLane();
  WriterLane(const WriterLane&) = delete;
  WriterLane& operator=(const WriterLane&) = delete;

  // Queues `operation`. When the lane is full or stopped, settles and
  // answers it at once with UNAVAILABLE instead.
  void Submit(std::unique_ptr<LaneOperation> operation);
  // Queues `operations` together, in order, under one lock: the committer
  // is woken once and finds them side by side, so an upload's items share
  // groups (and WAL syncs) instead of trickling in one by one. Those beyond
  // a full lane are answered at once with UNAVAILABLE, as by Submit.
  void SubmitAll(std::vector<std::unique_ptr<LaneOperation>> operations);
  // Queues `operation` even when the lane is full: for the clearing's
  // barriers, which must not be refused under load. A stopped lane still
  // answers it at once with UNAVAILABLE.
  void SubmitBarrier(std::unique_ptr<LaneOperation> operation);

  // Serves `source` on the lane's thread, besides the queue, until its
  // Poll returns false. At most one source at a time; `source` must outlive
  // WaitForSourceEnd.
  void ServeEventSource(LaneEventSource* source);
  // Returns once the lane served its source to the end (at once without
  // one).
  void WaitForSourceEnd();

  // Commits and answers every queued operation, then ends the threads.
  // Idempotent. A served event source must have ended first.
  void Stop();

  // Operations waiting in the queue now.
  size_t QueueDepth() const;

 private:
  void Enqueue(std::unique_ptr<LaneOperation> operation, size_t max_depth);
  void Refuse(LaneOperation& operation) const;
  void Run();
  bool HasWorkOrStopping() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool SourceEnded() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Takes up to max_group_size queued operations into `group`.
  void TakeQueued(std::deque<std::unique_ptr<LaneOperation>>& group)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ServeSource(LaneEventSource& source);
  // Wakes the source if the lane may be waiting in its Poll, once per wait.
  void WakeWaitingSource() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Decides, writes and settles `group`; answers it on the answering thread
  // or, with `answer_here`, on this one.
  void CommitGroup(std::deque<std::unique_ptr<LaneOperation>>& group,
                   bool answer_here);
  void RunAnswers();
  bool HasAnswersOrCommitsEnded() const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(answers_mu_);

  const std::string name_;
  const Database& database_;
  const WriterLaneOptions options_;
  mutable absl::Mutex mu_;
  std::deque<std::unique_ptr<LaneOperation>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  LaneEventSource* source_ ABSL_GUARDED_BY(mu_) = nullptr;
  // The lane may be waiting in its source's Poll: Submit must wake it.
  bool source_waiting_ ABSL_GUARDED_BY(mu_) = false;
  // Set on the lane's thread while it polls its source: where operations
  // submitted from within the Poll go.
  std::deque<std::unique_ptr<LaneOperation>>* polled_group_ = nullptr;
  // Settled operations waiting for the answering thread. Answering (for a
  // gRPC call: serialising the response and writing it to the socket) took
  // a third of the lane's time when the lane did it between two commits.
  absl::Mutex answers_mu_;
  std::deque<std::unique_ptr<LaneOperation>> answers_
      ABSL_GUARDED_BY(answers_mu_);
  bool commits_ended_ ABSL_GUARDED_BY(answers_mu_) = false;
  std::thread answerer_;
  std::thread committer_;
};

}  // namespace passclear::storage

#endif  // PASSCLEAR_STORAGE_WRITER_LANE_H_
