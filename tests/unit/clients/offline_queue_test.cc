// The terminal's offline queue on a real disk: scans survive reopening, a
// torn last line (a power cut mid-append) is dropped, removals persist, and
// a second client cannot open a folder already in use.
#include "clients/offline_queue.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "gtest/gtest.h"

namespace passclear {
namespace {

class OfflineQueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::path(::testing::TempDir()) / "queue_test_XXXXXX")
            .string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    directory_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }

  std::unique_ptr<OfflineQueue> Open() {
    absl::StatusOr<std::unique_ptr<OfflineQueue>> queue =
        OfflineQueue::Open(directory_);
    EXPECT_TRUE(queue.ok()) << queue.status();
    return queue.ok() ? *std::move(queue) : nullptr;
  }

  std::string directory_;
};

const QueuedScan kFirst{.request_id = "r-1",
                        .code = "000000000001123456789012",
                        .scanned_at = absl::FromUnixSeconds(1'790'000'000)};
const QueuedScan kSecond{.request_id = "r-2",
                         .code = "000000000002123456789012",
                         .scanned_at = absl::FromUnixNanos(1'790'000'001'5)};

TEST_F(OfflineQueueTest, ScansSurviveReopeningInOrder) {
  {
    std::unique_ptr<OfflineQueue> queue = Open();
    ASSERT_NE(queue, nullptr);
    ASSERT_TRUE(queue->Add(kFirst).ok());
    ASSERT_TRUE(queue->Add(kSecond).ok());
  }
  std::unique_ptr<OfflineQueue> reopened = Open();
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->Scans(), (std::vector<QueuedScan>{kFirst, kSecond}));
}

TEST_F(OfflineQueueTest, DropsATornLastLineAndAppendsAfterIt) {
  {
    std::unique_ptr<OfflineQueue> queue = Open();
    ASSERT_NE(queue, nullptr);
    ASSERT_TRUE(queue->Add(kFirst).ok());
  }
  std::ofstream(directory_ + "/offline-scans.txt", std::ios::app)
      << "r-2\t0000000";  // the power went here
  {
    std::unique_ptr<OfflineQueue> queue = Open();
    ASSERT_NE(queue, nullptr);
    EXPECT_EQ(queue->Scans(), std::vector<QueuedScan>{kFirst});
    ASSERT_TRUE(queue->Add(kSecond).ok());
  }
  std::unique_ptr<OfflineQueue> reopened = Open();
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->Scans(), (std::vector<QueuedScan>{kFirst, kSecond}));
}

TEST_F(OfflineQueueTest, RemovalsPersist) {
  {
    std::unique_ptr<OfflineQueue> queue = Open();
    ASSERT_NE(queue, nullptr);
    ASSERT_TRUE(queue->Add(kFirst).ok());
    ASSERT_TRUE(queue->Add(kSecond).ok());
    ASSERT_TRUE(queue->Remove({"r-1"}).ok());
    EXPECT_EQ(queue->size(), 1u);
  }
  std::unique_ptr<OfflineQueue> reopened = Open();
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->Scans(), std::vector<QueuedScan>{kSecond});
}

TEST_F(OfflineQueueTest, OneClientPerFolder) {
  std::unique_ptr<OfflineQueue> queue = Open();
  ASSERT_NE(queue, nullptr);
  absl::StatusOr<std::unique_ptr<OfflineQueue>> second =
      OfflineQueue::Open(directory_);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  queue.reset();
  EXPECT_NE(Open(), nullptr);  // free again once the first is closed
}

TEST_F(OfflineQueueTest, RefusesFieldsThatWouldBreakTheFile) {
  std::unique_ptr<OfflineQueue> queue = Open();
  ASSERT_NE(queue, nullptr);
  QueuedScan bad = kFirst;
  bad.code = "0000\t1";
  EXPECT_EQ(queue->Add(bad).code(), absl::StatusCode::kInvalidArgument);
  bad = kFirst;
  bad.request_id = "";
  EXPECT_EQ(queue->Add(bad).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(queue->size(), 0u);
}

TEST_F(OfflineQueueTest, ADamagedLineIsDataLossNamingIt) {
  std::filesystem::create_directories(directory_);
  std::ofstream(directory_ + "/offline-scans.txt") << "r-1\tcode\tnot-a-time\n";
  absl::StatusOr<std::unique_ptr<OfflineQueue>> queue =
      OfflineQueue::Open(directory_);
  ASSERT_FALSE(queue.ok());
  EXPECT_EQ(queue.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(queue.status().message().find("line 1"), absl::string_view::npos);
}

}  // namespace
}  // namespace passclear
