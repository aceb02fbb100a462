// Puts AccessControl::Admit in front of every method of a generated gRPC
// callback service, so that no handler runs for a caller the access policy
// refuses, and no handler checks roles by hand.
//
//   class AdminService final
//       : public GuardedService<v1::AdminService> {
//     AdminService(..., AccessControl& access) : GuardedService(access) {
//       Guard("CreateProgramme", &AdminService::CreateProgramme);
//       ...
//       RequireEveryMethodGuarded();
//     }
//
// Why not an interceptor: gRPC C++ server interceptors (1.51) cannot end a
// call, and an AuthMetadataProcessor only runs on TLS ports and does not
// know the method. So each method's generated handler is replaced by one
// that admits the call first, then calls the service's own handler.
#ifndef PASSCLEAR_SERVER_GUARDED_SERVICE_H_
#define PASSCLEAR_SERVER_GUARDED_SERVICE_H_

#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "grpcpp/support/server_callback.h"
#include "server/access_control.h"
#include "server/grpc_status.h"
#include "server/log.h"

namespace passclear {

// A reactor that only answers `status`: the refusal of a streaming call.
template <class Reactor>
class RefusedReactor final : public Reactor {
 public:
  explicit RefusedReactor(const absl::Status& status) {
    this->Finish(ToGrpcStatus(status));
  }
  void OnDone() override { delete this; }
};

// `Service` is the generated service class (v1::AdminService); `Base` the
// generated class whose methods are guarded, its callback service unless
// some method is served through completion queues.
template <class Service, class Base = typename Service::CallbackService>
class GuardedService : public Base {
 protected:
  explicit GuardedService(AccessControl& access) : access_(access) {}

  // A unary method.
  template <class Self, class Request, class Response>
  void Guard(absl::string_view name,
             grpc::ServerUnaryReactor* (Self::*handler)(
                 grpc::CallbackServerContext*, const Request*, Response*)) {
    this->MarkMethodCallback(
        Index(name),
        new grpc::internal::CallbackUnaryHandler<Request, Response>(
            [this, handler, method = FullName(name)](
                grpc::CallbackServerContext* context, const Request* request,
                Response* response) -> grpc::ServerUnaryReactor* {
              absl::StatusOr<storage::Identity> caller =
                  access_.Admit(*context, method, request);
              if (!caller.ok()) {
                grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
                reactor->Finish(ToGrpcStatus(caller.status()));
                return reactor;
              }
              return (static_cast<Self*>(this)->*handler)(context, request,
                                                          response);
            }));
  }

  // A server-streaming method.
  template <class Self, class Request, class Response>
  void Guard(absl::string_view name,
             grpc::ServerWriteReactor<Response>* (Self::*handler)(
                 grpc::CallbackServerContext*, const Request*)) {
    this->MarkMethodCallback(
        Index(name),
        new grpc::internal::CallbackServerStreamingHandler<Request, Response>(
            [this, handler, method = FullName(name)](
                grpc::CallbackServerContext* context,
                const Request* request) -> grpc::ServerWriteReactor<Response>* {
              absl::StatusOr<storage::Identity> caller =
                  access_.Admit(*context, method, request);
              if (!caller.ok()) {
                return new RefusedReactor<grpc::ServerWriteReactor<Response>>(
                    caller.status());
              }
              return (static_cast<Self*>(this)->*handler)(context, request);
            }));
  }

  // A bidirectional-streaming method: its messages are checked by the
  // handler with AccessControl::CheckRequest.
  template <class Self, class Request, class Response>
  void Guard(absl::string_view name,
             grpc::ServerBidiReactor<Request, Response>* (Self::*handler)(
                 grpc::CallbackServerContext*)) {
    this->MarkMethodCallback(
        Index(name), new grpc::internal::CallbackBidiHandler<Request, Response>(
                         [this, handler, method = FullName(name)](
                             grpc::CallbackServerContext* context)
                             -> grpc::ServerBidiReactor<Request, Response>* {
                           absl::StatusOr<storage::Identity> caller =
                               access_.Admit(*context, method, nullptr);
                           if (!caller.ok()) {
                             return new RefusedReactor<
                                 grpc::ServerBidiReactor<Request, Response>>(
                                 caller.status());
                           }
                           return (static_cast<Self*>(this)->*handler)(context);
                         }));
  }

  // A method `Base` serves through completion queues (a generated
  // WithAsyncMethod_ class, server/redeem_call_queue.h): its handler calls
  // access().Admit itself, first thing.
  void AdmittedByHandler(absl::string_view name) { Index(name); }

  static std::string FullName(absl::string_view name) {
    return absl::StrCat("/", Service::service_full_name(), "/", name);
  }

  // Ends the process if a method was left unguarded: it would otherwise
  // be served to anyone.
  void RequireEveryMethodGuarded() const {
    if (guarded_ != Descriptor().method_count()) {
      LogError(absl::StrCat(Service::service_full_name(), ": ", guarded_,
                            " of ", Descriptor().method_count(),
                            " methods guarded; every method must be"));
      std::abort();
    }
  }

  AccessControl& access() { return access_; }

 private:
  static const google::protobuf::ServiceDescriptor& Descriptor() {
    return *google::protobuf::DescriptorPool::generated_pool()
                ->FindServiceByName(Service::service_full_name());
  }

  // The generated service registers its methods in declaration order.
  int Index(absl::string_view name) {
    const google::protobuf::MethodDescriptor* method =
        Descriptor().FindMethodByName(std::string(name));
    if (method == nullptr) {
      LogError(
          absl::StrCat(Service::service_full_name(), " has no method ", name));
      std::abort();
    }
    ++guarded_;
    return method->index();
  }

  AccessControl& access_;
  int guarded_ = 0;
};

}  // namespace passclear

#endif  // PASSCLEAR_SERVER_GUARDED_SERVICE_H_
