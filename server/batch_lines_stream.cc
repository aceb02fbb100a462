#include "server/batch_lines_stream.h"

#include "server/clearing_convert.h"
#include "server/grpc_status.h"

namespace passclear {
namespace {

constexpr size_t kLinesPerMessage = 1000;

}  // namespace

BatchLinesReactor::BatchLinesReactor(const storage::PassStore& store,
                                     uint64_t batch_id)
    : store_(store), batch_id_(batch_id) {
  absl::Status exists = store_.ReadBatch(batch_id_).status();
  if (!exists.ok()) {
    Finish(ToGrpcStatus(exists));
    return;
  }
  WriteNextPage();
}

void BatchLinesReactor::OnWriteDone(bool ok) {
  if (!ok) {
    Finish(grpc::Status(grpc::StatusCode::CANCELLED,
                        "the client stopped reading the lines"));
    return;
  }
  WriteNextPage();
}

void BatchLinesReactor::WriteNextPage() {
  absl::StatusOr<std::vector<storage::ClaimLineEntry>> lines =
      store_.ListBatchLines(batch_id_, after_seq_, kLinesPerMessage);
  if (!lines.ok()) {
    Finish(ToGrpcStatus(lines.status()));
    return;
  }
  if (lines->empty()) {
    Finish(grpc::Status::OK);
    return;
  }
  page_.Clear();
  for (const storage::ClaimLineEntry& entry : *lines) {
    FillClaimLine(entry, page_.add_lines());
  }
  after_seq_ = lines->back().seq;
  StartWrite(&page_);
}

}  // namespace passclear
