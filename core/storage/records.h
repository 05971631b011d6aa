// Plain data the storage layer reads and writes. No behaviour, no SQL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace person_import {

using CompanyId = std::int64_t;
using PersonId = std::int64_t;
using JobId = std::int64_t;

struct Company {
  CompanyId id = 0;
  std::string key;
  std::string created_at;
};

struct PersonRecord {
  PersonId person_id = 0;
  std::string person_key;
  std::optional<std::string> external_person_id;
  std::optional<std::string> mdn;  // E.164
  std::optional<std::string> carrier_code;
  nlohmann::json custom_fields = nlohmann::json::object();  // name -> stored value
  std::vector<std::string> device_ids;  // filled by reads for export and `persons get` only
  std::string created_at;
  std::string updated_at;
};

// Every identifier a batch of rows refers to; the store loads each person that matches any of
// them, and the owner of every listed device.
struct PersonLookupKeys {
  std::vector<PersonId> person_ids;
  std::vector<std::string> person_keys;
  std::vector<std::string> external_person_ids;
  std::vector<std::string> mdns;
  std::vector<std::string> device_ids;
};

struct DeviceOwner {
  std::string device_id;
  PersonId person_id = 0;
};

struct PersonSnapshot {
  std::vector<PersonRecord> persons;  // device_ids left empty
  std::vector<DeviceOwner> devices;   // owners of the requested devices that have one
};

// One reported row error (spec section 7, `row_errors`).
struct RowErrorRecord {
  std::uint64_t line = 0;
  std::uint64_t row = 0;
  std::string class_name;
  std::string message;
  std::optional<std::string> field;
  std::optional<std::string> value;
  bool retryable = false;
};

// Where a failed record stands in the source file, so the failed-rows file can copy it exactly.
struct FailedRowRange {
  std::uint64_t row = 0;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
};

// A person a row created: what the created-persons file lists (spec section 10, "Results").
struct CreatedRow {
  std::uint64_t row = 0;
  std::uint64_t line = 0;
  PersonId person_id = 0;
};

// A created row as the created-persons file shows it: with the person's key and external id as
// they stand when it is read.
struct CreatedPersonRecord {
  std::uint64_t row = 0;
  std::uint64_t line = 0;
  PersonId person_id = 0;
  std::string person_key;
  std::optional<std::string> external_person_id;
};

// The counters of a job, as of its last committed batch (or its end).
struct JobCounts {
  std::uint64_t rows = 0;
  std::uint64_t created = 0;
  std::uint64_t updated = 0;
  std::uint64_t failed = 0;
  std::uint64_t retryable = 0;
};

// Where an interrupted import can resume: everything before is committed.
struct JobCheckpoint {
  JobCounts counts;
  std::uint64_t next_offset = 0;  // byte offset of the first record not yet applied
  std::uint64_t next_line = 1;    // its physical line
};

// What changed in one batch, written atomically together with its errors and checkpoint.
struct BatchChanges {
  std::vector<PersonRecord> created;     // new persons, final state in this batch
  std::vector<PersonRecord> updated;     // existing persons whose stored state changed
  std::vector<DeviceOwner> devices;      // device attachments (a device has one owner)
  std::vector<CreatedRow> created_rows;  // the rows that created `created`, in row order
  std::vector<RowErrorRecord> row_errors;
  std::vector<FailedRowRange> failed_rows;
  JobCheckpoint checkpoint;
};

enum class JobStatus { kRunning, kCompleted, kRejected, kFailed };
const char* to_string(JobStatus status);
std::optional<JobStatus> parse_job_status(const std::string& text);

struct FileErrorRecord {
  std::string class_name;
  std::string message;
};

// What a company holds, for `companies list` and `companies remove`.
struct CompanyUsage {
  std::uint64_t persons = 0;
  std::uint64_t custom_fields = 0;
  std::uint64_t authorized_keys = 0;
  std::uint64_t jobs = 0;
};

struct JobRecord {
  JobId job_id = 0;
  std::string company;
  std::string file;         // the name shown in reports (file name, not path)
  std::string source_path;  // where the import read it from
  JobStatus status = JobStatus::kRunning;
  bool dry_run = false;
  JobCounts counts;
  std::vector<std::string> warnings;
  std::vector<FileErrorRecord> file_errors;
  std::optional<std::string> received_at;
  std::optional<std::string> started_at;
  std::optional<std::string> finished_at;
  std::optional<std::uint64_t> bytes;
  std::optional<std::string> sha256;
  JobCheckpoint checkpoint;
};

}  // namespace person_import
