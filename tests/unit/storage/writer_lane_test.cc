// The writer lane's contract with its operations: each is settled on the
// lane's thread before the next group is staged, answered in queue order on
// the answering thread, and a slow answer never holds up the commits. A
// lane serving an event source takes what the source submits into its next
// group and answers it on its own thread, and is woken from its source's
// wait by work queued from elsewhere.
#include "storage/writer_lane.h"

#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "storage/database.h"
#include "tests/unit/storage/temp_database.h"

namespace passclear::storage {
namespace {

// What the operations saw, in the order they saw it.
struct Trace {
  absl::Mutex mu;
  std::vector<std::string> events ABSL_GUARDED_BY(mu);

  void Add(std::string event) {
    absl::MutexLock lock(&mu);
    events.push_back(std::move(event));
  }
  std::vector<std::string> Events() {
    absl::MutexLock lock(&mu);
    return events;
  }
};

// What the test watches of one operation; outlives it (the lane destroys
// an operation once answered).
struct Probe {
  // With hold_stage, Stage tells `staging` and waits for `release_stage`:
  // the lane is then busy and its queue fills.
  bool hold_stage = false;
  absl::Notification staging;
  absl::Notification release_stage;
  absl::Notification settled;
  absl::Notification release_answer;
  absl::Notification answered;
  std::thread::id answered_on;
};

class TracedOperation : public LaneOperation {
 public:
  TracedOperation(std::string name, Trace& trace, std::shared_ptr<Probe> probe)
      : name_(std::move(name)), trace_(trace), probe_(std::move(probe)) {}

  void Stage(StagedWrites& staged) override {
    if (probe_->hold_stage) {
      probe_->staging.Notify();
      probe_->release_stage.WaitForNotification();
    }
    staged.PutJournalEntry(1, {.kind = JournalKind::kRedeemed});
    trace_.Add("stage " + name_);
  }
  void Settle(const absl::Status& write_status) override {
    trace_.Add("settle " + name_ + (write_status.ok() ? "" : " failed"));
    probe_->settled.Notify();
  }
  void Answer() override {
    probe_->release_answer.WaitForNotification();
    trace_.Add("answer " + name_);
    probe_->answered_on = std::this_thread::get_id();
    probe_->answered.Notify();
  }

 private:
  const std::string name_;
  Trace& trace_;
  const std::shared_ptr<Probe> probe_;
};

class WriterLaneTest : public TempDatabaseTest {
 protected:
  std::shared_ptr<Probe> Submit(WriterLane& lane, const std::string& name,
                                bool answer_at_once = true) {
    auto probe = std::make_shared<Probe>();
    if (answer_at_once) probe->release_answer.Notify();
    lane.Submit(std::make_unique<TracedOperation>(name, trace_, probe));
    return probe;
  }

