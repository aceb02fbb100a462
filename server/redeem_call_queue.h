// Redeem calls served on the writer lanes' own threads.
//
// Each writer lane gets a gRPC completion queue of Redeem calls and polls it
// itself (storage::LaneEventSource): it takes every call that has arrived,
// decides them, writes them with one WAL sync and answers them, then polls
// again. A call is received, decided and answered on one thread, as Redis
// serves its sockets, instead of crossing from a gRPC thread to the lane and
// from the lane to an answering thread: in paired runs those hand-offs were
// most of what a redemption cost beyond gRPC itself.
//
//   RedeemCallQueues queues(redemption_service, store, builder);
//   std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
//   queues.Start();
//   ...
//   server->Shutdown(deadline);
//   queues.Shutdown();  // before the store stops its lanes
#ifndef PASSCLEAR_SERVER_REDEEM_CALL_QUEUE_H_
#define PASSCLEAR_SERVER_REDEEM_CALL_QUEUE_H_

#include <memory>
#include <vector>

#include "grpcpp/server_builder.h"
#include "server/redemption_service.h"
#include "storage/pass_store.h"

namespace passclear {

class RedeemCallQueues {
 public:
  // Adds one completion queue per writer lane of `store` to `builder`.
  RedeemCallQueues(RedemptionService& service, storage::PassStore& store,
                   grpc::ServerBuilder& builder);
  ~RedeemCallQueues();
  RedeemCallQueues(const RedeemCallQueues&) = delete;
  RedeemCallQueues& operator=(const RedeemCallQueues&) = delete;

  // Once the server is built: asks for calls and hands each queue to its
  // lane.
  void Start();
  // Once the server is shut down: ends the queues and returns when every
  // lane has answered its last call. Idempotent.
  void Shutdown();

 private:
  class LaneQueue;

  storage::PassStore& store_;
  std::vector<std::unique_ptr<LaneQueue>> queues_;
  bool started_ = false;
  bool shut_down_ = false;
};

}  // namespace passclear

#endif  // PASSCLEAR_SERVER_REDEEM_CALL_QUEUE_H_
