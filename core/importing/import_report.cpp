#include "core/importing/import_report.h"

#include "core/common/csv.h"

namespace person_import {
namespace {

std::string dump(const nlohmann::json& value) {
  // Replace rather than throw: a value is valid UTF-8 by the time it is reported, but a report
  // must never be lost to a stray byte.
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

nlohmann::json optional_json(const std::optional<std::string>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

}  // namespace

ImportSummary summary_of(const JobRecord& job) {
  ImportSummary summary;
  if (!job.dry_run) summary.job_id = job.job_id;
  summary.file = job.file;
  summary.company = job.company;
  summary.status = job.status;
  summary.dry_run = job.dry_run;
  summary.counts = job.counts;
  summary.warnings = job.warnings;
  summary.file_errors = job.file_errors;
  return summary;
}

Status write_report_json(std::ostream& out, const ImportSummary& summary,
                         const RowErrorSource& row_errors, const nlohmann::json& extra) {
  nlohmann::json file_errors = nlohmann::json::array();
  for (const auto& error : summary.file_errors) {
    file_errors.push_back({{"class", error.class_name}, {"message", error.message}});
  }
  out << "{\n";
  out << "  \"job_id\": "
      << (summary.job_id ? dump(std::to_string(*summary.job_id)) : std::string("null")) << ",\n";
  out << "  \"file\": " << dump(summary.file) << ",\n";
  out << "  \"company\": " << dump(summary.company) << ",\n";
  out << "  \"status\": " << dump(to_string(summary.status)) << ",\n";
  out << "  \"dry_run\": " << (summary.dry_run ? "true" : "false") << ",\n";
  out << "  \"rows\": " << summary.counts.rows << ",\n";
  out << "  \"created\": " << summary.counts.created << ",\n";
  out << "  \"updated\": " << summary.counts.updated << ",\n";
  out << "  \"failed\": " << summary.counts.failed << ",\n";
  out << "  \"retryable\": " << summary.counts.retryable << ",\n";
  out << "  \"warnings\": " << dump(summary.warnings) << ",\n";
  out << "  \"file_errors\": " << dump(file_errors) << ",\n";
  for (const auto& [key, value] : extra.items()) {
    out << "  " << dump(key) << ": " << dump(value) << ",\n";
  }
  out << "  \"row_errors\": [";
  bool first = true;
  PI_RETURN_IF_ERROR(row_errors([&](const RowErrorRecord& error) {
    nlohmann::ordered_json entry;
    entry["line"] = error.line;
    entry["row"] = error.row;
    entry["class"] = error.class_name;
    entry["message"] = error.message;
    entry["field"] = optional_json(error.field);
    entry["value"] = optional_json(error.value);
    out << (first ? "\n    " : ",\n    ")
        << entry.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    first = false;
    return static_cast<bool>(out);
  }));
  out << (first ? "]\n}\n" : "\n  ]\n}\n");
  if (!out) return make_error("could not write the report");
  return {};
}

Status write_errors_csv(std::ostream& out, const RowErrorSource& row_errors) {
  out << "line,row,class,message,field,value\n";
  PI_RETURN_IF_ERROR(row_errors([&](const RowErrorRecord& error) {
    out << error.line << ',' << error.row << ',';
    write_csv_value(out, error.class_name);
    out << ',';
    write_csv_value(out, error.message);
    out << ',';
    write_csv_value(out, error.field.value_or(""));
    out << ',';
    write_csv_value(out, error.value.value_or(""));
    out << '\n';
    return static_cast<bool>(out);
  }));
  if (!out) return make_error("could not write the errors CSV");
  return {};
}

int import_exit_code(const ImportSummary& summary) {
  switch (summary.status) {
    case JobStatus::kRejected:
      return 4;
    case JobStatus::kCompleted:
      return summary.counts.failed > 0 ? 3 : 0;
    case JobStatus::kRunning:
    case JobStatus::kFailed:
      return 1;
  }
  return 1;
}

}  // namespace person_import
