#include "clients/unreachable_address.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace passclear {

absl::StatusOr<std::unique_ptr<UnreachableAddress>> UnreachableAddress::Bind() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrCat("socket: ", std::strerror(errno)));
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;  // any free port
  socklen_t length = sizeof(address);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    const int error = errno;
    close(fd);
    return absl::UnavailableError(
        absl::StrCat("cannot bind a loopback port: ", std::strerror(error)));
  }
  return std::unique_ptr<UnreachableAddress>(new UnreachableAddress(
      fd, absl::StrCat("127.0.0.1:", ntohs(address.sin_port))));
}

UnreachableAddress::~UnreachableAddress() { close(fd_); }

}  // namespace passclear
