#include "server/access_policy.h"

#include <string>

#include "absl/container/flat_hash_map.h"

namespace passclear {
namespace {

using storage::Role;

template <class... R>
constexpr uint8_t Roles(R... roles) {
  return static_cast<uint8_t>((RoleBit(roles) | ...));
}

constexpr MethodAccess kTerminal{.roles = Roles(Role::kTerminal)};
constexpr MethodAccess kAdmin{.roles = Roles(Role::kAdmin)};
constexpr MethodAccess kMandatary{.roles = Roles(Role::kMandatary)};
constexpr MethodAccess kAnyone{.any_role = true};
constexpr MethodAccess kOpen{.open = true};

const absl::flat_hash_map<std::string, MethodAccess>& Policy() {
  static const auto* const policy =
      new absl::flat_hash_map<std::string, MethodAccess>{
          // Terminals redeem for their own venue; a venue's back office
          // and operators may look a pass up.
          {"/passclear.v1.RedemptionService/Redeem", kTerminal},
          {"/passclear.v1.RedemptionService/RedeemBatch", kTerminal},
          {"/passclear.v1.RedemptionService/RedeemStream", kTerminal},
          {"/passclear.v1.RedemptionService/CancelRedemption", kTerminal},
          {"/passclear.v1.RedemptionService/CheckPass",
           {.roles = Roles(Role::kTerminal, Role::kVenue, Role::kAdmin)}},
          // Issuance and the scheme's set-up are operators' work.
          {"/passclear.v1.AdminService/CreateProgramme", kAdmin},
          {"/passclear.v1.AdminService/ExtendProgramme", kAdmin},
          {"/passclear.v1.AdminService/CloseProgramme", kAdmin},
          {"/passclear.v1.AdminService/RotateProgrammeKey", kAdmin},
          {"/passclear.v1.AdminService/GetProgramme", kAdmin},
          {"/passclear.v1.AdminService/ListProgrammes", kAdmin},
          {"/passclear.v1.AdminService/GetProgrammeUsage", kAdmin},
          {"/passclear.v1.AdminService/IssueBooklets", kAdmin},
          {"/passclear.v1.AdminService/ExportCodes", kAdmin},
          {"/passclear.v1.AdminService/RegisterVenue", kAdmin},
          // A venue's back office reads its own record; the mandatary
          // reads payment details.
          {"/passclear.v1.AdminService/GetVenue",
           {.roles = Roles(Role::kAdmin, Role::kMandatary, Role::kVenue)}},
          {"/passclear.v1.AdminService/ListVenues",
           {.roles = Roles(Role::kAdmin, Role::kMandatary)}},
          {"/passclear.v1.AdminService/UpdateVenue", kAdmin},
          {"/passclear.v1.AdminService/LabelVenue", kAdmin},
          {"/passclear.v1.AdminService/SuspendVenue", kAdmin},
          {"/passclear.v1.AdminService/ReinstateVenue", kAdmin},
          {"/passclear.v1.AdminService/AllocateBooklet", kAdmin},
          {"/passclear.v1.AdminService/ReturnBooklet", kAdmin},
          {"/passclear.v1.AdminService/GetBooklet", kAdmin},
          {"/passclear.v1.AdminService/ListBooklets", kAdmin},
          {"/passclear.v1.AdminService/GetRefundStatement", kAdmin},
          {"/passclear.v1.AdminService/VoidPasses", kAdmin},
          {"/passclear.v1.OperationsService/CreateBackup", kAdmin},
          {"/passclear.v1.OperationsService/ListBackups", kAdmin},
          // Only the mandatary moves money; operators close cycles, rotate
          // keys and audit, and may read the log; a venue reads its own
          // batches (checked against the batch by the handler).
          {"/passclear.v1.ClearingService/CloseCycle", kAdmin},
          {"/passclear.v1.ClearingService/ListClosedBatches",
           {.roles = Roles(Role::kMandatary, Role::kAdmin)}},
          {"/passclear.v1.ClearingService/GetBatch",
           {.roles = Roles(Role::kMandatary, Role::kAdmin, Role::kVenue)}},
          {"/passclear.v1.ClearingService/StreamBatchLines",
           {.roles = Roles(Role::kMandatary, Role::kAdmin, Role::kVenue)}},
          {"/passclear.v1.ClearingService/GetBatchStatement",
           {.roles = Roles(Role::kMandatary, Role::kAdmin, Role::kVenue)}},
          {"/passclear.v1.ClearingService/AcknowledgeBatch", kMandatary},
          {"/passclear.v1.ClearingService/RejectBatch", kMandatary},
          {"/passclear.v1.ClearingService/ResubmitBatch",
           {.roles = Roles(Role::kMandatary, Role::kAdmin)}},
          {"/passclear.v1.ClearingService/ExportCreditTransfers", kMandatary},
          {"/passclear.v1.ClearingService/ListSigningKeys", kAnyone},
          {"/passclear.v1.ClearingService/RotateSigningKey", kAdmin},
          {"/passclear.v1.ClearingService/Reconcile",
           {.roles = Roles(Role::kMandatary, Role::kAdmin)}},
          {"/passclear.v1.IdentityService/EnrollTerminal", kAdmin},
          {"/passclear.v1.IdentityService/ActivateTerminal", kOpen},
          {"/passclear.v1.IdentityService/CreateAccount", kAdmin},
          {"/passclear.v1.IdentityService/RotateCredential", kAnyone},
          {"/passclear.v1.IdentityService/RevokeIdentity", kAdmin},
          {"/passclear.v1.IdentityService/ListIdentities", kAdmin},
          {"/passclear.v1.IdentityService/WhoAmI", kAnyone},
      };
  return *policy;
}

}  // namespace

const MethodAccess* AccessFor(absl::string_view method) {
  const auto& policy = Policy();
  const auto found = policy.find(method);
  return found == policy.end() ? nullptr : &found->second;
}

bool RoleMayCall(const MethodAccess& access, storage::Role role) {
  return access.any_role || (access.roles & RoleBit(role)) != 0;
}

}  // namespace passclear
