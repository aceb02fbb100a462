// passclear-empty-server: the RedemptionService with handlers that answer at
// once without touching a store. Driven by passclear-load like the real
// server, it measures what gRPC itself costs on this machine: the ceiling
// the real server is compared with.
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "passclear/v1/redemption.grpc.pb.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50052", "gRPC listen address");

namespace passclear {
namespace {

class EmptyRedemptionService final
    : public v1::RedemptionService::CallbackService {
  grpc::ServerUnaryReactor* Redeem(grpc::CallbackServerContext* context,
                                   const v1::RedeemRequest*,
                                   v1::RedeemResponse* response) override {
    response->set_result(v1::REDEEM_RESULT_REDEEMED);
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  grpc::ServerUnaryReactor* RedeemBatch(
      grpc::CallbackServerContext* context,
      const v1::RedeemBatchRequest* request,
      v1::RedeemBatchResponse* response) override {
    for (int i = 0; i < request->items_size(); ++i) {
      response->add_results()->set_result(v1::REDEEM_RESULT_REDEEMED);
    }
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

}  // namespace
}  // namespace passclear

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);

  passclear::EmptyRedemptionService service;
  grpc::ServerBuilder builder;
  builder.AddListeningPort(absl::GetFlag(FLAGS_listen),
                           grpc::InsecureServerCredentials());
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr) return 1;
  server->Wait();  // until killed: there is no state to save
  return 0;
}
