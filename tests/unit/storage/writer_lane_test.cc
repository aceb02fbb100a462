// The writer lane's contract with its operations: each is settled on the
// lane's thread before the next group is staged, answered in queue order on
// the answering thread, and a slow answer never holds up the commits.
#include "storage/writer_lane.h"

#include <memory>
#include <string>
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
  absl::Notification settled;
  absl::Notification release_answer;
  absl::Notification answered;
};

class TracedOperation : public LaneOperation {
 public:
  TracedOperation(std::string name, Trace& trace, std::shared_ptr<Probe> probe)
      : name_(std::move(name)), trace_(trace), probe_(std::move(probe)) {}

  void Stage(StagedWrites& staged) override {
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

}  // namespace
}  // namespace passclear::storage
