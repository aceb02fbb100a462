#include "storage/record_writers.h"

#include <filesystem>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "storage/rocksdb_status.h"
#include "storage/status_macros.h"
#include "storage/store_recovery.h"

namespace passclear::storage {

absl::Status BatchRecordWriter::Put(rocksdb::ColumnFamilyHandle* family,
                                    const std::string& key,
                                    const std::string& value) {
  return FromRocksDb(batch_.Put(family, key, value), "staging a record");
}

absl::Status BatchRecordWriter::Merge(rocksdb::ColumnFamilyHandle* family,
                                      const std::string& key,
                                      const std::string& operand) {
  return FromRocksDb(batch_.Merge(family, key, operand), "staging a merge");
}

absl::Status BatchRecordWriter::Commit() {
  rocksdb::WriteOptions options;
  options.sync = true;
  return database_.Write(options, &batch_, "writing records");
}

absl::StatusOr<std::unique_ptr<IngestRecordWriter>> IngestRecordWriter::Create(
    const Database& database) {
  absl::BitGen random;
  const std::string folder = (std::filesystem::path(database.path()) /
                              absl::StrFormat("%s%016x", kIngestFolderPrefix,
                                              absl::Uniform<uint64_t>(random)))
                                 .string();
  std::error_code error;
  std::filesystem::create_directory(folder, error);
  if (error) {
    return absl::UnavailableError(
        absl::StrCat("cannot create ", folder, ": ", error.message()));
  }
  return std::unique_ptr<IngestRecordWriter>(
      new IngestRecordWriter(database, folder));
}

IngestRecordWriter::~IngestRecordWriter() {
  writers_.clear();
  std::error_code ignored;
  std::filesystem::remove_all(folder_, ignored);
}

absl::StatusOr<rocksdb::SstFileWriter*> IngestRecordWriter::WriterFor(
    rocksdb::ColumnFamilyHandle* family) {
  auto it = writers_.find(family);
  if (it == writers_.end()) {
    auto writer = std::make_unique<rocksdb::SstFileWriter>(
        rocksdb::EnvOptions(), rocksdb::Options(), family);
    const std::string file =
        (std::filesystem::path(folder_) / absl::StrCat(family->GetID(), ".sst"))
            .string();
    RETURN_IF_ERROR(FromRocksDb(writer->Open(file), "opening an SST file"));
    files_[family] = file;
    it = writers_.emplace(family, std::move(writer)).first;
  }
  return it->second.get();
}

absl::Status IngestRecordWriter::Put(rocksdb::ColumnFamilyHandle* family,
                                     const std::string& key,
                                     const std::string& value) {
  ASSIGN_OR_RETURN(rocksdb::SstFileWriter * writer, WriterFor(family));
  return FromRocksDb(writer->Put(key, value), "writing an SST file");
}

absl::Status IngestRecordWriter::Merge(rocksdb::ColumnFamilyHandle* family,
                                       const std::string& key,
                                       const std::string& operand) {
  ASSIGN_OR_RETURN(rocksdb::SstFileWriter * writer, WriterFor(family));
  return FromRocksDb(writer->Merge(key, operand), "writing an SST file");
}

absl::Status IngestRecordWriter::Commit() {
  std::vector<rocksdb::IngestExternalFileArg> args;
  for (auto& [family, writer] : writers_) {
    RETURN_IF_ERROR(FromRocksDb(writer->Finish(), "finishing an SST file"));
    rocksdb::IngestExternalFileArg arg;
    arg.column_family = family;
    arg.external_files = {files_.at(family)};
    arg.options.move_files = true;
    // The metadata keys overwrite values still in the memtable: let RocksDB
    // flush it first rather than refuse.
    arg.options.allow_blocking_flush = true;
    args.push_back(std::move(arg));
  }
  if (args.empty()) return absl::OkStatus();
  RETURN_IF_ERROR(database_.write_health().CheckWritable());
  return FromRocksDb(database_.db()->IngestExternalFiles(args),
                     "ingesting SST files");
}

}  // namespace passclear::storage
