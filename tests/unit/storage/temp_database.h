// A test fixture that opens a bare Database (the column families, no
// PassStore) in a fresh temporary directory, removed in TearDown.
//
//   class MyTest : public passclear::storage::TempDatabaseTest {};
//   TEST_F(MyTest, Writes) { StagedWrites staged(database(), absl::Now()); }
#ifndef PASSCLEAR_TESTS_UNIT_STORAGE_TEMP_DATABASE_H_
#define PASSCLEAR_TESTS_UNIT_STORAGE_TEMP_DATABASE_H_

#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <utility>

#include "gtest/gtest.h"
#include "storage/database.h"

namespace passclear::storage {

class TempDatabaseTest : public testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "passclear-db-XXXXXX")
            .string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    path_ = pattern;
    absl::StatusOr<std::unique_ptr<Database>> database =
        Database::Open({.path = path_ + "/db"});
    ASSERT_TRUE(database.ok()) << database.status();
    database_ = *std::move(database);
  }
  void TearDown() override {
    database_.reset();
    std::filesystem::remove_all(path_);
  }

  Database& database() { return *database_; }

 private:
  std::string path_;
  std::unique_ptr<Database> database_;
};

}  // namespace passclear::storage

#endif  // PASSCLEAR_TESTS_UNIT_STORAGE_TEMP_DATABASE_H_
