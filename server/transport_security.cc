#include "server/transport_security.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace passclear {
namespace {

absl::StatusOr<std::string> ReadPem(const char* flag, const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in || text.str().find("-----BEGIN") == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": cannot read a PEM file at '", path, "'"));
  }
  return text.str();
}

}  // namespace

bool IsLoopback(const std::string& listen) {
  const std::string host = listen.substr(0, listen.rfind(':'));
  return host == "127.0.0.1" || host == "localhost" || host == "[::1]" ||
         host.rfind("127.", 0) == 0;
}

absl::StatusOr<ServerTransport> ChooseTransport(const TransportFlags& flags) {
  if (flags.cert_file.empty() != flags.key_file.empty()) {
    return absl::InvalidArgumentError(
        "--tls_cert_file and --tls_key_file go together");
  }
  if (flags.cert_file.empty()) {
    if (!flags.client_ca_file.empty()) {
      return absl::InvalidArgumentError(
          "--tls_client_ca_file needs --tls_cert_file and --tls_key_file");
    }
    ServerTransport plaintext{.credentials = grpc::InsecureServerCredentials(),
                              .description = "plaintext"};
    if (!IsLoopback(flags.listen)) {
      if (!flags.allow_plaintext) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--listen=", flags.listen,
            " is not loopback: give --tls_cert_file and --tls_key_file, or "
            "--allow_plaintext to accept unencrypted calls from the network"));
      }
      plaintext.warning = absl::StrCat(
          "serving PLAINTEXT on ", flags.listen,
          ": codes, terminal ids and payment details cross the network "
          "unencrypted");
    }
    return plaintext;
  }
  grpc::SslServerCredentialsOptions options;
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  absl::StatusOr<std::string> cert =
      ReadPem("--tls_cert_file", flags.cert_file);
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = ReadPem("--tls_key_file", flags.key_file);
  if (!key.ok()) return key.status();
  pair.cert_chain = *std::move(cert);
  pair.private_key = *std::move(key);
  options.pem_key_cert_pairs.push_back(std::move(pair));
  ServerTransport transport{.description = "tls"};
  if (!flags.client_ca_file.empty()) {
    absl::StatusOr<std::string> ca =
        ReadPem("--tls_client_ca_file", flags.client_ca_file);
    if (!ca.ok()) return ca.status();
    options.pem_root_certs = *std::move(ca);
    options.client_certificate_request =
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
    transport.description = "mutual tls";
  }
  transport.credentials = grpc::SslServerCredentials(options);
  return transport;
}

}  // namespace passclear
