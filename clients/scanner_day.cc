#include "clients/scanner_day.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <utility>

#include "absl/random/distributions.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"

namespace passclear {
namespace {

constexpr absl::Duration kOpening = absl::Hours(8);
constexpr absl::Duration kClosing = absl::Hours(20);

// A std engine: the same seed gives the same plan on every machine running
// the same build (absl::BitGen promises no sequence for a seed).
using Random = std::mt19937_64;

// The lunch-time peak: this share of the scans gathers around 12:30, give
// or take 45 minutes; the rest spread over the opening hours.
constexpr double kLunchShare = 0.4;
constexpr double kLunchMinute = 4.5 * 60;
constexpr double kLunchSpread = 45;

// How long a terminal stays offline, and when it may go: not in the first
// or the last half hour, so that it scans on both sides of its window.
constexpr int kShortestOffline = 60;
constexpr int kLongestOffline = 180;
constexpr int kOfflineMargin = 30;

double ScanMinute(Random& random) {
  if (absl::Bernoulli(random, kLunchShare)) {
    for (;;) {
      const double minute = absl::Gaussian(random, kLunchMinute, kLunchSpread);
      if (minute >= 0 && minute < kDayMinutes) return minute;
    }
  }
  return absl::Uniform(random, 0.0, static_cast<double>(kDayMinutes));
}

absl::Status CheckOptions(const DayOptions& options) {
  if (options.venue_ids.empty()) {
    return absl::InvalidArgumentError("venues: at least one venue");
  }
  if (options.terminals < 1) {
    return absl::InvalidArgumentError("terminals: at least 1");
  }
  if (options.scans < 0) {
    return absl::InvalidArgumentError("scans: not negative");
  }
  if (!(options.duplicate_share >= 0 && options.duplicate_share < 1)) {
    return absl::InvalidArgumentError("duplicate_share: from 0 to below 1");
  }
  if (options.offline_terminals < 0 ||
      options.offline_terminals > options.terminals) {
    return absl::InvalidArgumentError(
        absl::StrCat("offline_terminals: 0 to terminals (", options.terminals,
                     "), got ", options.offline_terminals));
  }
  if (options.closing <= options.opening) {
    return absl::InvalidArgumentError("the day closes before it opens");
  }
  return absl::OkStatus();
}

std::vector<TerminalPlan> PlanTerminals(const DayOptions& options,
                                        Random& random) {
  std::vector<TerminalPlan> terminals(options.terminals);
  const int venues = static_cast<int>(options.venue_ids.size());
  for (int i = 0; i < options.terminals; ++i) {
    terminals[i].venue_id = options.venue_ids[i % venues];
    terminals[i].terminal_id =
        absl::StrCat("sim-", terminals[i].venue_id, "-", i / venues + 1);
  }
  std::vector<int> order(options.terminals);
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), random);
  for (int i = 0; i < options.offline_terminals; ++i) {
    const int length = absl::Uniform(absl::IntervalClosed, random,
                                     kShortestOffline, kLongestOffline);
    const int first =
        absl::Uniform(absl::IntervalClosed, random, kOfflineMargin,
                      kDayMinutes - kOfflineMargin - length);
    terminals[order[i]].offline =
        OfflineWindow{.first_minute = first, .end_minute = first + length};
  }
  return terminals;
}

// When each scan happens and where, in time order; which scans present a
// code again.
struct Draw {
  double minute;
  int terminal;
  bool duplicate = false;
};

std::vector<Draw> DrawScans(const DayOptions& options, Random& random) {
  std::vector<Draw> draws(options.scans);
  for (Draw& draw : draws) {
    draw.minute = ScanMinute(random);
    draw.terminal = absl::Uniform(random, 0, options.terminals);
  }
  std::sort(draws.begin(), draws.end(),
            [](const Draw& a, const Draw& b) { return a.minute < b.minute; });
  // The share exactly, not a coin tossed per scan (PlanDay makes a scan
  // with nothing presented elsewhere before it present a fresh code).
  std::vector<int> order(options.scans);
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), random);
  const int duplicates =
      static_cast<int>(std::lround(options.scans * options.duplicate_share));
  for (int i = 0; i < duplicates; ++i) draws[order[i]].duplicate = true;
  return draws;
}

}  // namespace

absl::Status SetOpeningHours(absl::string_view day, absl::Time now,
                             DayOptions& options) {
  const absl::TimeZone utc = absl::UTCTimeZone();
  absl::Time midnight;
  if (day.empty()) {
    const absl::CivilDay today = absl::ToCivilDay(now, utc);
    midnight = absl::FromCivil(today, utc);
    if (now < midnight + kOpening) midnight = absl::FromCivil(today - 1, utc);
  } else if (std::string error;
             !absl::ParseTime("%Y-%m-%d", day, utc, &midnight, &error)) {
    return absl::InvalidArgumentError(
        absl::StrCat("day: '", day, "' is not YYYY-MM-DD: ", error));
  }
  options.opening = midnight + kOpening;
  options.closing = std::min(midnight + kClosing, now);
  if (options.closing <= options.opening) {
    return absl::InvalidArgumentError(
        absl::StrCat("day: ", day,
                     " opens at 08:00 UTC, which is still to "
                     "come"));
  }
  return absl::OkStatus();
}

absl::Time MinuteStart(const DayOptions& options, double minute) {
  return options.opening +
         (options.closing - options.opening) * (minute / kDayMinutes);
}

absl::StatusOr<DayPlan> PlanDay(const DayOptions& options,
                                std::vector<std::string> codes) {
  if (absl::Status checked = CheckOptions(options); !checked.ok()) {
    return checked;
  }
  Random random(options.seed);
  DayPlan plan{.terminals = PlanTerminals(options, random)};
  std::shuffle(codes.begin(), codes.end(), random);

  const std::vector<Draw> draws = DrawScans(options, random);

  // The first presentations so far, in time order; those of minutes before
  // the current one may be presented again.
  struct Presented {
    int minute;
    int terminal;
    size_t code;  // in `codes`
  };
  std::vector<Presented> presented;
  size_t earlier = 0;
  size_t fresh_codes = 0;
  for (const Draw& draw : draws) {
    const int minute = static_cast<int>(draw.minute);
    while (earlier < presented.size() && presented[earlier].minute < minute) {
      ++earlier;
    }
    PlannedScan scan{.minute = minute,
                     .scanned_at = MinuteStart(options, draw.minute)};
    if (draw.duplicate && earlier > 0) {
      // From a random earlier presentation on, the first at another
      // terminal.
      const size_t start = absl::Uniform<size_t>(random, 0, earlier);
      for (size_t i = 0; i < earlier; ++i) {
        const Presented& candidate = presented[(start + i) % earlier];
        if (candidate.terminal != draw.terminal) {
          scan.code = codes[candidate.code];
          scan.duplicate = true;
          break;
        }
      }
    }
    if (!scan.duplicate) {
      if (fresh_codes == codes.size()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "codes: ", codes.size(), " are too few for ", options.scans,
            " scans with a duplicate share of ", options.duplicate_share));
      }
      presented.push_back({minute, draw.terminal, fresh_codes});
      scan.code = codes[fresh_codes++];
    } else {
      ++plan.duplicates;
    }
    plan.terminals[draw.terminal].scans.push_back(std::move(scan));
  }
  return plan;
}

}  // namespace passclear
