#include "storage/reconciliation.h"

#include <algorithm>
#include <array>
#include <map>
#include <memory>
#include <optional>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "rocksdb/snapshot.h"
#include "storage/column_families.h"
#include "storage/history_purge.h"
#include "storage/key_codec.h"
#include "storage/record_codec.h"
#include "storage/redeem_rules.h"
#include "storage/rocksdb_status.h"
#include "storage/status_macros.h"
#include "storage/usage_counters.h"

namespace passclear::storage {
namespace {

// Rule names: operators and alerts filter on them, keep them stable. The
// order here is the order of the report.
constexpr char kCorruptRecord[] = "corrupt_record";
constexpr char kRedeemedPassWithoutClaimLine[] =
    "redeemed_pass_without_claim_line";
constexpr char kClaimLineWithoutRedeemedPass[] =
    "claim_line_without_redeemed_pass";
constexpr char kClaimLineVenueMismatch[] = "claim_line_venue_mismatch";
constexpr char kClaimLineProgrammeMismatch[] = "claim_line_programme_mismatch";
constexpr char kClaimLineWithoutBatch[] = "claim_line_without_batch";
constexpr char kBatchTotalMismatch[] = "batch_total_mismatch";
constexpr char kPaidAmountMismatch[] = "paid_amount_mismatch";
constexpr char kCounterMismatch[] = "counter_mismatch";

constexpr absl::string_view kRuleOrder[] = {kCorruptRecord,
                                            kRedeemedPassWithoutClaimLine,
                                            kClaimLineWithoutRedeemedPass,
                                            kClaimLineVenueMismatch,
                                            kClaimLineProgrammeMismatch,
                                            kClaimLineWithoutBatch,
                                            kBatchTotalMismatch,
                                            kPaidAmountMismatch,
                                            kCounterMismatch};

size_t RuleRank(absl::string_view rule) {
  return std::find(std::begin(kRuleOrder), std::end(kRuleOrder), rule) -
         std::begin(kRuleOrder);
}

// How many problems of a group a message spells out.
constexpr size_t kMaxExamples = 5;

absl::string_view View(const rocksdb::Slice& slice) {
  return absl::string_view(slice.data(), slice.size());
}

absl::string_view StatusName(BatchStatus status) {
  switch (status) {
    case BatchStatus::kOpen:
      return "open";
    case BatchStatus::kClosed:
      return "closed";
    case BatchStatus::kPaid:
      return "paid";
    case BatchStatus::kRejected:
      return "rejected";
    case BatchStatus::kEmpty:
      return "empty";
  }
  return "unknown";
}

// The usage counter's name, as the report and passctl show it.
absl::string_view CounterName(UsageCounter counter) {
  switch (counter) {
    case UsageCounter::kIssued:
      return "issued";
    case UsageCounter::kAllocated:
      return "allocated";
    case UsageCounter::kRedeemed:
      return "redeemed";
    case UsageCounter::kCancelled:
      return "cancelled";
    case UsageCounter::kVoided:
      return "voided";
    case UsageCounter::kClaimed:
      return "claimed";
    case UsageCounter::kPaid:
      return "paid";
  }
  return "unknown";
}

// The counters the records can recount, and what each counts.
constexpr std::pair<UsageCounter, absl::string_view> kCheckedCounters[] = {
    {UsageCounter::kIssued, "pass records of the programme"},
    {UsageCounter::kAllocated, "passes of booklets held by distributors"},
    {UsageCounter::kRedeemed, "redeemed pass records"},
    {UsageCounter::kVoided, "voided pass records"},
    {UsageCounter::kClaimed, "claim lines in closed, paid or rejected batches"},
    {UsageCounter::kPaid, "claim lines in paid batches"},
};

// One programme's counters, indexed by UsageCounter value.
using CounterValues = std::array<int64_t, 8>;

int64_t& At(CounterValues& values, UsageCounter counter) {
  return values[static_cast<size_t>(counter)];
}

// Problems of one rule within one scope (a batch, or a column family for
// corrupt records): all counted, the smallest serials kept, the first few
// described.
struct Finding {
  uint64_t count = 0;
  std::vector<uint64_t> serials;  // a max-heap while collecting
  std::vector<std::string> examples;
};

// What a batch's lines add up to.
struct LineSums {
  uint64_t lines = 0;
  int64_t cents = 0;
  std::map<uint64_t, ProgrammeSubtotal> by_programme;
};

// A claim line waiting for its pass.
struct PendingLine {
  uint64_t serial = 0;
  uint64_t programme_id = 0;
  uint64_t venue_id = 0;  // its batch's; 0 when the batch cannot be read
  bool matched = false;
};

using LineKey = std::pair<uint64_t, uint64_t>;  // (batch id, seq)

class Auditor {
 public:
  explicit Auditor(const Database& database)
      : database_(database), snapshot_(database.db()) {
    read_.snapshot = snapshot_.snapshot();
    // A full scan must not push the hot pass records out of the cache.
    read_.fill_cache = false;
  }

