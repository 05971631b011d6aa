#include "core/importing/importer.h"

#include <algorithm>
#include <exception>
#include <filesystem>

#include "core/importing/result_files.h"
#include "core/reading/encoding_check.h"
#include "core/reading/file_layout.h"
#include "core/reading/record_reader.h"
#include "core/resolving/batch_resolver.h"
#include "core/resolving/column_plan.h"
#include "core/resolving/row_validation.h"

namespace person_import {
namespace {

// The checks that reject a file before any row is applied, in the order a person fixing the
// file would want them: bytes, then header and columns, then the body's structure.
struct PreparedFile {
  std::optional<FileError> rejection;
  std::optional<FileLayout> layout;
  std::vector<FieldDefinition> fields;  // the plan points into these
  std::optional<ColumnPlan> plan;
  std::vector<std::string> warnings;
};

Result<PreparedFile> prepare(InputFile& file, Store& store, const Company& company) {
  PreparedFile prepared;
  PI_ASSIGN_OR_RETURN(auto encoding_problem, find_encoding_problem(file));
  if (encoding_problem) {
    prepared.rejection = encoding_error(*encoding_problem);
    return prepared;
  }
  auto layout = read_layout(file);
  if (layout.error) {
    prepared.rejection = std::move(layout.error);
    return prepared;
  }
  prepared.layout = std::move(layout.layout);
  PI_ASSIGN_OR_RETURN(prepared.fields, store.list_fields(company.id));
  auto plan = plan_columns(prepared.layout->column_names, prepared.fields);
  if (plan.error) {
    prepared.rejection = std::move(plan.error);
    return prepared;
  }
  prepared.plan = std::move(plan.plan);
  prepared.warnings = prepared.plan->warnings;
  PI_ASSIGN_OR_RETURN(auto structure, check_structure(file, *prepared.layout));
  if (structure.error) prepared.rejection = std::move(structure.error);
  return prepared;
}

// One import in progress: the rows of the current batch and the running counters.
class ImportRun {
 public:
  ImportRun(ImportSession& session, CarrierLookup& carrier_lookup, const Clock& clock,
            const PreparedFile& prepared, const ImportOptions& options,
            const ImportRequest& request, InputFile& file)
      : session_(session),
        resolver_(session, carrier_lookup, clock),
        prepared_(prepared),
        options_(options),
        request_(request),
        file_(file) {}

  // Streams every record through validation, resolution and batched writes.
  Status run() {
    const FileLayout& layout = *prepared_.layout;
    ReaderOptions reader_options;
    reader_options.delimiter = layout.delimiter;
    reader_options.chunk_bytes = options_.read_chunk_bytes;
    RecordReader reader(file_, layout.body_offset, layout.body_line, reader_options);
    std::uint64_t row = 0;
    std::uint64_t next_offset = layout.body_offset;
    while (true) {
      PI_ASSIGN_OR_RETURN(auto record, reader.next());
      if (!record) break;
      ++row;
      ++counts_.rows;
      next_offset = record->end_offset;
      auto validation = validate_row(*prepared_.plan, *record, row, layout.multi_select_delimiter);
      const FailedRowRange range{row, record->offset, record->length};
      batch_bytes_ += record->length;
      if (validation.input) {
        inputs_.push_back(std::move(*validation.input));
        input_ranges_.push_back(range);
      } else {
        ++counts_.failed;
        for (auto& error : validation.errors) pending_.row_errors.push_back(std::move(error));
        pending_.failed_rows.push_back(range);
      }
      if (inputs_.size() + pending_.failed_rows.size() >= options_.batch_rows ||
          batch_bytes_ >= options_.batch_bytes) {
        PI_RETURN_IF_ERROR(flush(next_offset, reader.next_line()));
      }
    }
    // A file cut short at a batch boundary leaves nothing to flush: check it here too.
    PI_RETURN_IF_ERROR(file_.check_unchanged());
    if (!inputs_.empty() || !pending_.failed_rows.empty()) {
      PI_RETURN_IF_ERROR(flush(next_offset, reader.next_line()));
    }
    return {};
  }

  const JobCounts& committed_counts() const { return committed_; }

 private:
  Status flush(std::uint64_t next_offset, std::uint64_t next_line) {
    // The encoding and structure checks ran on the file as it was opened; records read after
    // it changed (cut short, appended to, rewritten) were never checked and must not apply.
    PI_RETURN_IF_ERROR(file_.check_unchanged());
    BatchChanges changes;
    if (!inputs_.empty()) {
      PI_ASSIGN_OR_RETURN(auto outcome, resolver_.resolve(inputs_));
      changes = std::move(outcome.changes);
      counts_.created += outcome.created;
      counts_.updated += outcome.updated;
      counts_.failed += outcome.failed_rows.size();
      for (const auto& error : outcome.errors) {
        if (error.retryable) ++counts_.retryable;
      }
      for (std::uint64_t failed_row : outcome.failed_rows) {
        auto range = std::lower_bound(input_ranges_.begin(), input_ranges_.end(), failed_row,
                                      [](const FailedRowRange& candidate, std::uint64_t wanted) {
                                        return candidate.row < wanted;
                                      });
        pending_.failed_rows.push_back(*range);
      }
      for (auto& error : outcome.errors) pending_.row_errors.push_back(std::move(error));
    }
    changes.row_errors = std::move(pending_.row_errors);
    changes.failed_rows = std::move(pending_.failed_rows);
    changes.checkpoint.counts = counts_;
    changes.checkpoint.next_offset = next_offset;
    changes.checkpoint.next_line = next_line;
    PI_RETURN_IF_ERROR(session_.write_batch(changes));
    committed_ = counts_;
    inputs_.clear();
    input_ranges_.clear();
    pending_ = BatchChanges{};
    batch_bytes_ = 0;
    if (request_.on_progress) {
      request_.on_progress({next_offset, file_.size(), counts_.rows});
    }
    return {};
  }

