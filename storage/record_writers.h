// Two ways to write a set of records atomically and durably, behind one
// interface, so that an admin call can pick by size:
//
//   BatchRecordWriter: one synced WriteBatch. Right for a few thousand
//     records; every record goes through the WAL and the memtable.
//   IngestRecordWriter: one sorted SST file per column family, ingested
//     together with RocksDB's atomic multi-family IngestExternalFiles. Right
//     for millions of records (issuing 10 million passes): no WAL, no
//     memtable, no compaction of the new data.
//
//   std::unique_ptr<RecordWriter> writer = ...;
//   RETURN_IF_ERROR(writer->Put(family, key, value));  // ascending per family
//   RETURN_IF_ERROR(writer->Commit());  // all or nothing
#ifndef PASSCLEAR_STORAGE_RECORD_WRITERS_H_
#define PASSCLEAR_STORAGE_RECORD_WRITERS_H_

#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "rocksdb/sst_file_writer.h"
#include "rocksdb/write_batch.h"
#include "storage/database.h"

namespace passclear::storage {

class RecordWriter {
 public:
  virtual ~RecordWriter() = default;
  // Keys must be ascending within each family (IngestRecordWriter needs it).
  [[nodiscard]] virtual absl::Status Put(rocksdb::ColumnFamilyHandle* family,
                                         const std::string& key,
                                         const std::string& value) = 0;
  // Adds a merge operand; the same ordering rule applies.
  [[nodiscard]] virtual absl::Status Merge(rocksdb::ColumnFamilyHandle* family,
                                           const std::string& key,
                                           const std::string& operand) = 0;
  // Makes every record durable and visible at once, or none of them.
  [[nodiscard]] virtual absl::Status Commit() = 0;
};

class BatchRecordWriter final : public RecordWriter {
 public:
  explicit BatchRecordWriter(const Database& database) : database_(database) {}
  absl::Status Put(rocksdb::ColumnFamilyHandle* family, const std::string& key,
                   const std::string& value) override;
  absl::Status Merge(rocksdb::ColumnFamilyHandle* family,
                     const std::string& key,
                     const std::string& operand) override;
  absl::Status Commit() override;

 private:
  const Database& database_;
  rocksdb::WriteBatch batch_;
};

class IngestRecordWriter final : public RecordWriter {
 public:
  // Writes its files in a fresh folder inside the store's directory (so that
  // ingestion moves them instead of copying) and removes it when done.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<IngestRecordWriter>>
  Create(const Database& database);
  ~IngestRecordWriter() override;

  absl::Status Put(rocksdb::ColumnFamilyHandle* family, const std::string& key,
                   const std::string& value) override;
  absl::Status Merge(rocksdb::ColumnFamilyHandle* family,
                     const std::string& key,
                     const std::string& operand) override;
  absl::Status Commit() override;

 private:
  IngestRecordWriter(const Database& database, std::string folder)
      : database_(database), folder_(std::move(folder)) {}
  // The family's SST writer, opened on first use.
  [[nodiscard]] absl::StatusOr<rocksdb::SstFileWriter*> WriterFor(
      rocksdb::ColumnFamilyHandle* family);

  const Database& database_;
  const std::string folder_;
  std::map<rocksdb::ColumnFamilyHandle*,
           std::unique_ptr<rocksdb::SstFileWriter>>
      writers_;
  std::map<rocksdb::ColumnFamilyHandle*, std::string> files_;
};

}  // namespace passclear::storage

#endif  // PASSCLEAR_STORAGE_RECORD_WRITERS_H_
