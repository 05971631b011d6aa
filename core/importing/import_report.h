// The results of an import (spec sections 7 and 10): the JSON report, the daemon's manifest,
// the errors CSV and the created-persons CSV.
//
// Row errors and created persons are streamed from wherever they are kept (an import session,
// or a stored job), never gathered in memory, so a file with a million failing rows reports in
// flat memory.
#pragma once

#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/common/result.h"
#include "core/storage/records.h"

namespace person_import {

// Everything in the report but the row errors.
struct ImportSummary {
  std::optional<JobId> job_id;  // none for dry runs (nothing is recorded)
  std::string file;
  std::string company;
  JobStatus status = JobStatus::kCompleted;
  bool dry_run = false;
  JobCounts counts;
  std::vector<std::string> warnings;
  std::vector<FileErrorRecord> file_errors;
};

// The summary a stored job reports.
ImportSummary summary_of(const JobRecord& job);

// Streams row errors in report order into the callback, which returns false to stop.
using RowErrorSource = std::function<Status(const std::function<bool(const RowErrorRecord&)>&)>;

// Writes the report: the keys of spec section 7 in its order, every row error, one per line,
// so large reports stay readable and diffable. Errors: the source failed or the stream went
// bad.
Status write_report_json(std::ostream& out, const ImportSummary& summary,
                         const RowErrorSource& row_errors);

// The result files written beside a manifest, by file name (none: not written).
struct ManifestFiles {
  std::optional<std::string> errors;
  std::optional<std::string> failed_rows;
  std::optional<std::string> created;
};

// The manifest's schema; raised when a key changes meaning or goes away (new keys may appear
// at the end without it).
inline constexpr int kManifestSchemaVersion = 1;
// Longer client text (values, column names, messages that quote them) is cut in the manifest:
// the errors CSV has it whole.
inline constexpr std::size_t kManifestTextBytes = 256;
// The (class, field) pairs the summary lists, most frequent first.
inline constexpr std::size_t kManifestSummaryPairs = 100;

// Writes a finished daemon job's manifest, `<name>.result.json` (spec section 10), its keys in
// this order (docs/file-format.md): schema_version, job_id (a number), file, company, status,
// dry_run, received_at, started_at, finished_at, bytes, sha256, rows, created, updated, failed,
// retryable, warnings, file_errors, error_summary {by_class, by_class_and_field,
// by_class_and_field_omitted}, row_errors_total, row_errors_omitted, row_errors (the first
// `max_row_errors`, one a line), result_files {errors, failed_rows, created}. One pass over the
// row errors; memory holds at most `max_row_errors` of them. Errors: the source failed or the
// stream went bad.
Status write_manifest_json(std::ostream& out, const JobRecord& job,
                           const RowErrorSource& row_errors, std::size_t max_row_errors,
                           const ManifestFiles& files);

// Streams created persons in row order into the callback, which returns false to stop.
using CreatedPersonSource =
    std::function<Status(const std::function<bool(const CreatedPersonRecord&)>&)>;

// Writes `row,line,person_id,person_key,external_person_id` and one RFC 4180 line per created
// person. `assigned` false (a dry run: nothing was assigned) leaves person_id and person_key
// empty.
Status write_created_csv(std::ostream& out, const CreatedPersonSource& created, bool assigned);

// Writes `line,row,class,message,field,value` and one RFC 4180 line per error.
Status write_errors_csv(std::ostream& out, const RowErrorSource& row_errors);

// The process exit status of `import` for a finished import (spec section 8):
// 0 every row applied, 3 completed with row errors, 4 rejected, 1 failed.
int import_exit_code(const ImportSummary& summary);

}  // namespace person_import
