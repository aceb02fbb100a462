// A full data disk, for real: the server's data directory is a 48 MiB
// tmpfs, mounted in a mount namespace of this test's own (nothing outside
// sees it; it goes away with the test), filled with a ballast file until
// less than the server's reserve (--min_free_disk_mb=16) is free.
// While full, redemptions are refused with UNAVAILABLE naming the disk,
// reads and the health service go on (NOT_SERVING), the metrics say so;
// once the ballast is deleted the server resumes by itself, and nothing
// acknowledged is lost or paid twice.
#include <sched.h>
#include <sys/mount.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "passclear/v1/admin.grpc.pb.h"
#include "passclear/v1/clearing.grpc.pb.h"
#include "passclear/v1/redemption.grpc.pb.h"
#include "tests/integration/health_check.h"
#include "tests/integration/http_get.h"
#include "tests/integration/scheme_setup.h"
#include "tests/integration/server_process.h"
#include "tests/integration/store_checks.h"

namespace passclear::testing {
namespace {

// Writes zeros into `path` until `left` bytes are free on its disk.
void FillUpTo(const std::string& path, uint64_t left) {
  struct statvfs disk {};
  ASSERT_EQ(statvfs(std::filesystem::path(path).parent_path().c_str(), &disk),
            0);
  const uint64_t free_bytes = uint64_t{disk.f_bavail} * disk.f_frsize;
  ASSERT_GT(free_bytes, left);
  std::ofstream ballast(path, std::ios::binary);
  const std::string chunk(64 << 10, '\0');
  for (uint64_t written = 0; written + left < free_bytes;
       written += chunk.size()) {
    ASSERT_TRUE(ballast.write(chunk.data(), chunk.size()));
  }
  ASSERT_TRUE(ballast.flush());
}

// Polls `condition` every 100 ms for up to 30 s.
template <class Condition>
bool Eventually(Condition condition) {
  for (int i = 0; i < 300; ++i) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

class DiskFullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Before any thread exists: a multi-threaded process cannot unshare.
    if (unshare(CLONE_NEWNS) != 0) {
      GTEST_SKIP() << "a private tmpfs needs root (CAP_SYS_ADMIN): "
                   << std::strerror(errno);
    }
    ASSERT_EQ(mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr), 0)
        << std::strerror(errno);
    disk_ = MakeTempDir();
    ASSERT_EQ(mount("passclear-test", disk_.c_str(), "tmpfs", 0, "size=48m"), 0)
        << std::strerror(errno);
  }
  void TearDown() override {
    if (disk_.empty()) return;
    umount2(disk_.c_str(), MNT_DETACH);
    std::filesystem::remove_all(disk_);
  }

  std::string disk_;
};

TEST_F(DiskFullTest, RefusesWritesKeepsReadingAndResumesOnceSpaceIsFreed) {
  const std::string data_dir = disk_ + "/data";
  const std::vector<std::string> flags = {"--terminal_rate=0",
                                          "--min_free_disk_mb=16"};
  std::optional<ServerProcess> server(ServerProcess::Start(data_dir, flags));
  ASSERT_TRUE(server->running());
  auto admin = v1::AdminService::NewStub(server->Channel());
  auto redemption = v1::RedemptionService::NewStub(server->Channel());
  const Scheme scheme = SetUpScheme(*admin, /*booklets=*/30);
  auto redeem = [&](size_t pass, const std::string& request_id,
                    v1::RedeemResponse& response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    return redemption->Redeem(
        &context,
        MakeRedeemRequest(scheme.codes[pass], scheme.venue_id, "T-1",
                          request_id),
        &response);
  };
  v1::RedeemResponse response;
  ASSERT_TRUE(redeem(0, "before", response).ok());
  ASSERT_EQ(response.result(), v1::REDEEM_RESULT_REDEEMED);

  const std::string ballast = disk_ + "/ballast";
  ASSERT_NO_FATAL_FAILURE(FillUpTo(ballast, uint64_t{8} << 20));
  // The server looks at its disk every second: redemptions go through
  // until it notices.
  size_t next = 1;
  grpc::Status refused;
  for (; next < scheme.codes.size(); ++next) {
    refused = redeem(next, absl::StrCat("full-", next), response);
    if (!refused.ok()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_FALSE(refused.ok()) << "every redemption went through a full disk";
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_NE(refused.error_message().find("the data disk is full"),
            std::string::npos)
      << refused.error_message();
  const size_t refused_pass = next;

  // Reads go on; health and metrics say the store takes no writes.
  v1::CheckPassRequest check;
  check.set_code(scheme.codes[0]);
  v1::CheckPassResponse state;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(redemption->CheckPass(&context, check, &state).ok());
  }
  EXPECT_EQ(state.state(), v1::PASS_STATE_REDEEMED);
  EXPECT_TRUE(Eventually([&] {
    absl::StatusOr<std::string> health = HealthStatus(server->Channel());
    return health.ok() && *health == "NOT_SERVING";
  }));
  absl::StatusOr<std::string> metrics =
      HttpGet(server->metrics_address(), "/metrics");
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  EXPECT_NE(metrics->find("passclear_store_writable 0"), std::string::npos);
  // Still refused, with the same message, while nothing is freed.
  grpc::Status again = redeem(refused_pass + 1, "still-full", response);
  EXPECT_EQ(again.error_code(), grpc::StatusCode::UNAVAILABLE);

  std::filesystem::remove(ballast);
  // Resumes by itself: the refused request, retried, redeems once.
  ASSERT_TRUE(Eventually([&] {
    return redeem(refused_pass, absl::StrCat("full-", refused_pass), response)
        .ok();
  })) << "no write went through after space was freed";
  EXPECT_EQ(response.result(), v1::REDEEM_RESULT_REDEEMED)
      << response.message();
  EXPECT_TRUE(Eventually([&] {
    absl::StatusOr<std::string> health = HealthStatus(server->Channel());
    return health.ok() && *health == "SERVING";
  }));
  metrics = HttpGet(server->metrics_address(), "/metrics");
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  EXPECT_NE(metrics->find("passclear_store_writable 1"), std::string::npos);

  // Nothing was corrupted: every acknowledged redemption is there once,
  // across a restart too.
  redemption.reset();
  admin.reset();
  EXPECT_EQ(server->Stop(), 0);
  server.emplace(ServerProcess::Start(data_dir, flags));
  ASSERT_TRUE(server->running());
  redemption = v1::RedemptionService::NewStub(server->Channel());
  for (size_t pass = 0; pass <= refused_pass; ++pass) {
    check.set_code(scheme.codes[pass]);
    grpc::ClientContext context;
    ASSERT_TRUE(redemption->CheckPass(&context, check, &state).ok());
    EXPECT_EQ(state.state(), v1::PASS_STATE_REDEEMED) << pass;
  }
  ExpectReconciled(*v1::ClearingService::NewStub(server->Channel()));
}

}  // namespace
}  // namespace passclear::testing
