// PassStore's booklet records for sponsors: where each booklet is and what
// became of its passes, and the signed refund statement of a closed
// programme.
#include "absl/strings/str_cat.h"
#include "storage/batch_statement.h"
#include "storage/ed25519.h"
#include "storage/key_codec.h"
#include "storage/pass_store.h"
#include "storage/record_codec.h"
#include "storage/rocksdb_status.h"
#include "storage/status_macros.h"

namespace passclear::storage {

absl::StatusOr<BookletPasses> PassStore::CountBookletPasses(
    const Booklet& booklet) const {
  BookletPasses counts;
  for (uint64_t serial = booklet.first_serial;
       serial < booklet.first_serial + booklet.size; ++serial) {
    if (!OwnsSerial(serial)) continue;  // another instance's
    std::string bytes;
    rocksdb::Status read = database_->db()->Get(rocksdb::ReadOptions(),
                                                database_->PassFamily(serial),
                                                PassKey(serial), &bytes);
    if (read.IsNotFound()) continue;
    RETURN_IF_ERROR(FromRocksDb(read, "reading a pass"));
    ASSIGN_OR_RETURN(PassRecord pass, DecodePass(bytes));
    if (pass.state == PassState::kRedeemed) ++counts.redeemed;
    if (pass.state == PassState::kVoided)
      counts.voided_serials.push_back(serial);
  }
  return counts;
}

absl::StatusOr<std::vector<Booklet>> PassStore::ListProgrammeBooklets(
    uint64_t programme_id, uint64_t after_booklet_id, size_t limit) const {
  if (catalog_.FindProgramme(programme_id) == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("programme_id: no programme ", programme_id));
  }
  // A programme's booklets are its issuances' runs of consecutive ids:
  // start at the first one after the cursor.
  std::unique_ptr<rocksdb::Iterator> it(database_->db()->NewIterator(
      rocksdb::ReadOptions(), database_->Family(FixedFamily::kBooklets)));
  std::vector<Booklet> booklets;
  for (it->Seek(IdKey(after_booklet_id + 1));
       it->Valid() && booklets.size() < limit; it->Next()) {
    ASSIGN_OR_RETURN(Booklet booklet,
                     DecodeBooklet(absl::string_view(it->value().data(),
                                                     it->value().size())));
    if (booklet.programme_id == programme_id) {
      booklets.push_back(std::move(booklet));
    }
  }
  RETURN_IF_ERROR(FromRocksDb(it->status(), "listing booklets"));
  return booklets;
}

absl::StatusOr<SignedStatement> PassStore::RefundStatement(
    uint64_t programme_id) const {
  ASSIGN_OR_RETURN(UsageReport usage, Usage(programme_id));
  std::shared_ptr<const Programme> programme =
      catalog_.FindProgramme(programme_id);
  if (!programme->closed_at) {
    return absl::FailedPreconditionError(absl::StrCat(
        "programme ", programme_id,
        " is not closed: its refund is known once CloseProgramme closes it"));
  }
  absl::MutexLock lock(&clearing_mu_);
  const SigningKey& key = signing_keys_.back();
  SignedStatement statement{
      .text = ProgrammeRefundStatement(*programme, usage, key.version),
      .signing_key_version = key.version};
  ASSIGN_OR_RETURN(statement.signature,
                   SignEd25519(key.private_key, statement.text));
  return statement;
}

}  // namespace passclear::storage