  absl::StatusOr<ReconciliationReport> Run() {
    ASSIGN_OR_RETURN(purged_, PurgedProgrammes(database_, read_));
    RETURN_IF_ERROR(ScanProgrammes());
    RETURN_IF_ERROR(ScanBooklets());
    RETURN_IF_ERROR(ScanBatchesAndClaims());
    RETURN_IF_ERROR(ScanPasses());
    ReportUnmatchedLines();
    RETURN_IF_ERROR(CheckCounters());
    for (auto& [key, finding] : findings_) {
      report_.breaches.push_back(Render(key.first, key.second, finding));
    }
    std::stable_sort(report_.breaches.begin(), report_.breaches.end(),
                     [](const Breach& a, const Breach& b) {
                       return RuleRank(a.rule) < RuleRank(b.rule);
                     });
    return std::move(report_);
  }

 private:
  std::unique_ptr<rocksdb::Iterator> Iterate(
      rocksdb::ColumnFamilyHandle* family) {
    return std::unique_ptr<rocksdb::Iterator>(
        database_.db()->NewIterator(read_, family));
  }

  // Scope of a corrupt_record finding: the column family.
  static uint64_t FamilyScope(FixedFamily family) {
    return static_cast<uint64_t>(family);
  }
  static uint64_t ShardScope(uint32_t shard) {
    return kFixedFamilyCount + uint64_t{shard};
  }
  static std::string FamilyName(uint64_t scope) {
    if (scope < kFixedFamilyCount) return std::string(kFixedFamilyNames[scope]);
    return PassShardFamilyName(
        static_cast<uint32_t>(scope - kFixedFamilyCount));
  }

  void Add(absl::string_view rule, uint64_t scope,
           std::optional<uint64_t> serial, std::string example) {
    Finding& finding = findings_[{std::string(rule), scope}];
    ++finding.count;
    if (finding.examples.size() < kMaxExamples) {
      finding.examples.push_back(std::move(example));
    }
    if (!serial) return;
    std::vector<uint64_t>& serials = finding.serials;
    if (serials.size() < kMaxBreachSerials) {
      serials.push_back(*serial);
      std::push_heap(serials.begin(), serials.end());
    } else if (*serial < serials.front()) {
      std::pop_heap(serials.begin(), serials.end());
      serials.back() = *serial;
      std::push_heap(serials.begin(), serials.end());
    }
  }

  void AddCorrupt(uint64_t scope, absl::string_view key,
                  std::optional<uint64_t> serial, const absl::Status& error) {
    Add(kCorruptRecord, scope, serial,
        absl::StrCat("key ", absl::BytesToHexString(key), ": ",
                     error.message()));
  }

  static std::string Plural(uint64_t count, absl::string_view one,
                            absl::string_view many) {
    return absl::StrCat(count, " ", count == 1 ? one : many);
  }

