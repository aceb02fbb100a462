// How the gRPC port is exposed: TLS with the server's certificate, mutual
// TLS when a client CA is given (terminals present their certificate), or
// plaintext, which is refused beyond loopback unless explicitly allowed.
//
//   ASSIGN_OR_RETURN(ServerTransport transport,
//                    ChooseTransport({.listen = "0.0.0.0:50051",
//                                     .cert_file = "server.pem", ...}));
//   builder.AddListeningPort(listen, transport.credentials, &port);
#ifndef PASSCLEAR_SERVER_TRANSPORT_SECURITY_H_
#define PASSCLEAR_SERVER_TRANSPORT_SECURITY_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/security/server_credentials.h"

namespace passclear {

struct TransportFlags {
  std::string listen;
  std::string cert_file;         // PEM certificate chain; empty: no TLS
  std::string key_file;          // PEM private key
  std::string client_ca_file;    // PEM CA; set: clients must present a cert
  bool allow_plaintext = false;  // plaintext beyond loopback
};

struct ServerTransport {
  std::shared_ptr<grpc::ServerCredentials> credentials;
  // "tls", "mutual tls" or "plaintext", for the start-up log.
  std::string description;
  // Set when plaintext is used beyond loopback: logged as a warning.
  std::string warning;
};

// INVALID_ARGUMENT naming the flag when the combination is unsafe or
// incomplete, or a file cannot be read.
[[nodiscard]] absl::StatusOr<ServerTransport> ChooseTransport(
    const TransportFlags& flags);

// Whether `listen` (host:port) binds only the loopback interface.
bool IsLoopback(const std::string& listen);

}  // namespace passclear

#endif  // PASSCLEAR_SERVER_TRANSPORT_SECURITY_H_
