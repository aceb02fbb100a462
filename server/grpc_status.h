// The one place that turns an absl::Status into a grpc::Status. The two
// share their code numbering, so the code carries over as is.
#ifndef PASSCLEAR_SERVER_GRPC_STATUS_H_
#define PASSCLEAR_SERVER_GRPC_STATUS_H_

#include <string>

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace passclear {

inline grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

}  // namespace passclear

#endif  // PASSCLEAR_SERVER_GRPC_STATUS_H_