  Breach Render(const std::string& rule, uint64_t scope,
                Finding& finding) const {
    const uint64_t n = finding.count;
    std::string headline;
    if (rule == kCorruptRecord) {
      headline = absl::StrCat("column family '", FamilyName(scope), "' holds ",
                              Plural(n, "record", "records"),
                              " that cannot be decoded");
    } else if (rule == kRedeemedPassWithoutClaimLine) {
      headline = absl::StrCat(
          Plural(n, "redeemed pass", "redeemed passes"), " of batch ", scope,
          n == 1 ? " has no claim line at its" : " have no claim line at their",
          " redemption's (batch, seq)");
    } else if (rule == kClaimLineWithoutRedeemedPass) {
      headline = absl::StrCat("batch ", scope, " holds ",
                              Plural(n, "claim line", "claim lines"),
                              " whose pass is not redeemed by that line");
    } else if (rule == kClaimLineVenueMismatch) {
      headline = absl::StrCat("batch ", scope, " holds ",
                              Plural(n, "claim line", "claim lines"),
                              " for passes redeemed at another venue");
    } else if (rule == kClaimLineProgrammeMismatch) {
      headline = absl::StrCat(
          "batch ", scope, " holds ", Plural(n, "claim line", "claim lines"),
          " whose programme or face value disagrees with the pass's");
    } else if (rule == kClaimLineWithoutBatch) {
      headline = absl::StrCat("batch ", scope, " does not exist, but ",
                              Plural(n, "claim line is", "claim lines are"),
                              " filed under it");
    } else {
      headline = absl::StrCat(rule, " in ", scope, ": ", n, " problems");
    }
    std::string message =
        absl::StrCat(headline, ": ", absl::StrJoin(finding.examples, "; "));
    if (n > finding.examples.size()) {
      absl::StrAppend(&message, "; and ", n - finding.examples.size(), " more");
    }
    std::sort(finding.serials.begin(), finding.serials.end());
    return Breach{.rule = rule,
                  .message = absl::StrCat(message, "."),
                  .serials = std::move(finding.serials)};
  }

  absl::Status ScanProgrammes() {
    std::unique_ptr<rocksdb::Iterator> it =
        Iterate(database_.Family(FixedFamily::kProgrammes));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      absl::StatusOr<Programme> programme = DecodeProgramme(View(it->value()));
      if (!programme.ok()) {
        AddCorrupt(FamilyScope(FixedFamily::kProgrammes), View(it->key()),
                   std::nullopt, programme.status());
        continue;
      }
      face_values_[programme->id] = programme->face_value_cents;
      expected_[programme->id];
    }
    return FromRocksDb(it->status(), "reconciliation: reading programmes");
  }

  absl::Status ScanBooklets() {
    std::unique_ptr<rocksdb::Iterator> it =
        Iterate(database_.Family(FixedFamily::kBooklets));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      absl::StatusOr<Booklet> booklet = DecodeBooklet(View(it->value()));
      if (!booklet.ok()) {
        AddCorrupt(FamilyScope(FixedFamily::kBooklets), View(it->key()),
                   std::nullopt, booklet.status());
        continue;
      }
      CounterValues& expected = expected_[booklet->programme_id];
      if (booklet->distributor) {
        At(expected, UsageCounter::kAllocated) += booklet->size;
      }
    }
    return FromRocksDb(it->status(), "reconciliation: reading booklets");
  }

  // The batch whose lines the claim scan is adding up.
  struct CurrentBatch {
    uint64_t id = 0;
    std::optional<ClaimBatch> record;  // unset: missing or unreadable
    bool unreadable = false;
    LineSums sums;
  };

