#include "server/export_codes.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "server/code_check.h"
#include "server/grpc_status.h"

namespace passclear {
namespace {

// 100 booklets of 10: 1,000 codes, about 40 KB per message.
constexpr size_t kBookletsPerChunk = 100;

}  // namespace

ExportCodesReactor::ExportCodesReactor(const storage::PassStore& store,
                                       const v1::ExportCodesRequest& request)
    : store_(store),
      next_booklet_id_(request.first_booklet_id()),
      booklets_left_(request.booklet_count()) {
  if (request.booklet_count() < 1 ||
      request.booklet_count() > storage::kMaxBookletsPerIssue) {
    Finish(ToGrpcStatus(absl::InvalidArgumentError(absl::StrCat(
        "booklet_count: must be between 1 and ", storage::kMaxBookletsPerIssue,
        ", got ", request.booklet_count()))));
    return;
  }
  WriteNextChunk();
}

void ExportCodesReactor::OnWriteDone(bool ok) {
  if (!ok) {
    Finish(grpc::Status(grpc::StatusCode::CANCELLED,
                        "the client stopped reading the export"));
    return;
  }
  WriteNextChunk();
}

void ExportCodesReactor::WriteNextChunk() {
  absl::StatusOr<std::vector<storage::Booklet>> booklets = store_.ListBooklets(
      next_booklet_id_, static_cast<size_t>(std::min<uint64_t>(
                            booklets_left_, kBookletsPerChunk)));
  if (!booklets.ok()) {
    Finish(ToGrpcStatus(booklets.status()));
    return;
  }
  if (!wrote_any_ &&
      (booklets->empty() || booklets->front().id != next_booklet_id_)) {
    Finish(ToGrpcStatus(absl::NotFoundError(
        absl::StrCat("first_booklet_id: no booklet ", next_booklet_id_))));
    return;
  }
  if (booklets->empty() || booklets_left_ == 0) {
    Finish(grpc::Status::OK);
    return;
  }
  chunk_.Clear();
  for (const storage::Booklet& booklet : *booklets) {
    for (uint32_t i = 0; i < booklet.size; ++i) {
      const uint64_t serial = booklet.first_serial + i;
      absl::StatusOr<std::string> code = PrintableCode(store_, serial);
      if (!code.ok()) {
        Finish(ToGrpcStatus(code.status()));
        return;
      }
      v1::PrintedPass* pass = chunk_.add_passes();
      pass->set_booklet_id(booklet.id);
      pass->set_serial(serial);
      pass->set_code(*std::move(code));
    }
  }
  next_booklet_id_ = booklets->back().id + 1;
  booklets_left_ -= booklets->size();
  wrote_any_ = true;
  StartWrite(&chunk_);
}

}  // namespace passclear