  Trace trace_;
};

TEST_F(WriterLaneTest, SubmitAllQueuesWhatFitsAsOneGroupAndRefusesTheRest) {
  absl::Mutex mu;
  std::vector<size_t> group_sizes;
  WriterLane lane("lane-0", database(),
                  {.max_queue_depth = 3,
                   .on_group_commit = [&](size_t operations, absl::Duration) {
                     absl::MutexLock lock(&mu);
                     group_sizes.push_back(operations);
                   }});
  auto busy = std::make_shared<Probe>();
  busy->hold_stage = true;
  busy->release_answer.Notify();
  lane.Submit(std::make_unique<TracedOperation>("busy", trace_, busy));
  busy->staging.WaitForNotification();

  std::vector<std::shared_ptr<Probe>> probes;
  std::vector<std::unique_ptr<LaneOperation>> upload;
  for (const char* name : {"a", "b", "c", "d", "e"}) {
    probes.push_back(std::make_shared<Probe>());
    probes.back()->release_answer.Notify();
    upload.push_back(
        std::make_unique<TracedOperation>(name, trace_, probes.back()));
  }
  lane.SubmitAll(std::move(upload));
  // The lane holds three: d and e are refused at once, nothing decided.
  EXPECT_TRUE(probes[3]->answered.HasBeenNotified());
  EXPECT_TRUE(probes[4]->answered.HasBeenNotified());
  EXPECT_FALSE(probes[0]->settled.HasBeenNotified());

  busy->release_stage.Notify();
  for (int i = 0; i < 3; ++i) probes[i]->answered.WaitForNotification();
  lane.Stop();
  // busy's answer runs on the answering thread while a, b and c are staged:
  // its place among them is not fixed.
  std::vector<std::string> events = trace_.Events();
  std::erase(events, "answer busy");
  EXPECT_EQ(events, (std::vector<std::string>{
                        "settle d failed", "answer d", "settle e failed",
                        "answer e", "stage busy", "settle busy", "stage a",
                        "stage b", "stage c", "settle a", "settle b",
                        "settle c", "answer a", "answer b", "answer c"}));
  absl::MutexLock lock(&mu);
  EXPECT_EQ(group_sizes, (std::vector<size_t>{1, 3}))
      << "a, b and c were queued together and committed as one group";
}

TEST_F(WriterLaneTest, ASlowAnswerDoesNotHoldUpTheNextCommit) {
  WriterLane lane("lane-0", database(), {});
  std::shared_ptr<Probe> slow = Submit(lane, "a", /*answer_at_once=*/false);
  slow->settled.WaitForNotification();
  std::shared_ptr<Probe> next = Submit(lane, "b");
  // b is staged, written and settled while a's answer is still blocked.
  const bool settled_while_answering =
      next->settled.WaitForNotificationWithTimeout(absl::Seconds(10));
  EXPECT_FALSE(next->answered.HasBeenNotified());
  slow->release_answer.Notify();  // also on failure: Stop waits for it
  ASSERT_TRUE(settled_while_answering)
      << "the lane waited for an answer before committing the next group";
  next->answered.WaitForNotification();  // answered after a, in order
  EXPECT_EQ(trace_.Events(),
            (std::vector<std::string>{"stage a", "settle a", "stage b",
                                      "settle b", "answer a", "answer b"}));
}

TEST_F(WriterLaneTest, StopAnswersEveryQueuedOperation) {
  std::vector<std::shared_ptr<Probe>> probes;
  {
    WriterLane lane("lane-0", database(), {});
    for (int i = 0; i < 100; ++i) {
      probes.push_back(Submit(lane, std::to_string(i)));
    }
    lane.Stop();
    for (const std::shared_ptr<Probe>& probe : probes) {
      EXPECT_TRUE(probe->answered.HasBeenNotified());
    }
  }
  std::vector<std::string> answers;
  for (const std::string& event : trace_.Events()) {
    if (event.rfind("answer ", 0) == 0) answers.push_back(event);
  }
  ASSERT_EQ(answers.size(), 100u);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(answers[i], "answer " + std::to_string(i));
  }
}

TEST_F(WriterLaneTest, AStoppedLaneSettlesAsFailedAndAnswersAtOnce) {
  WriterLane lane("lane-0", database(), {});
  lane.Stop();
  std::shared_ptr<Probe> refused = Submit(lane, "late");
  EXPECT_TRUE(refused->answered.HasBeenNotified());
  EXPECT_EQ(trace_.Events(),
            (std::vector<std::string>{"settle late failed", "answer late"}));
}

// An event source driven by the test: each arrival it is given becomes an
// operation submitted to the lane from within Poll, as a gRPC call is.
class ScriptedSource final : public LaneEventSource {
 public:
  ScriptedSource(WriterLane& lane, Trace& trace) : lane_(lane), trace_(trace) {}

