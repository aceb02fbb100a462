// What a closed claim batch's signed statement says, byte for byte, and the
// digest of its lines: the two things a venue or the mandatary recomputes
// to check a statement offline.
//
//   LinesDigest digest;
//   for (const ClaimLine& line : lines) digest.Add(line);
//   batch.lines_sha256 = digest.Finish();
//   std::string text = BatchStatement(batch);  // what the signature covers
//
// Caution: statements are verified long after they were signed. Never
// change these texts; add a new statement version instead.
#ifndef PASSCLEAR_STORAGE_BATCH_STATEMENT_H_
#define PASSCLEAR_STORAGE_BATCH_STATEMENT_H_

#include <string>

#include "storage/records.h"
#include "storage/usage_report.h"

typedef struct evp_md_ctx_st EVP_MD_CTX;

namespace passclear::storage {

// One line as the digest reads it:
// "serial,programme_id,face_value_cents,terminal_id,recorded_at_unix_micros\n".
std::string LineDigestText(const ClaimLine& line);

// SHA-256 over the LineDigestText of a batch's lines, in redemption order.
class LinesDigest {
 public:
  LinesDigest();
  ~LinesDigest();
  LinesDigest(const LinesDigest&) = delete;
  LinesDigest& operator=(const LinesDigest&) = delete;

  void Add(const ClaimLine& line);
  // 32 raw bytes. The digest cannot be used afterwards.
  std::string Finish();

 private:
  EVP_MD_CTX* context_;
};

// The statement text of a closed batch (UTF-8, lines ending in "\n"):
// batch, venue, cycle, times, counts, totals per programme, the lines'
// digest in hex and the signing key's version.
std::string BatchStatement(const ClaimBatch& batch);

// The refund statement of a closed programme, signed with the statement
// key of `signing_key_version`: what the sponsor is owed back and why.
std::string ProgrammeRefundStatement(const Programme& programme,
                                     const UsageReport& usage,
                                     uint32_t signing_key_version);

}  // namespace passclear::storage

#endif  // PASSCLEAR_STORAGE_BATCH_STATEMENT_H_
