// The README's quick start: a server started on a new data directory with
// demo data lets a newcomer redeem the first demo pass at venue 1 at once,
// the demo reproduces one community's distribution plan, and a restart does
// not load the demo twice.
#include <filesystem>
#include <fstream>
#include <string>

#include "gtest/gtest.h"
#include "passclear/v1/admin.grpc.pb.h"
#include "passclear/v1/redemption.grpc.pb.h"
#include "tests/integration/scheme_setup.h"
#include "tests/integration/server_process.h"

namespace passclear::testing {
namespace {

v1::CheckPassResponse Check(v1::RedemptionService::Stub& stub,
                            const std::string& code) {
  v1::CheckPassRequest request;
  request.set_code(code);
  v1::CheckPassResponse response;
  grpc::ClientContext context;
  EXPECT_TRUE(stub.CheckPass(&context, request, &response).ok());
  return response;
}

v1::ProgrammeUsage DemoUsage(ServerProcess& server) {
  auto admin = v1::AdminService::NewStub(server.Channel());
  v1::ProgrammeRef ref;
  ref.set_programme_id(1);
  v1::ProgrammeUsage usage;
  grpc::ClientContext context;
  EXPECT_TRUE(admin->GetProgrammeUsage(&context, ref, &usage).ok());
  return usage;
}

TEST(DemoDataTest, FirstDemoPassRedeemsAtVenueOneAsTheReadmeShows) {
  const std::string temp_dir = MakeTempDir();
  const std::string data_dir = temp_dir + "/data";
  std::string first;  // the demo codes of serials 1 and 1,230
  std::string last;
  {
    ServerProcess server = ServerProcess::Start(data_dir, {"--demo_data=true"});
    ASSERT_TRUE(server.running());
    auto stub = v1::RedemptionService::NewStub(server.Channel());

    std::ifstream codes(data_dir + "/demo-codes.txt");
    ASSERT_TRUE(std::getline(codes, first));
    EXPECT_EQ(first.size(), 24u);
    EXPECT_EQ(first.substr(0, 12), "000000000001");  // serial 1
    int lines = 1;
    for (std::string line; std::getline(codes, line); last = line) ++lines;
    EXPECT_EQ(lines, 1230);
    EXPECT_EQ(last.substr(0, 12), "000000001230");

    v1::RedeemResponse response;
    grpc::ClientContext context;
    ASSERT_TRUE(stub->Redeem(&context,
                             MakeRedeemRequest(first, 1, "desk-1", "readme-1"),
                             &response)
                    .ok());
    EXPECT_EQ(response.result(), v1::REDEEM_RESULT_REDEEMED)
        << response.message();
    EXPECT_EQ(response.face_value_cents(), 1000);

    // One community's plan: 123 booklets, one for each of 43 communes and
    // 65 more by population, 15 kept in reserve.
    v1::ProgrammeUsage usage = DemoUsage(server);
    EXPECT_EQ(usage.issued(), 1230);
    EXPECT_EQ(usage.allocated(), (123 - 15) * 10);
    EXPECT_EQ(usage.distributors_size(), 43);
    for (const v1::DistributorUsage& commune : usage.distributors()) {
      EXPECT_GE(commune.passes(), 10) << commune.distributor_name();
    }
    EXPECT_EQ(usage.redeemed(), 1);
    EXPECT_EQ(server.Stop(), 0);
  }
  {
    ServerProcess server = ServerProcess::Start(data_dir, {"--demo_data=true"});
    ASSERT_TRUE(server.running());
    auto stub = v1::RedemptionService::NewStub(server.Channel());
    EXPECT_EQ(Check(*stub, first).state(), v1::PASS_STATE_REDEEMED);
    EXPECT_TRUE(Check(*stub, last).known());
    // Serial 1,231 was never issued: the demo was not loaded twice.
    EXPECT_FALSE(Check(*stub, "000000001231000000000046").known());
    EXPECT_EQ(DemoUsage(server).allocated(), (123 - 15) * 10);
  }
  std::filesystem::remove_all(temp_dir);
}

}  // namespace
}  // namespace passclear::testing
