#include "core/importing/import_report.h"

#include <algorithm>
#include <map>

#include "core/common/csv.h"
#include "core/common/json_text.h"
#include "core/common/utf8.h"

namespace person_import {
namespace {

using Json = nlohmann::ordered_json;

Json row_error_json(const RowErrorRecord& error) {
  Json entry;
  entry["line"] = error.line;
  entry["row"] = error.row;
  entry["class"] = error.class_name;
  entry["message"] = error.message;
  entry["field"] = optional_json(error.field);
  entry["value"] = optional_json(error.value);
  return entry;
}

Json file_errors_json(const std::vector<FileErrorRecord>& errors) {
  Json list = Json::array();
  for (const auto& error : errors) {
    list.push_back({{"class", error.class_name}, {"message", error.message}});
  }
  return list;
}

// `text` cut to kManifestTextBytes at a character boundary, "…" marking the cut.
std::string shortened(const std::string& text) {
  if (text.size() <= kManifestTextBytes) return text;
  return text.substr(0, utf8::floor_boundary(text, kManifestTextBytes)) + "…";
}
std::optional<std::string> shortened(const std::optional<std::string>& text) {
  return text ? std::optional<std::string>(shortened(*text)) : std::nullopt;
}

// Counts sorted most frequent first, then by key.
template <class Key>
std::vector<std::pair<Key, std::uint64_t>> by_count(const std::map<Key, std::uint64_t>& counts) {
  std::vector<std::pair<Key, std::uint64_t>> sorted(counts.begin(), counts.end());
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  return sorted;
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
                         const RowErrorSource& row_errors) {
  const Json file_errors = file_errors_json(summary.file_errors);
  out << "{\n";
  out << "  \"job_id\": "
      << (summary.job_id ? json_text(std::to_string(*summary.job_id)) : std::string("null"))
      << ",\n";
  out << "  \"file\": " << json_text(summary.file) << ",\n";
  out << "  \"company\": " << json_text(summary.company) << ",\n";
  out << "  \"status\": " << json_text(to_string(summary.status)) << ",\n";
  out << "  \"dry_run\": " << (summary.dry_run ? "true" : "false") << ",\n";
  out << "  \"rows\": " << summary.counts.rows << ",\n";
  out << "  \"created\": " << summary.counts.created << ",\n";
  out << "  \"updated\": " << summary.counts.updated << ",\n";
  out << "  \"failed\": " << summary.counts.failed << ",\n";
  out << "  \"retryable\": " << summary.counts.retryable << ",\n";
  out << "  \"warnings\": " << json_text(summary.warnings) << ",\n";
  out << "  \"file_errors\": " << json_text(file_errors) << ",\n";
  out << "  \"row_errors\": [";
  bool first = true;
  PI_RETURN_IF_ERROR(row_errors([&](const RowErrorRecord& error) {
    out << (first ? "\n    " : ",\n    ") << json_text(row_error_json(error));
    first = false;
    return static_cast<bool>(out);
  }));
  out << (first ? "]\n}\n" : "\n  ]\n}\n");
  if (!out) return make_error("could not write the report");
  return {};
}

Status write_manifest_json(std::ostream& out, const JobRecord& job,
                           const RowErrorSource& row_errors, std::size_t max_row_errors,
                           const ManifestFiles& files) {
  std::map<std::string, std::uint64_t> by_class;
  std::map<std::pair<std::string, std::optional<std::string>>, std::uint64_t> by_class_and_field;
  std::vector<RowErrorRecord> included;
  std::uint64_t total = 0;
  PI_RETURN_IF_ERROR(row_errors([&](const RowErrorRecord& error) {
    ++total;
    ++by_class[error.class_name];
    ++by_class_and_field[{error.class_name, shortened(error.field)}];
    if (included.size() < max_row_errors) {
      RowErrorRecord entry = error;
      entry.message = shortened(entry.message);
      entry.field = shortened(entry.field);
      entry.value = shortened(entry.value);
      included.push_back(std::move(entry));
    }
    return true;
  }));

  // The summary, one entry a line: what an ops person reads first.
  std::vector<Json> class_counts;
  for (const auto& [name, count] : by_count(by_class)) {
    class_counts.push_back(Json{{"class", name}, {"count", count}});
  }
  std::vector<Json> pair_counts;
  const auto pairs = by_count(by_class_and_field);
  for (std::size_t index = 0; index < pairs.size() && index < kManifestSummaryPairs; ++index) {
    const auto& [key, count] = pairs[index];
    pair_counts.push_back(
        Json{{"class", key.first}, {"field", optional_json(key.second)}, {"count", count}});
  }
  auto entries = [](const std::vector<Json>& list) {
    std::string text = "[";
    for (std::size_t index = 0; index < list.size(); ++index) {
      text += (index == 0 ? "\n      " : ",\n      ") + json_text(list[index]);
    }
    return text + (list.empty() ? "]" : "\n    ]");
  };
  const std::string summary =
      "{\n    \"by_class\": " + entries(class_counts) +
      ",\n    \"by_class_and_field\": " + entries(pair_counts) +
      ",\n    \"by_class_and_field_omitted\": " +
      std::to_string(pairs.size() > kManifestSummaryPairs ? pairs.size() - kManifestSummaryPairs
                                                          : 0) +
      "\n  }";

  Json result_files;
  result_files["errors"] = optional_json(files.errors);
  result_files["failed_rows"] = optional_json(files.failed_rows);
  result_files["created"] = optional_json(files.created);

  auto key = [&](std::string_view name, const auto& value) {
    out << "  " << json_text(std::string(name)) << ": " << json_text(Json(value)) << ",\n";
  };
  out << "{\n";
  key("schema_version", kManifestSchemaVersion);
  key("job_id", job.job_id);
  key("file", job.file);
  key("company", job.company);
  key("status", to_string(job.status));
  key("dry_run", job.dry_run);
  key("received_at", optional_json(job.received_at));
  key("started_at", optional_json(job.started_at));
  key("finished_at", optional_json(job.finished_at));
  key("bytes", job.bytes ? Json(*job.bytes) : Json(nullptr));
  key("sha256", optional_json(job.sha256));
  key("rows", job.counts.rows);
  key("created", job.counts.created);
  key("updated", job.counts.updated);
  key("failed", job.counts.failed);
  key("retryable", job.counts.retryable);
  key("warnings", job.warnings);
  key("file_errors", file_errors_json(job.file_errors));
  out << "  \"error_summary\": " << summary << ",\n";
  key("row_errors_total", total);
  key("row_errors_omitted", total - included.size());
  out << "  \"row_errors\": [";
  for (std::size_t index = 0; index < included.size(); ++index) {
    out << (index == 0 ? "\n    " : ",\n    ") << json_text(row_error_json(included[index]));
  }
  out << (included.empty() ? "],\n" : "\n  ],\n");
  out << "  \"result_files\": " << json_text(result_files) << "\n}\n";
  if (!out) return make_error("could not write the manifest");
  return {};
}

Status write_created_csv(std::ostream& out, const CreatedPersonSource& created, bool assigned) {
  out << "row,line,person_id,person_key,external_person_id\n";
  PI_RETURN_IF_ERROR(created([&](const CreatedPersonRecord& person) {
    out << person.row << ',' << person.line << ',';
    if (assigned) {
      out << person.person_id << ',';
      write_csv_value(out, person.person_key);
    } else {
      out << ',';
    }
    out << ',';
    write_csv_value(out, person.external_person_id.value_or(""));
    out << '\n';
    return static_cast<bool>(out);
  }));
  if (!out) return make_error("could not write the created-persons file");
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