  std::shared_ptr<Probe> Arrive(const std::string& name) {
    auto probe = std::make_shared<Probe>();
    probe->release_answer.Notify();
    absl::MutexLock lock(&mu_);
    arrivals_.emplace_back(name, probe);
    return probe;
  }
  void End() {
    absl::MutexLock lock(&mu_);
    ended_ = true;
  }
  int wakes() {
    absl::MutexLock lock(&mu_);
    return wakes_;
  }
  std::thread::id polled_on() {
    absl::MutexLock lock(&mu_);
    return polled_on_;
  }
  // Returns once the lane has begun its `n`th waiting poll.
  void AwaitWaitingPolls(int n) {
    absl::MutexLock lock(&mu_);
    awaited_polls_ = n;
    mu_.Await(absl::Condition(this, &ScriptedSource::ReachedAwaitedPolls));
  }

  bool Poll(bool wait) override {
    std::deque<std::pair<std::string, std::shared_ptr<Probe>>> arrived;
    {
      absl::MutexLock lock(&mu_);
      polled_on_ = std::this_thread::get_id();
      if (wait) {
        ++waiting_polls_;
        mu_.Await(absl::Condition(this, &ScriptedSource::HasNews));
      }
      woken_ = false;
      arrived.swap(arrivals_);
      if (arrived.empty() && ended_) return false;
    }
    for (auto& [name, probe] : arrived) {
      lane_.Submit(std::make_unique<TracedOperation>(name, trace_, probe));
    }
    return true;
  }
  void Wake() override {
    absl::MutexLock lock(&mu_);
    woken_ = true;
    ++wakes_;
  }

 private:
  WriterLane& lane_;
  Trace& trace_;
  absl::Mutex mu_;
  std::deque<std::pair<std::string, std::shared_ptr<Probe>>> arrivals_
      ABSL_GUARDED_BY(mu_);
  bool woken_ ABSL_GUARDED_BY(mu_) = false;
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
  int wakes_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread::id polled_on_ ABSL_GUARDED_BY(mu_);
  int waiting_polls_ ABSL_GUARDED_BY(mu_) = 0;
  int awaited_polls_ ABSL_GUARDED_BY(mu_) = 0;

  bool HasNews() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return woken_ || ended_ || !arrivals_.empty();
  }
  bool ReachedAwaitedPolls() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return waiting_polls_ >= awaited_polls_;
  }
};

TEST_F(WriterLaneTest, ServesAnEventSourceOnItsOwnThread) {
  absl::Mutex mu;
  std::vector<size_t> group_sizes;
  WriterLane lane("lane-0", database(),
                  {.on_group_commit = [&](size_t operations, absl::Duration) {
                    absl::MutexLock lock(&mu);
                    group_sizes.push_back(operations);
                  }});
  ScriptedSource source(lane, trace_);
  std::shared_ptr<Probe> a = source.Arrive("a");
  std::shared_ptr<Probe> b = source.Arrive("b");
  lane.ServeEventSource(&source);
  b->answered.WaitForNotification();
  // Both arrivals of one poll are one group, answered where they were
  // polled: no answering thread in between.
  EXPECT_EQ(a->answered_on, source.polled_on());
  EXPECT_EQ(b->answered_on, source.polled_on());

  // Work queued from another thread wakes the lane from its source's wait,
  // and is answered on the lane's thread too.
  source.AwaitWaitingPolls(2);
  std::shared_ptr<Probe> queued = Submit(lane, "queued");
  queued->answered.WaitForNotification();
  EXPECT_GE(source.wakes(), 1);
  EXPECT_EQ(queued->answered_on, source.polled_on());

  source.End();
  source.Wake();
  lane.WaitForSourceEnd();
  // Back to its queue alone: answered on the answering thread.
  std::shared_ptr<Probe> after = Submit(lane, "after");
  after->answered.WaitForNotification();
  EXPECT_NE(after->answered_on, source.polled_on());
  lane.Stop();
  EXPECT_EQ(trace_.Events(),
            (std::vector<std::string>{
                "stage a", "stage b", "settle a", "settle b", "answer a",
                "answer b", "stage queued", "settle queued", "answer queued",
                "stage after", "settle after", "answer after"}));
  absl::MutexLock lock(&mu);
  EXPECT_EQ(group_sizes, (std::vector<size_t>{2, 1, 1}));
}

}  // namespace
}  // namespace passclear::storage
