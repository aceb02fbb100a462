// A loopback address nothing answers on: where passclear-scanner points
// the terminals whose network is down. It is a TCP port bound on 127.0.0.1
// but never listening, so the kernel refuses each connection at once (no
// deadline to wait for) and no other program can take the port while the
// object lives.
//
//   ASSIGN_OR_RETURN(auto unreachable, UnreachableAddress::Bind());
//   options.partitions = PartitionMap::SingleInstance(
//       unreachable->address(), 16);  // every call: UNAVAILABLE
#ifndef PASSCLEAR_CLIENTS_UNREACHABLE_ADDRESS_H_
#define PASSCLEAR_CLIENTS_UNREACHABLE_ADDRESS_H_

#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"

namespace passclear {

class UnreachableAddress {
 public:
  static absl::StatusOr<std::unique_ptr<UnreachableAddress>> Bind();
  UnreachableAddress(const UnreachableAddress&) = delete;
  UnreachableAddress& operator=(const UnreachableAddress&) = delete;
  ~UnreachableAddress();

  // "127.0.0.1:PORT".
  const std::string& address() const { return address_; }

 private:
  UnreachableAddress(int fd, std::string address)
      : fd_(fd), address_(std::move(address)) {}

  const int fd_;
  const std::string address_;
};

}  // namespace passclear

#endif  // PASSCLEAR_CLIENTS_UNREACHABLE_ADDRESS_H_
