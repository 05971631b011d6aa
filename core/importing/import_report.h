// The results of an import (spec section 7): the JSON report and the errors CSV.
//
// Row errors are streamed from wherever they are kept (an import session, or a stored job),
// never gathered in memory, so a file with a million failing rows reports in flat memory.
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

// Writes the report: the keys of spec section 7 in its order, then `extra`'s keys (the
// daemon's timestamps, size and checksum). One row error per line, so large reports stay
// readable and diffable. Errors: the source failed or the stream went bad.
Status write_report_json(std::ostream& out, const ImportSummary& summary,
                         const RowErrorSource& row_errors,
                         const nlohmann::json& extra = nlohmann::json::object());

// Writes `line,row,class,message,field,value` and one RFC 4180 line per error.
Status write_errors_csv(std::ostream& out, const RowErrorSource& row_errors);

// The process exit status of `import` for a finished import (spec section 8):
// 0 every row applied, 3 completed with row errors, 4 rejected, 1 failed.
int import_exit_code(const ImportSummary& summary);

}  // namespace person_import