  // Decodes the record of batch `id`; nullopt when it is corrupt (a breach
  // is recorded).
  std::optional<ClaimBatch> DecodeBatch(uint64_t id,
                                        const rocksdb::Iterator& it) {
    absl::StatusOr<ClaimBatch> batch = DecodeClaimBatch(View(it.value()));
    if (!batch.ok()) {
      AddCorrupt(FamilyScope(FixedFamily::kBatches), View(it.key()),
                 std::nullopt, batch.status());
      return std::nullopt;
    }
    if (batch->id != id) {
      AddCorrupt(FamilyScope(FixedFamily::kBatches), View(it.key()),
                 std::nullopt,
                 absl::DataLossError(absl::StrCat("the record of batch ", id,
                                                  " names batch ", batch->id)));
      return std::nullopt;
    }
    return *std::move(batch);
  }

  // Checks a batch once all its lines are added up.
  void FinishBatch(const CurrentBatch& current) {
    if (!current.record) return;
    const ClaimBatch& batch = *current.record;
    if (batch.status == BatchStatus::kOpen) return;  // its lines may change
    const LineSums& sums = current.sums;
    // The lines of purged programmes are gone (history_purge.h): their
    // subtotals are left out of what the remaining lines must add up to.
    uint64_t line_count = batch.line_count;
    int64_t total_cents = batch.total_cents;
    for (const ProgrammeSubtotal& subtotal : batch.subtotals) {
      if (!purged_.contains(subtotal.programme_id)) continue;
      line_count -= subtotal.lines;
      total_cents -= subtotal.cents;
    }
    std::vector<std::string> differences;
    if (line_count != sums.lines || total_cents != sums.cents) {
      differences.push_back(absl::StrCat(
          "it records ", line_count, " lines for ", total_cents,
          " cents (purged programmes left out), its lines add up to ",
          sums.lines, " lines for ", sums.cents, " cents"));
    }
    std::map<uint64_t, ProgrammeSubtotal> recorded;
    for (const ProgrammeSubtotal& subtotal : batch.subtotals) {
      if (purged_.contains(subtotal.programme_id)) continue;
      ProgrammeSubtotal& sum = recorded[subtotal.programme_id];
      sum.lines += subtotal.lines;
      sum.cents += subtotal.cents;
    }
    std::map<uint64_t, bool> programmes;
    for (const auto& [id, unused] : recorded) programmes[id] = true;
    for (const auto& [id, unused] : sums.by_programme) programmes[id] = true;
    for (const auto& [id, unused] : programmes) {
      const ProgrammeSubtotal none;
      auto r = recorded.find(id);
      auto s = sums.by_programme.find(id);
      const ProgrammeSubtotal& want = r == recorded.end() ? none : r->second;
      const ProgrammeSubtotal& got =
          s == sums.by_programme.end() ? none : s->second;
      if (want.lines != got.lines || want.cents != got.cents) {
        differences.push_back(absl::StrCat(
            "its subtotal for programme ", id, " records ", want.lines,
            " lines for ", want.cents, " cents, its lines give ", got.lines,
            " lines for ", got.cents, " cents"));
      }
    }
    if (!differences.empty()) {
      report_.breaches.push_back(
          {.rule = kBatchTotalMismatch,
           .message =
               absl::StrCat("batch ", batch.id, " of venue ", batch.venue_id,
                            " is ", StatusName(batch.status), " but ",
                            absl::StrJoin(differences, "; "), ".")});
    }
    if (batch.status == BatchStatus::kPaid &&
        batch.amount_paid_cents != batch.total_cents) {
      report_.breaches.push_back(
          {.rule = kPaidAmountMismatch,
           .message = absl::StrCat(
               "batch ", batch.id, " of venue ", batch.venue_id, " totals ",
               batch.total_cents, " cents but was acknowledged as paid ",
               batch.amount_paid_cents, " cents (payment reference '",
               batch.payment_reference, "').")});
    }
  }

