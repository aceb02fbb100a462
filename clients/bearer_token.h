// How every passclear client presents its credential: each call carries
// "authorization: Bearer <token>" (see proto/passclear/v1/identity.proto).
//
//   ASSIGN_OR_RETURN(std::string token, ReadTokenFile("/etc/passclear/token"));
//   auto channel = CreateChannelWithToken("127.0.0.1:50051",
//       grpc::InsecureChannelCredentials(), grpc::ChannelArguments(), token);
//
// The token travels as call metadata rather than as gRPC call credentials:
// gRPC refuses call credentials on a plaintext channel, and passclear serves
// plaintext on loopback (tests, the demo, a sidecar proxy terminating TLS).
#ifndef PASSCLEAR_CLIENTS_BEARER_TOKEN_H_
#define PASSCLEAR_CLIENTS_BEARER_TOKEN_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace passclear {

// A channel whose every call carries `token`; none when it is empty.
std::shared_ptr<grpc::Channel> CreateChannelWithToken(
    const std::string& target,
    const std::shared_ptr<grpc::ChannelCredentials>& credentials,
    const grpc::ChannelArguments& arguments, const std::string& token);

// Makes one call carry `token` (nothing when it is empty): for clients
// whose calls share a channel but not an identity, such as the load
// generator's terminals sharing a few connections.
void AddBearerToken(grpc::ClientContext& context, const std::string& token);

// The token in a file (as written by passclear-server for its bootstrap
// admin, or saved from an answer), without surrounding whitespace.
absl::StatusOr<std::string> ReadTokenFile(const std::string& path);

}  // namespace passclear

#endif  // PASSCLEAR_CLIENTS_BEARER_TOKEN_H_
