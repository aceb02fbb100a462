#include "storage/batch_statement.h"

#include <openssl/evp.h>

#include <cstdlib>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace passclear::storage {
namespace {

std::string StatementTime(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", time, absl::UTCTimeZone());
}

}  // namespace

std::string LineDigestText(const ClaimLine& line) {
  return absl::StrCat(line.serial, ",", line.programme_id, ",",
                      line.face_value_cents, ",", line.terminal_id, ",",
                      absl::ToUnixMicros(line.recorded_at), "\n");
}

LinesDigest::LinesDigest() : context_(EVP_MD_CTX_new()) {
  // SHA-256 is always available in OpenSSL: failing here means memory is
  // exhausted, and a statement without its digest must not be signed.
  if (context_ == nullptr ||
      EVP_DigestInit_ex(context_, EVP_sha256(), nullptr) != 1) {
    std::abort();
  }
}

LinesDigest::~LinesDigest() { EVP_MD_CTX_free(context_); }

void LinesDigest::Add(const ClaimLine& line) {
  const std::string text = LineDigestText(line);
  EVP_DigestUpdate(context_, text.data(), text.size());
}

std::string LinesDigest::Finish() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(context_, digest, &length);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

std::string BatchStatement(const ClaimBatch& batch) {
  std::string text = absl::StrCat(
      "passclear claim batch statement v1\n", "batch_id: ", batch.id, "\n",
      "venue_id: ", batch.venue_id, "\n", "cycle: ", batch.cycle, "\n",
      "opened_at: ", StatementTime(batch.opened_at), "\n",
      "closed_at: ", StatementTime(batch.closed_at), "\n",
      "line_count: ", batch.line_count, "\n",
      "total_cents: ", batch.total_cents, "\n");
  for (const ProgrammeSubtotal& subtotal : batch.subtotals) {
    absl::StrAppend(&text, "programme ", subtotal.programme_id, ": ",
                    subtotal.lines, " lines, ", subtotal.cents, " cents\n");
  }
  absl::StrAppend(
      &text, "lines_sha256: ", absl::BytesToHexString(batch.lines_sha256), "\n",
      "signing_key_version: ", batch.signing_key_version, "\n");
  return text;
}

std::string ProgrammeRefundStatement(const Programme& programme,
                                     const UsageReport& usage,
                                     uint32_t signing_key_version) {
  const ProgrammeCounters& counters = usage.counters;
  return absl::StrCat(
      "passclear programme refund statement v1\n",
      "programme_id: ", programme.id, "\n", "sponsor: ", programme.sponsor,
      "\n", "name: ", programme.name, "\n",
      "face_value_cents: ", programme.face_value_cents, "\n",
      "valid_from: ", StatementTime(programme.valid_from), "\n",
      "valid_until: ", StatementTime(programme.valid_until), "\n",
      "closed_at: ", StatementTime(*programme.closed_at), "\n",
      "as_of: ", StatementTime(usage.as_of), "\n", "issued: ", counters.issued,
      "\n", "redeemed: ", counters.redeemed, "\n", "voided: ", counters.voided,
      "\n", "expired_unused: ", usage.expired_unused, "\n",
      "redeemed_value_cents: ", usage.redeemed_value_cents, "\n",
      "refund_due_cents: ", usage.refund_due_cents, "\n",
      "signing_key_version: ", signing_key_version, "\n");
}

}  // namespace passclear::storage
