// The one place that turns a rocksdb::Status into an absl::Status.
//
//   RETURN_IF_ERROR(FromRocksDb(db->Write(options, &batch), "redeem write"));
//
// `context` names the operation, so an operator reading the error knows what
// failed ("redeem write: IO error: No space left on device").
#ifndef PASSCLEAR_STORAGE_ROCKSDB_STATUS_H_
#define PASSCLEAR_STORAGE_ROCKSDB_STATUS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "rocksdb/status.h"

namespace passclear::storage {

[[nodiscard]] absl::Status FromRocksDb(const rocksdb::Status& status,
                                       absl::string_view context);

}  // namespace passclear::storage

#endif  // PASSCLEAR_STORAGE_ROCKSDB_STATUS_H_