  // Batches and claim lines are both in batch id order: one merged pass
  // adds up each batch's lines without holding any batch in memory.
  absl::Status ScanBatchesAndClaims() {
    std::unique_ptr<rocksdb::Iterator> batches =
        Iterate(database_.Family(FixedFamily::kBatches));
    std::unique_ptr<rocksdb::Iterator> claims =
        Iterate(database_.Family(FixedFamily::kClaims));
    batches->SeekToFirst();
    std::optional<CurrentBatch> current;
    // Finishes every batch before `batch_id` (all of them when nullopt),
    // then makes `batch_id`'s the current one.
    auto move_to = [&](std::optional<uint64_t> batch_id) {
      if (current) FinishBatch(*current);
      current.reset();
      for (; batches->Valid(); batches->Next()) {
        absl::StatusOr<uint64_t> id = ParseIdKey(View(batches->key()));
        if (id.ok() && batch_id && *id > *batch_id) break;  // later
        ++report_.batches_checked;
        if (!id.ok()) {
          AddCorrupt(FamilyScope(FixedFamily::kBatches), View(batches->key()),
                     std::nullopt, id.status());
          continue;
        }
        std::optional<ClaimBatch> record = DecodeBatch(*id, *batches);
        if (batch_id && *id == *batch_id) {
          const bool unreadable = !record.has_value();
          current = CurrentBatch{
              .id = *id, .record = std::move(record), .unreadable = unreadable};
          batches->Next();
          break;
        }
        FinishBatch({.id = *id, .record = std::move(record)});
      }
      if (batch_id && !current) current = CurrentBatch{.id = *batch_id};
    };

    const uint64_t claims_scope = FamilyScope(FixedFamily::kClaims);
    for (claims->SeekToFirst(); claims->Valid(); claims->Next()) {
      ++report_.claim_lines_checked;
      absl::StatusOr<ClaimKeyParts> key = ParseClaimKey(View(claims->key()));
      if (!key.ok()) {
        AddCorrupt(claims_scope, View(claims->key()), std::nullopt,
                   key.status());
        continue;
      }
      if (!current || current->id != key->batch_id) move_to(key->batch_id);
      absl::StatusOr<ClaimLine> line = DecodeClaimLine(View(claims->value()));
      if (!line.ok()) {
        AddCorrupt(claims_scope, View(claims->key()), std::nullopt,
                   line.status());
        corrupt_lines_.insert({key->batch_id, key->seq});
        continue;
      }
      // Left over by a purge still under way: finished by its next run.
      if (purged_.contains(line->programme_id)) continue;
      LineSums& sums = current->sums;
      ++sums.lines;
      sums.cents += line->face_value_cents;
      ProgrammeSubtotal& subtotal = sums.by_programme[line->programme_id];
      subtotal.programme_id = line->programme_id;
      ++subtotal.lines;
      subtotal.cents += line->face_value_cents;

      const std::string where = absl::StrCat(
          "line seq ", key->seq, " for pass ", FormatSerial(line->serial));
      if (!current->record && !current->unreadable) {
        Add(kClaimLineWithoutBatch, key->batch_id, line->serial, where);
      }
      auto face_value = face_values_.find(line->programme_id);
      if (face_value == face_values_.end()) {
        Add(kClaimLineProgrammeMismatch, key->batch_id, line->serial,
            absl::StrCat(where, " names programme ", line->programme_id,
                         ", which does not exist"));
      } else if (face_value->second != line->face_value_cents) {
        Add(kClaimLineProgrammeMismatch, key->batch_id, line->serial,
            absl::StrCat(where, " claims ", line->face_value_cents,
                         " cents; programme ", line->programme_id,
                         "'s face value is ", face_value->second, " cents"));
      }
      if (current->record) {
        const BatchStatus status = current->record->status;
        CounterValues& expected = expected_[line->programme_id];
        if (status == BatchStatus::kClosed || status == BatchStatus::kPaid ||
            status == BatchStatus::kRejected) {
          ++At(expected, UsageCounter::kClaimed);
        }
        if (status == BatchStatus::kPaid) ++At(expected, UsageCounter::kPaid);
      }
      lines_[{key->batch_id, key->seq}] = PendingLine{
          .serial = line->serial,
          .programme_id = line->programme_id,
          .venue_id = current->record ? current->record->venue_id : 0};
    }
    RETURN_IF_ERROR(
        FromRocksDb(claims->status(), "reconciliation: reading claim lines"));
    move_to(std::nullopt);
    return FromRocksDb(batches->status(), "reconciliation: reading batches");
  }

