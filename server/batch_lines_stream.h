// The StreamBatchLines stream: a batch's claim lines in redemption order,
// a page per message, one message in flight, so a 10,000-line batch never
// sits whole in memory.
#ifndef PASSCLEAR_SERVER_BATCH_LINES_STREAM_H_
#define PASSCLEAR_SERVER_BATCH_LINES_STREAM_H_

#include <cstdint>

#include "grpcpp/grpcpp.h"
#include "passclear/v1/clearing.pb.h"
#include "storage/pass_store.h"

namespace passclear {

class BatchLinesReactor final
    : public grpc::ServerWriteReactor<v1::BatchLines> {
 public:
  // Checks the batch exists and starts writing; deletes itself when done.
  BatchLinesReactor(const storage::PassStore& store, uint64_t batch_id);

  void OnWriteDone(bool ok) override;
  void OnDone() override { delete this; }

 private:
  void WriteNextPage();

  const storage::PassStore& store_;
  const uint64_t batch_id_;
  uint64_t after_seq_ = 0;
  v1::BatchLines page_;
};

}  // namespace passclear

#endif  // PASSCLEAR_SERVER_BATCH_LINES_STREAM_H_