  ImportSession& session_;
  BatchResolver resolver_;
  const PreparedFile& prepared_;
  const ImportOptions& options_;
  const ImportRequest& request_;
  InputFile& file_;
  std::vector<RowInput> inputs_;
  std::vector<FailedRowRange> input_ranges_;  // parallel to inputs_, ordered by row
  BatchChanges pending_;                      // errors and failed rows not yet written
  std::uint64_t batch_bytes_ = 0;             // record bytes in the current batch
  JobCounts counts_;
  JobCounts committed_;
};

Status write_outputs(ImportSession& session, const ImportSummary& summary,
                     const ImportRequest& request, InputFile& file,
                     const std::optional<FileLayout>& layout) {
  const RowErrorSource row_errors = [&](const std::function<bool(const RowErrorRecord&)>& fn) {
    return session.for_each_row_error(fn);
  };
  // Every requested result is attempted even when an earlier one fails (a report path in a
  // missing folder must not also cost the errors CSV and the failed rows); the first failure
  // is returned.
  Status first_failure;
  auto keep_first = [&](Status status) {
    if (first_failure.ok() && !status.ok()) first_failure = std::move(status);
  };
  if (request.report_path) {
    keep_first(write_file_atomically(*request.report_path, [&](std::ostream& out) {
      return write_report_json(out, summary, row_errors, request.report_extra);
    }));
  }
  if (request.errors_path) {
    keep_first(write_file_atomically(*request.errors_path, [&](std::ostream& out) {
      return write_errors_csv(out, row_errors);
    }));
  }
  if (request.failed_rows_path && summary.counts.failed > 0 && layout) {
    // Failed rows are copied back out of the file by offset: from a changed file they would
    // be other text.
    if (auto unchanged = file.check_unchanged(); !unchanged.ok()) {
      keep_first(make_error("no failed-rows file: " + unchanged.error().message));
    } else {
      keep_first(write_file_atomically(*request.failed_rows_path, [&](std::ostream& out) {
        return write_failed_rows(out, file, *layout,
                                 [&](const std::function<bool(const FailedRowRange&)>& fn) {
                                   return session.for_each_failed_row(fn);
                                 });
      }));
    }
  }
  if (request.report_stream) {
    keep_first(
        write_report_json(*request.report_stream, summary, row_errors, request.report_extra));
  }
  if (request.on_summary) request.on_summary(summary, row_errors);
  return first_failure;
}

}  // namespace

Importer::Importer(Store& store, CarrierLookup& carrier_lookup, const Clock& clock,
                   ImportOptions options)
    : store_(store), carrier_lookup_(carrier_lookup), clock_(clock), options_(options) {}

Result<ImportSummary> Importer::run(const Company& company, const ImportRequest& request) {
  PI_ASSIGN_OR_RETURN(auto file, InputFile::open(request.path));
  ImportSummary summary;
  summary.file = request.display_name.empty()
                     ? std::filesystem::path(request.path).filename().string()
                     : request.display_name;
  summary.company = company.key;
  summary.dry_run = request.dry_run;

  PI_ASSIGN_OR_RETURN(auto prepared, prepare(*file, store_, company));
  summary.warnings = prepared.warnings;

  JobStart start;
  start.file = summary.file;
  start.source_path = request.path;
  start.dry_run = request.dry_run;
  start.received_at = request.received_at;
  start.bytes = request.bytes;
  start.sha256 = request.sha256;
  PI_ASSIGN_OR_RETURN(auto session, store_.begin_import(company, start));
  if (!request.dry_run) summary.job_id = session->job_id();

  if (prepared.rejection) {
    summary.status = JobStatus::kRejected;
    summary.file_errors.push_back(
        {std::string(prepared.rejection->kind.class_name), prepared.rejection->message});
  } else {
    ImportRun run(*session, carrier_lookup_, clock_, prepared, options_, request, *file);
    Status status;
    try {
      status = run.run();
    } catch (const std::exception& exception) {
      status = make_error(std::string("unexpected failure: ") + exception.what());
    }
    if (status.ok()) {
      summary.status = JobStatus::kCompleted;
      summary.counts = run.committed_counts();
    } else {
      // What committed stays committed and is reported; the job says why it stopped.
      summary.status = JobStatus::kFailed;
      summary.counts = run.committed_counts();
      summary.file_errors.push_back({"PersonImport::ImportAborted", status.error().message});
    }
  }
  const Status outputs = write_outputs(*session, summary, request, *file, prepared.layout);
  PI_RETURN_IF_ERROR(session->finish(
      JobEnd{summary.status, summary.counts, summary.warnings, summary.file_errors}));
  PI_RETURN_IF_ERROR(outputs);
  return summary;
}

}  // namespace person_import
