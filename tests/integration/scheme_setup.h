// Sets up a small scheme through the real AdminService: one programme valid
// around now, booklets of 10 passes, and one venue accepting it.
//
//   Scheme scheme = SetUpScheme(*admin, /*booklets=*/3);
//   request.set_code(scheme.codes[0]);
//   request.set_venue_id(scheme.venue_id);
#ifndef PASSCLEAR_TESTS_INTEGRATION_SCHEME_SETUP_H_
#define PASSCLEAR_TESTS_INTEGRATION_SCHEME_SETUP_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "passclear/v1/admin.grpc.pb.h"
#include "passclear/v1/redemption.pb.h"

namespace passclear::testing {

struct Scheme {
  uint64_t programme_id = 0;
  uint64_t venue_id = 0;
  std::vector<std::string> codes;
};

// Fails the test (ADD_FAILURE) if any admin call fails.
Scheme SetUpScheme(v1::AdminService::Stub& admin, uint32_t booklets);

// A venue registration with valid payment details.
v1::RegisterVenueRequest MakeVenueRequest(absl::string_view name,
                                          uint64_t programme_id, bool labelled);

v1::RedeemRequest MakeRedeemRequest(absl::string_view code, uint64_t venue_id,
                                    absl::string_view terminal_id,
                                    absl::string_view request_id);

}  // namespace passclear::testing

#endif  // PASSCLEAR_TESTS_INTEGRATION_SCHEME_SETUP_H_
