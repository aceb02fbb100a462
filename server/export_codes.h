// The ExportCodes stream: the printable codes of a range of booklets, a
// chunk of booklets per message, written only as fast as the client reads
// (one message in flight), so that exporting 10 million codes holds one
// chunk in memory, not the whole issuance.
#ifndef PASSCLEAR_SERVER_EXPORT_CODES_H_
#define PASSCLEAR_SERVER_EXPORT_CODES_H_

#include <cstdint>

#include "grpcpp/grpcpp.h"
#include "passclear/v1/admin.pb.h"
#include "storage/pass_store.h"

namespace passclear {

class ExportCodesReactor final
    : public grpc::ServerWriteReactor<v1::ExportCodesResponse> {
 public:
  // Validates the request and starts writing; deletes itself when done.
  ExportCodesReactor(const storage::PassStore& store,
                     const v1::ExportCodesRequest& request);

  void OnWriteDone(bool ok) override;
  void OnDone() override { delete this; }

 private:
  // Writes the next chunk, or finishes when none is left.
  void WriteNextChunk();

  const storage::PassStore& store_;
  uint64_t next_booklet_id_;
  uint64_t booklets_left_;
  bool wrote_any_ = false;
  v1::ExportCodesResponse chunk_;
};

}  // namespace passclear

#endif  // PASSCLEAR_SERVER_EXPORT_CODES_H_
