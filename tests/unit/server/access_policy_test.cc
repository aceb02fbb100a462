// The access policy against the contract of proto/passclear/v1/identity.proto:
// every method of every passclear.v1 service has a rule (a method without
// one is never served), only ActivateTerminal is callable without a
// credential, and each role may call exactly what the contract gives it.
#include "server/access_policy.h"

#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "passclear/v1/admin.grpc.pb.h"
#include "passclear/v1/clearing.grpc.pb.h"
#include "passclear/v1/identity.grpc.pb.h"
#include "passclear/v1/redemption.grpc.pb.h"

namespace passclear {
namespace {

using storage::Role;
using ::testing::IsEmpty;
using ::testing::IsSupersetOf;
using ::testing::UnorderedElementsAreArray;

constexpr Role kRoles[] = {Role::kTerminal, Role::kVenue, Role::kMandatary,
                           Role::kAdmin};

// "/passclear.v1.Service/Method" for every method of every service declared
// in the passclear.v1 proto files, read from the generated descriptor pool.
std::vector<std::string> AllMethods() {
  // Naming one message of each file links it in and registers it.
  const google::protobuf::FileDescriptor* files[] = {
      v1::RedeemRequest::descriptor()->file(),
      v1::CreateProgrammeRequest::descriptor()->file(),
      v1::CloseCycleRequest::descriptor()->file(),
      v1::EnrollTerminalRequest::descriptor()->file()};
  std::vector<std::string> methods;
  for (const google::protobuf::FileDescriptor* file : files) {
    const google::protobuf::FileDescriptor* pooled =
        google::protobuf::DescriptorPool::generated_pool()->FindFileByName(
            file->name());
    EXPECT_NE(pooled, nullptr) << file->name();
    if (pooled == nullptr) continue;
    for (int s = 0; s < pooled->service_count(); ++s) {
      const google::protobuf::ServiceDescriptor* service = pooled->service(s);
      for (int m = 0; m < service->method_count(); ++m) {
        methods.push_back(absl::StrCat("/", service->full_name(), "/",
                                       service->method(m)->name()));
      }
    }
  }
  return methods;
}

std::string Method(absl::string_view service, absl::string_view name) {
  return absl::StrCat("/passclear.v1.", service, "/", name);
}

bool MayCall(Role role, absl::string_view method) {
  const MethodAccess* access = AccessFor(method);
  EXPECT_NE(access, nullptr) << method;
  return access != nullptr && !access->open && RoleMayCall(*access, role);
}

// The methods `role` may call, among all of them.
std::vector<std::string> MethodsOf(Role role) {
  std::vector<std::string> methods;
  for (const std::string& method : AllMethods()) {
    if (MayCall(role, method)) methods.push_back(method);
  }
  return methods;
}

TEST(AccessPolicyTest, EveryServiceOfTheApiIsFound) {
  std::set<std::string> services;
  for (const std::string& method : AllMethods()) {
    services.insert(method.substr(1, method.rfind('/') - 1));
  }
  EXPECT_EQ(services,
            (std::set<std::string>{v1::RedemptionService::service_full_name(),
                                   v1::AdminService::service_full_name(),
                                   v1::ClearingService::service_full_name(),
                                   v1::IdentityService::service_full_name()}));
  // A sanity check that the walk saw whole services.
  EXPECT_GE(AllMethods().size(), 40u);
}

TEST(AccessPolicyTest, EveryMethodHasARule) {
  for (const std::string& method : AllMethods()) {
    const MethodAccess* access = AccessFor(method);
    ASSERT_NE(access, nullptr) << method << " has no rule: it is never served";
    // A rule that lets nobody in is a forgotten rule.
    EXPECT_TRUE(access->open || access->any_role || access->roles != 0)
        << method;
  }
}

TEST(AccessPolicyTest, MethodsOutsideTheApiHaveNoRule) {
  EXPECT_EQ(AccessFor("/passclear.v1.AdminService/DropEverything"), nullptr);
  EXPECT_EQ(AccessFor("/passclear.v1.AdminService/createprogramme"), nullptr);
  EXPECT_EQ(AccessFor("passclear.v1.AdminService/CreateProgramme"), nullptr);
  EXPECT_EQ(AccessFor("/grpc.health.v1.Health/Check"), nullptr);
  EXPECT_EQ(AccessFor(""), nullptr);
}

TEST(AccessPolicyTest, OnlyActivateTerminalIsOpen) {
  std::vector<std::string> open;
  for (const std::string& method : AllMethods()) {
    if (AccessFor(method)->open) open.push_back(method);
  }
  EXPECT_THAT(open, UnorderedElementsAreArray(
                        {Method("IdentityService", "ActivateTerminal")}));
}

TEST(AccessPolicyTest, AnyIdentityMayAskWhoItIsRotateAndReadKeys) {
  for (Role role : kRoles) {
    SCOPED_TRACE(storage::RoleName(role));
    EXPECT_TRUE(MayCall(role, Method("IdentityService", "WhoAmI")));
    EXPECT_TRUE(MayCall(role, Method("IdentityService", "RotateCredential")));
    EXPECT_TRUE(MayCall(role, Method("ClearingService", "ListSigningKeys")));
  }
}

TEST(AccessPolicyTest, KeyRules) {
  EXPECT_TRUE(MayCall(Role::kTerminal, Method("RedemptionService", "Redeem")));
  EXPECT_FALSE(
      MayCall(Role::kTerminal, Method("AdminService", "CreateProgramme")));
  EXPECT_FALSE(
      MayCall(Role::kAdmin, Method("ClearingService", "AcknowledgeBatch")));
  EXPECT_TRUE(
      MayCall(Role::kMandatary, Method("ClearingService", "AcknowledgeBatch")));
  EXPECT_FALSE(
      MayCall(Role::kMandatary, Method("ClearingService", "CloseCycle")));
  EXPECT_TRUE(AccessFor(Method("IdentityService", "ActivateTerminal"))->open);
  EXPECT_TRUE(MayCall(Role::kVenue, Method("ClearingService", "GetBatch")));
  EXPECT_FALSE(
      MayCall(Role::kVenue, Method("ClearingService", "ListClosedBatches")));
}

TEST(AccessPolicyTest, TerminalMayRedeemAndNothingElse) {
  EXPECT_THAT(MethodsOf(Role::kTerminal),
              UnorderedElementsAreArray({
                  Method("RedemptionService", "Redeem"),
                  Method("RedemptionService", "RedeemBatch"),
                  Method("RedemptionService", "RedeemStream"),
                  Method("RedemptionService", "CheckPass"),
                  Method("RedemptionService", "CancelRedemption"),
                  Method("IdentityService", "WhoAmI"),
                  Method("IdentityService", "RotateCredential"),
                  Method("ClearingService", "ListSigningKeys"),
              }));
}

TEST(AccessPolicyTest, VenueReadsPassesItsRecordAndItsBatches) {
  EXPECT_THAT(MethodsOf(Role::kVenue),
              UnorderedElementsAreArray({
                  Method("RedemptionService", "CheckPass"),
                  Method("AdminService", "GetVenue"),
                  Method("ClearingService", "GetBatch"),
                  Method("ClearingService", "StreamBatchLines"),
                  Method("ClearingService", "GetBatchStatement"),
                  Method("IdentityService", "WhoAmI"),
                  Method("IdentityService", "RotateCredential"),
                  Method("ClearingService", "ListSigningKeys"),
              }));
}

TEST(AccessPolicyTest, MandataryHasTheClearingApiButClosingAndKeyRotation) {
  std::vector<std::string> expected;
  const google::protobuf::ServiceDescriptor* clearing =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
          v1::ClearingService::service_full_name());
  ASSERT_NE(clearing, nullptr);
  for (int m = 0; m < clearing->method_count(); ++m) {
    const std::string& name = clearing->method(m)->name();
    if (name != "CloseCycle" && name != "RotateSigningKey") {
      expected.push_back(Method("ClearingService", name));
    }
  }
  expected.push_back(Method("IdentityService", "WhoAmI"));
  expected.push_back(Method("IdentityService", "RotateCredential"));
  // The venues' payment details, to check whom a file pays.
  expected.push_back(Method("AdminService", "GetVenue"));
  expected.push_back(Method("AdminService", "ListVenues"));
  EXPECT_THAT(MethodsOf(Role::kMandatary), UnorderedElementsAreArray(expected));
}

TEST(AccessPolicyTest, AdminRunsTheSchemeButNeverMovesMoneyOrRedeems) {
  const std::vector<std::string> admin = MethodsOf(Role::kAdmin);
  // Programmes, booklets, venues: the whole AdminService.
  std::vector<std::string> must;
  for (const std::string& method : AllMethods()) {
    if (absl::StartsWith(method, "/passclear.v1.AdminService/") ||
        (absl::StartsWith(method, "/passclear.v1.IdentityService/") &&
         method != Method("IdentityService", "ActivateTerminal"))) {
      must.push_back(method);
    }
  }
  for (const char* name :
       {"CloseCycle", "RotateSigningKey", "Reconcile", "ListClosedBatches",
        "GetBatch", "StreamBatchLines", "GetBatchStatement"}) {
    must.push_back(Method("ClearingService", name));
  }
  EXPECT_THAT(admin, IsSupersetOf(must));

  std::vector<std::string> forbidden;
  for (const std::string& method : admin) {
    if (method == Method("ClearingService", "AcknowledgeBatch") ||
        method == Method("ClearingService", "RejectBatch") ||
        method == Method("ClearingService", "ExportCreditTransfers") ||
        method == Method("RedemptionService", "Redeem") ||
        method == Method("RedemptionService", "RedeemBatch") ||
        method == Method("RedemptionService", "RedeemStream") ||
        method == Method("RedemptionService", "CancelRedemption")) {
      forbidden.push_back(method);
    }
  }
  EXPECT_THAT(forbidden, IsEmpty());
}

TEST(AccessPolicyTest, OnlyAdminsManageIdentities) {
  for (const char* name : {"EnrollTerminal", "CreateAccount", "RevokeIdentity",
                           "ListIdentities"}) {
    for (Role role : {Role::kTerminal, Role::kVenue, Role::kMandatary}) {
      EXPECT_FALSE(MayCall(role, Method("IdentityService", name)))
          << storage::RoleName(role) << " " << name;
    }
  }
}

}  // namespace
}  // namespace passclear
