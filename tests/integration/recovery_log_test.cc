// What the real server says at start about the previous stop: after a
// SIGKILL, that the stop was not clean and what recovery replayed from the
// write-ahead log; after a SIGTERM, that it was clean and there was nothing
// to replay.
#include <signal.h>

#include <regex>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/integration/server_fixture.h"
#include "tests/integration/server_log.h"

namespace passclear::testing {
namespace {

class RecoveryLogTest : public ServerFixture {
 protected:
  // Starts the server again on the same store, its log in `log_path`.
  void RestartWithLog(const std::string& log_path) {
    server_.emplace(StartWithLog(data_dir_, log_path));
    ASSERT_TRUE(server_->running());
    redemption_ = v1::RedemptionService::NewStub(server_->Channel());
    admin_ = v1::AdminService::NewStub(server_->Channel());
  }
};

TEST_F(RecoveryLogTest, AKillIsSaidAtRestartWithWhatWasReplayed) {
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(Redeem(MakeRedeemRequest(scheme_.codes[i], scheme_.venue_id,
                                       "T-1", absl::StrCat("r-", i)))
                  .result(),
              v1::REDEEM_RESULT_REDEEMED);
  }
  const pid_t killed = server_->pid();
  redemption_.reset();
  admin_.reset();
  ASSERT_EQ(server_->Kill(SIGKILL), 128 + SIGKILL);

  const std::string after_kill = temp_dir_ + "/after-kill.log";
  RestartWithLog(after_kill);
  const std::string text = ReadFile(after_kill);
  EXPECT_TRUE(absl::StrContains(
      text, absl::StrCat("WARNING the previous stop was not clean: the store "
                         "at ",
                         data_dir_, " was opened by pid ", killed, " at ")))
      << text;
  EXPECT_TRUE(absl::StrContains(
      text, "and never closed (killed, crashed or a power cut); recovering"))
      << text;
  // The 20 redemptions were in the write-ahead log only: each is a pass
  // record, a claim line, a journal entry, a stored answer and counters.
  std::smatch replayed;
  ASSERT_TRUE(std::regex_search(
      text, replayed,
      std::regex(
          "INFO recovery: replayed ([0-9]+) entries from the "
          "write-ahead log \\([0-9]+ files?, [0-9.]+ [KM]iB\\) into [0-9]+ "
          "tables; the store is at sequence number [0-9]+")))
      << text;
  EXPECT_GE(std::stoi(replayed[1]), 4 * 20) << text;
  // What was replayed is what was acknowledged.
  EXPECT_EQ(Redeem(MakeRedeemRequest(scheme_.codes[19], scheme_.venue_id, "T-1",
                                     "r-19"))
                .result(),
            v1::REDEEM_RESULT_REDEEMED)
      << "the stored answer replays";
  EXPECT_EQ(Redeem(MakeRedeemRequest(scheme_.codes[19], scheme_.venue_id, "T-1",
                                     "r-again"))
                .result(),
            v1::REDEEM_RESULT_ALREADY_REDEEMED);

  ASSERT_EQ(StopServer(), 0);
  const std::string after_stop = temp_dir_ + "/after-stop.log";
  RestartWithLog(after_stop);
  const std::string clean = ReadFile(after_stop);
  EXPECT_TRUE(absl::StrContains(
      clean, absl::StrCat("INFO the previous stop was clean: the store at ",
                          data_dir_, " was closed")))
      << clean;
  EXPECT_TRUE(absl::StrContains(
      clean, "INFO recovery: nothing to replay from the write-ahead log"))
      << clean;
  EXPECT_FALSE(absl::StrContains(clean, "not clean")) << clean;
  EXPECT_EQ(Redeem(MakeRedeemRequest(scheme_.codes[0], scheme_.venue_id, "T-1",
                                     "r-after-stop"))
                .result(),
            v1::REDEEM_RESULT_ALREADY_REDEEMED);
}

}  // namespace
}  // namespace passclear::testing
