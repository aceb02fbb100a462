// Keeps threads in step: each call returns once every participating thread
// has made as many calls. The scanner simulator passes it at each step of
// its simulated day, so that whatever a terminal did at one step is done
// before any terminal starts the next, whatever the threads' speeds: the
// replay's outcome follows from its plan, not from scheduling.
//
//   StepBarrier barrier(terminals.size());
//   ... on each terminal's thread:
//   for (int step = 0; step < kSteps; ++step) {
//     DoStep(step);
//     barrier.ArriveAndWait();
//   }
//
// Unlike absl::Barrier it can be passed any number of times.
#ifndef PASSCLEAR_CLIENTS_STEP_BARRIER_H_
#define PASSCLEAR_CLIENTS_STEP_BARRIER_H_

#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace passclear {

class StepBarrier {
 public:
  explicit StepBarrier(int participants) : participants_(participants) {}
  StepBarrier(const StepBarrier&) = delete;
  StepBarrier& operator=(const StepBarrier&) = delete;

  void ArriveAndWait();

 private:
  const int participants_;
  absl::Mutex mu_;
  int arrived_ ABSL_GUARDED_BY(mu_) = 0;
  // Counts the steps completed: a waiter leaves when it moves on, even if
  // the fastest thread has already arrived at the next step.
  uint64_t step_ ABSL_GUARDED_BY(mu_) = 0;
  absl::CondVar step_done_;
};

}  // namespace passclear

#endif  // PASSCLEAR_CLIENTS_STEP_BARRIER_H_