  absl::Status ScanPasses() {
    const uint32_t shard_count = database_.shard_count();
    for (uint32_t shard = 0; shard < shard_count; ++shard) {
      std::unique_ptr<rocksdb::Iterator> it =
          Iterate(database_.PassShard(shard));
      const uint64_t scope = ShardScope(shard);
      // Passes of one programme come in long runs: skip the map lookup.
      uint64_t last_programme_id = 0;
      CounterValues* expected = nullptr;
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        ++report_.passes_checked;
        absl::StatusOr<uint64_t> serial = ParsePassKey(View(it->key()));
        if (!serial.ok()) {
          AddCorrupt(scope, View(it->key()), std::nullopt, serial.status());
          continue;
        }
        if (ShardOfSerial(*serial, shard_count) != shard) {
          AddCorrupt(scope, View(it->key()), *serial,
                     absl::DataLossError(absl::StrCat(
                         "pass ", FormatSerial(*serial), " belongs in shard ",
                         ShardOfSerial(*serial, shard_count),
                         ": no lookup can find it here")));
          corrupt_serials_.insert(*serial);
          continue;
        }
        absl::StatusOr<PassRecord> pass = DecodePass(View(it->value()));
        if (!pass.ok()) {
          AddCorrupt(scope, View(it->key()), *serial, pass.status());
          corrupt_serials_.insert(*serial);
          continue;
        }
        if (purged_.contains(pass->programme_id)) continue;
        if (expected == nullptr || pass->programme_id != last_programme_id) {
          last_programme_id = pass->programme_id;
          expected = &expected_[pass->programme_id];
        }
        ++At(*expected, UsageCounter::kIssued);
        if (pass->state == PassState::kVoided) {
          ++At(*expected, UsageCounter::kVoided);
        } else if (pass->state == PassState::kRedeemed) {
          ++At(*expected, UsageCounter::kRedeemed);
          CheckRedemption(*serial, *pass);
        }
      }
      RETURN_IF_ERROR(FromRocksDb(
          it->status(), absl::StrCat("reconciliation: reading pass shard ",
                                     PassShardFamilyName(shard))));
    }
    return absl::OkStatus();
  }

  void CheckRedemption(uint64_t serial, const PassRecord& pass) {
    const RedemptionInfo& redemption = *pass.redemption;
    const LineKey key{redemption.batch_id, redemption.seq};
    const std::string what = absl::StrCat("pass ", FormatSerial(serial),
                                          " (seq ", redemption.seq, ")");
    auto line = lines_.find(key);
    if (line == lines_.end()) {
      if (corrupt_lines_.contains(key)) return;  // reported as corrupt
      Add(kRedeemedPassWithoutClaimLine, redemption.batch_id, serial,
          absl::StrCat(what, " has no line"));
      return;
    }
    PendingLine& pending = line->second;
    if (pending.serial != serial) {
      Add(kRedeemedPassWithoutClaimLine, redemption.batch_id, serial,
          absl::StrCat(what, ": that line is for pass ",
                       FormatSerial(pending.serial)));
      return;
    }
    pending.matched = true;
    if (pending.venue_id != 0 && pending.venue_id != redemption.venue_id) {
      Add(kClaimLineVenueMismatch, redemption.batch_id, serial,
          absl::StrCat(what, " was redeemed at venue ", redemption.venue_id,
                       ", its batch is venue ", pending.venue_id, "'s"));
    }
    if (pending.programme_id != pass.programme_id) {
      Add(kClaimLineProgrammeMismatch, redemption.batch_id, serial,
          absl::StrCat(what, " is of programme ", pass.programme_id,
                       ", its line claims for programme ",
                       pending.programme_id));
    }
  }

  void ReportUnmatchedLines() {
    std::vector<std::pair<LineKey, uint64_t>> unmatched;
    for (const auto& [key, line] : lines_) {
      if (line.matched || corrupt_serials_.contains(line.serial)) continue;
      unmatched.push_back({key, line.serial});
    }
    std::sort(unmatched.begin(), unmatched.end());
    for (const auto& [key, serial] : unmatched) {
      Add(kClaimLineWithoutRedeemedPass, key.first, serial,
          absl::StrCat("line seq ", key.second, " for pass ",
                       FormatSerial(serial)));
    }
  }

  absl::Status CheckCounters() {
    std::map<uint64_t, CounterValues> found;
    std::unique_ptr<rocksdb::Iterator> it =
        Iterate(database_.Family(FixedFamily::kUsage));
    const uint64_t scope = FamilyScope(FixedFamily::kUsage);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const absl::string_view key = View(it->key());
      absl::StatusOr<uint64_t> programme_id = ReadBigEndian64(key);
      if (!programme_id.ok() || key.size() < 9) {
        AddCorrupt(scope, key, std::nullopt,
                   absl::DataLossError("usage key without a counter kind"));
        continue;
      }
      const uint8_t kind = static_cast<uint8_t>(key[8]);
      if (kind < static_cast<uint8_t>(UsageCounter::kIssued) ||
          kind > static_cast<uint8_t>(UsageCounter::kPaid)) {
        continue;  // a distributor's counter or name
      }
      int64_t count = 0;
      if (key.size() != 9 || !DecodeUsageCount(View(it->value()), count)) {
        AddCorrupt(scope, key, std::nullopt,
                   absl::DataLossError("corrupt usage counter"));
        continue;
      }
      found[*programme_id][kind] = count;
      expected_[*programme_id];
    }
    RETURN_IF_ERROR(
        FromRocksDb(it->status(), "reconciliation: reading usage counters"));

    report_.programmes_checked = expected_.size();
    for (auto& [programme_id, expected] : expected_) {
      if (purged_.contains(programme_id)) continue;  // counters deleted
      CounterValues& counted = found[programme_id];
      for (const auto& [counter, meaning] : kCheckedCounters) {
        if (At(counted, counter) == At(expected, counter)) continue;
        report_.breaches.push_back(
            {.rule = kCounterMismatch,
             .message =
                 absl::StrCat("programme ", programme_id, ": its '",
                              CounterName(counter), "' counter is ",
                              At(counted, counter), " but the records give ",
                              At(expected, counter), " (", meaning, ").")});
      }
    }
    return absl::OkStatus();
  }

  const Database& database_;
  rocksdb::ManagedSnapshot snapshot_;
  rocksdb::ReadOptions read_;
  ReconciliationReport report_;

  // Programmes whose history was purged.
  absl::flat_hash_set<uint64_t> purged_;
  // Programme id -> face value, from the programme records.
  absl::flat_hash_map<uint64_t, int64_t> face_values_;
  // What the records say each programme's counters should be.
  std::map<uint64_t, CounterValues> expected_;
  // Every claim line, until its pass is seen.
  absl::flat_hash_map<LineKey, PendingLine> lines_;
  // Records that did not decode, so that what points at them is not
  // reported a second time.
  absl::flat_hash_set<LineKey> corrupt_lines_;
  absl::flat_hash_set<uint64_t> corrupt_serials_;
  // (rule, scope) -> what was found.
  std::map<std::pair<std::string, uint64_t>, Finding> findings_;
};

}  // namespace

absl::StatusOr<ReconciliationReport> Reconcile(const Database& database) {
  Auditor auditor(database);
  return auditor.Run();
}

}  // namespace passclear::storage
