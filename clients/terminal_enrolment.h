// Gives terminals their credentials the way an operator and the terminal
// itself do: EnrollTerminal with an admin's token, then ActivateTerminal
// with the activation code it answered. passclear-scanner enrols its
// simulated terminals with it.
//
//   TerminalEnrolment enrolment(partitions, admin_token);
//   ASSIGN_OR_RETURN(std::string token, enrolment.Enrol("sim-1-1", 1));
//
// In a partitioned scheme every instance holds every identity, and
// instances given the same admin commands derive the same secrets from the
// scheme secret: the terminal is enrolled and activated on each instance,
// and each must answer the same token.
#ifndef PASSCLEAR_CLIENTS_TERMINAL_ENROLMENT_H_
#define PASSCLEAR_CLIENTS_TERMINAL_ENROLMENT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "passclear/v1/identity.grpc.pb.h"
#include "storage/partition_map.h"

namespace passclear {

class TerminalEnrolment {
 public:
  // Plaintext channels to every instance of `partitions`.
  TerminalEnrolment(const storage::PartitionMap& partitions,
                    std::string admin_token);

  // The terminal's token. Enrolling a terminal id again replaces its
  // credential: an earlier run's token stops working. The error names the
  // instance and the call that failed.
  absl::StatusOr<std::string> Enrol(const std::string& terminal_id,
                                    uint64_t venue_id);

 private:
  struct Instance {
    std::string name;
    std::unique_ptr<v1::IdentityService::Stub> stub;
  };

  const std::string admin_token_;
  std::vector<Instance> instances_;
};

}  // namespace passclear

#endif  // PASSCLEAR_CLIENTS_TERMINAL_ENROLMENT_H_
