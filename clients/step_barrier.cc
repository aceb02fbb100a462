#include "clients/step_barrier.h"

namespace passclear {

void StepBarrier::ArriveAndWait() {
  absl::MutexLock lock(&mu_);
  const uint64_t step = step_;
  if (++arrived_ == participants_) {
    arrived_ = 0;
    ++step_;
    step_done_.SignalAll();
    return;
  }
  while (step_ == step) step_done_.Wait(&mu_);
}

}  // namespace passclear
