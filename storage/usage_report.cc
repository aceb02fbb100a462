#include "storage/usage_report.h"

#include <utility>

namespace passclear::storage {

UsageReport SummariseUsage(const Programme& programme,
                           ProgrammeCounters counters, absl::Time now) {
  UsageReport report{.as_of = now};
  report.unused = counters.issued - counters.redeemed - counters.voided;
  report.ended =
      programme.closed_at.has_value() || now > programme.accepted_until();
  if (report.ended) report.expired_unused = report.unused;
  report.redeemed_value_cents = counters.redeemed * programme.face_value_cents;
  if (programme.closed_at) {
    report.refund_due_cents =
        (counters.issued - counters.redeemed) * programme.face_value_cents;
  }
  report.counters = std::move(counters);
  return report;
}

}  // namespace passclear::storage
