#include "clients/simulated_terminal.h"

#include <filesystem>
#include <memory>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "clients/terminal_client.h"

namespace passclear {
namespace {

// An offline terminal gives up on a call quickly: the simulated network is
// down for the whole window, and the queue is the point.
constexpr int kOfflineAttempts = 2;
constexpr absl::Duration kOfflineDeadline = absl::Milliseconds(200);
constexpr absl::Duration kOfflineBackoff = absl::Milliseconds(5);

std::string Reason(v1::RedeemResult result) {
  return std::string(
      absl::StripPrefix(v1::RedeemResult_Name(result), "REDEEM_RESULT_"));
}

// The terminal's client and what it answered, kept in `report`.
class TerminalReplay {
 public:
  TerminalReplay(const TerminalPlan& plan, const std::string& token,
                 const TerminalSetup& setup, TerminalReport& report)
      : plan_(plan), token_(token), setup_(setup), report_(report) {}

  // Replaces the client: one to the service, or one whose calls cannot
  // reach it. Null after an error (reported): the scans then fail.
  void Connect(bool reachable) {
    client_.reset();  // first: never two clients on one queue
    TerminalClientOptions options{
        .partitions = setup_.partitions,
        .token = token_,
        .venue_id = plan_.venue_id,
        .terminal_id = plan_.terminal_id,
        .offline_queue_dir =
            (std::filesystem::path(setup_.work_dir) / plan_.terminal_id)
                .string()};
    if (!reachable) {
      options.partitions = storage::PartitionMap::SingleInstance(
          setup_.unreachable_address, setup_.partitions.shard_count());
      options.deadline = kOfflineDeadline;
      options.max_attempts = kOfflineAttempts;
      options.initial_backoff = kOfflineBackoff;
    }
    absl::StatusOr<std::unique_ptr<TerminalClient>> created =
        TerminalClient::Create(std::move(options));
    if (!created.ok()) {
      report_.errors.push_back(
          absl::StrCat(plan_.terminal_id, ": ", created.status().ToString()));
      return;
    }
    client_ = *std::move(created);
  }

  void Scan(const PlannedScan& scan) {
    ++report_.scans;
    if (client_ == nullptr) {
      ++report_.failed;
      return;
    }
    absl::StatusOr<ScanOutcome> outcome = client_->Redeem(
        scan.code, scan.scanned_at, TerminalClient::NewRequestId());
    if (!outcome.ok()) {
      ++report_.failed;
      report_.errors.push_back(absl::StrCat(plan_.terminal_id, " scanning ",
                                            scan.code, ": ",
                                            outcome.status().ToString()));
    } else if (outcome->queued) {
      ++report_.queued;
    } else if (outcome->answer.result() == v1::REDEEM_RESULT_REDEEMED) {
      ++report_.redeemed_online;
      report_.redeemed_codes.push_back(scan.code);
    } else {
      ++report_.refused_online[Reason(outcome->answer.result())];
    }
  }

  void Upload() {
    if (client_ == nullptr) return;
    absl::StatusOr<UploadReport> upload = client_->UploadQueued();
    if (!upload.ok()) {
      report_.errors.push_back(absl::StrCat(
          plan_.terminal_id, " uploading: ", upload.status().ToString()));
      return;
    }
    for (const UploadedScan& uploaded : upload->answered) {
      ++report_.uploaded;
      if (uploaded.answer.result() == v1::REDEEM_RESULT_REDEEMED) {
        ++report_.redeemed_after_upload;
        report_.redeemed_codes.push_back(uploaded.scan.code);
      } else {
        ++report_.refused_after_upload[Reason(uploaded.answer.result())];
      }
    }
    for (const std::string& error : upload->errors) {
      report_.errors.push_back(
          absl::StrCat(plan_.terminal_id, " uploading: ", error));
    }
  }

  int QueuedCount() const {
    // Without a client, the queue holds what went in and did not come out
    // (it was empty at the start).
    return client_ != nullptr ? static_cast<int>(client_->QueuedCount())
                              : report_.queued - report_.uploaded;
  }

 private:
  const TerminalPlan& plan_;
  const std::string& token_;
  const TerminalSetup& setup_;
  TerminalReport& report_;
  std::unique_ptr<TerminalClient> client_;
};

}  // namespace

TerminalReport RunSimulatedTerminal(const TerminalPlan& plan,
                                    const std::string& token,
                                    const TerminalSetup& setup,
                                    StepBarrier& barrier) {
  TerminalReport report{.terminal_id = plan.terminal_id,
                        .venue_id = plan.venue_id};
  TerminalReplay replay(plan, token, setup, report);
  replay.Connect(/*reachable=*/true);
  size_t next = 0;
  for (int minute = 0; minute < kDayMinutes; ++minute) {
    if (plan.offline && minute == plan.offline->first_minute) {
      replay.Connect(/*reachable=*/false);
    } else if (plan.offline && minute == plan.offline->end_minute) {
      replay.Connect(/*reachable=*/true);
      replay.Upload();
    }
    // Every upload of this minute is answered before any scan of it.
    barrier.ArriveAndWait();
    for (; next < plan.scans.size() && plan.scans[next].minute == minute;
         ++next) {
      replay.Scan(plan.scans[next]);
    }
    // Every scan of this minute is decided before the next minute starts.
    barrier.ArriveAndWait();
  }
  // Closing time: what the service could not be reached for, even online.
  if (replay.QueuedCount() > 0) replay.Upload();
  report.still_queued = replay.QueuedCount();
  return report;
}

}  // namespace passclear
