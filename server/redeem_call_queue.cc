#include "server/redeem_call_queue.h"

#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "grpc/support/time.h"
#include "grpcpp/alarm.h"

namespace passclear {
namespace {

// Calls asked for ahead on each queue: a burst of this many arrivals is
// taken without waiting for a request to be renewed.
constexpr int kCallsAskedAhead = 256;
// Events handled in one Poll, so that a flood of arrivals still reaches the
// disk in groups of bounded size.
constexpr int kEventsPerPoll = 512;

}  // namespace

// One lane's queue: what the lane polls (storage::LaneEventSource).
class RedeemCallQueues::LaneQueue final : public storage::LaneEventSource {
 public:
  LaneQueue(RedemptionService& service,
            std::unique_ptr<grpc::ServerCompletionQueue> queue)
      : service_(service), queue_(std::move(queue)) {}

  void AskForCalls() {
    for (int i = 0; i < kCallsAskedAhead; ++i) AskForCall();
  }

  bool Poll(bool wait) override {
    gpr_timespec deadline = wait ? gpr_inf_future(GPR_CLOCK_REALTIME)
                                 : gpr_inf_past(GPR_CLOCK_REALTIME);
    for (int events = 0; events < kEventsPerPoll; ++events) {
      void* tag = nullptr;
      bool ok = false;
      switch (queue_->AsyncNext(&tag, &ok, deadline)) {
        case grpc::CompletionQueue::SHUTDOWN:
          return false;
        case grpc::CompletionQueue::TIMEOUT:
          return true;
        case grpc::CompletionQueue::GOT_EVENT:
          break;
      }
      if (tag == &wake_tag_) {
        absl::MutexLock lock(&mu_);
        wake_set_ = false;
      } else {
        static_cast<Call*>(tag)->Proceed(ok);
      }
      // Only what has arrived already: a past deadline polls without
      // waiting (a deadline of "now" is rounded up to the next millisecond).
      deadline = gpr_inf_past(GPR_CLOCK_REALTIME);
    }
    return true;
  }

  void Wake() override {
    absl::MutexLock lock(&mu_);
    if (shut_down_ || wake_set_) return;
    wake_set_ = true;
    wake_.Set(queue_.get(), gpr_inf_past(GPR_CLOCK_REALTIME), &wake_tag_);
  }

  // After the server's shutdown: no call is asked for any more, and Poll
  // answers false once the queue is drained.
  void Shutdown() {
    absl::MutexLock lock(&mu_);
    shut_down_ = true;
    queue_->Shutdown();
  }

 private:
  // One Redeem call, from its arrival to the end of its answer.
  class Call {
   public:
    explicit Call(LaneQueue& lane) : lane_(lane), writer_(&context_) {
      lane_.service_.RequestRedeem(&context_, &request_, &writer_,
                                   lane_.queue_.get(), lane_.queue_.get(),
                                   this);
    }

    void Proceed(bool ok) {
      if (answered_ || !ok) {  // answered, or asked for in vain (shutdown)
        delete this;
        return;
      }
      lane_.AskForCall();
      lane_.service_.HandleRedeem(context_, request_, &response_,
                                  [this](const grpc::Status& status) {
                                    answered_ = true;
                                    writer_.Finish(response_, status, this);
                                  });
    }

   private:
    LaneQueue& lane_;
    grpc::ServerContext context_;
    v1::RedeemRequest request_;
    v1::RedeemResponse response_;
    grpc::ServerAsyncResponseWriter<v1::RedeemResponse> writer_;
    bool answered_ = false;
  };

  void AskForCall() {
    absl::MutexLock lock(&mu_);
    if (!shut_down_) new Call(*this);
  }

  RedemptionService& service_;
  std::unique_ptr<grpc::ServerCompletionQueue> queue_;
  absl::Mutex mu_;
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
  // Wakes a waiting Poll when another thread queued work for the lane.
  grpc::Alarm wake_ ABSL_GUARDED_BY(mu_);
  bool wake_set_ ABSL_GUARDED_BY(mu_) = false;
  char wake_tag_ = 0;
};

RedeemCallQueues::RedeemCallQueues(RedemptionService& service,
                                   storage::PassStore& store,
                                   grpc::ServerBuilder& builder)
    : store_(store) {
  for (size_t lane = 0; lane < store.writer_lane_count(); ++lane) {
    queues_.push_back(
        std::make_unique<LaneQueue>(service, builder.AddCompletionQueue()));
  }
}

RedeemCallQueues::~RedeemCallQueues() { Shutdown(); }

void RedeemCallQueues::Start() {
  for (size_t lane = 0; lane < queues_.size(); ++lane) {
    queues_[lane]->AskForCalls();
    store_.ServeOnLane(lane, queues_[lane].get());
  }
  started_ = true;
}

void RedeemCallQueues::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  for (auto& queue : queues_) queue->Shutdown();
  if (!started_) {
    // Never served: drain the queues here.
    for (auto& queue : queues_) {
      while (queue->Poll(/*wait=*/true)) {
      }
    }
    return;
  }
  for (size_t lane = 0; lane < queues_.size(); ++lane) {
    store_.WaitForLaneSource(lane);
  }
}

}  // namespace passclear
