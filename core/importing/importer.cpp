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
  // A file whose lines end with bare CRs reads as one line, so its structure is rejected for a
  // reason its author cannot see: the message says why.
  auto reject = [&](FileError error) -> Result<PreparedFile> {
    PI_ASSIGN_OR_RETURN(const bool bare_cr, has_bare_cr_line_endings(file));
    if (bare_cr) error.message += kBareCrHint;
    prepared.rejection = std::move(error);
    return std::move(prepared);
  };
  auto layout = read_layout(file);
  if (layout.error) return reject(std::move(*layout.error));
  prepared.layout = std::move(layout.layout);
  PI_ASSIGN_OR_RETURN(prepared.fields, store.list_fields(company.id));
  auto plan = plan_columns(prepared.layout->column_names, prepared.fields);
  if (plan.error) return reject(std::move(*plan.error));
  prepared.plan = std::move(plan.plan);
  prepared.warnings = prepared.plan->warnings;
  PI_ASSIGN_OR_RETURN(auto structure, check_structure(file, *prepared.layout));
  if (structure.error) return reject(std::move(*structure.error));
  return prepared;
}

// What an import borrows from its Importer.
struct Stages {
  CarrierLookup& carrier_lookup;
  const Clock& clock;
  const ImportOptions& options;
};

// One import in progress: the rows of the current batch and the running counters, which start
// from `from` (the body's start, or a resumed job's checkpoint).
class ImportRun {
 public:
  ImportRun(ImportSession& session, const Stages& stages, const PreparedFile& prepared,
            const ImportRequest& request, InputFile& file, const JobCheckpoint& from)
      : session_(session),
        resolver_(session, stages.carrier_lookup, stages.clock),
        prepared_(prepared),
        options_(stages.options),
        request_(request),
        file_(file),
        from_(from),
        counts_(from.counts),
        committed_(from.counts) {}

  // Streams every record from `from` on through validation, resolution and batched writes.
  Status run() {
    const FileLayout& layout = *prepared_.layout;
    ReaderOptions reader_options;
    reader_options.delimiter = layout.delimiter;
    reader_options.chunk_bytes = options_.read_chunk_bytes;
    RecordReader reader(file_, from_.next_offset, from_.next_line, reader_options);
    std::uint64_t row = from_.counts.rows;
    std::uint64_t next_offset = from_.next_offset;
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
        if (request_.stop_requested && request_.stop_requested()) {
          stopped_ = true;
          return make_error("stopped on request after row " + std::to_string(row));
        }
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
  // Whether run() stopped because request.stop_requested said so.
  bool stopped() const { return stopped_; }

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
  const JobCheckpoint from_;
  std::vector<RowInput> inputs_;
  std::vector<FailedRowRange> input_ranges_;  // parallel to inputs_, ordered by row
  BatchChanges pending_;                      // errors and failed rows not yet written
  std::uint64_t batch_bytes_ = 0;             // record bytes in the current batch
  JobCounts counts_;
  JobCounts committed_;
  bool stopped_ = false;
};

// `file` and `layout` are needed for the failed-rows file only: without them (a file a resume
// refused) it is not written.
Status write_outputs(ImportSession& session, const ImportSummary& summary,
                     const ImportRequest& request, InputFile* file,
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
      return write_report_json(out, summary, row_errors);
    }));
  }
  if (request.errors_path) {
    keep_first(write_file_atomically(*request.errors_path, [&](std::ostream& out) {
      return write_errors_csv(out, row_errors);
    }));
  }
  if (request.failed_rows_path && summary.counts.failed > 0 && file && layout) {
    // Failed rows are copied back out of the file by offset: from a changed file they would
    // be other text.
    if (auto unchanged = file->check_unchanged(); !unchanged.ok()) {
      keep_first(make_error("no failed-rows file: " + unchanged.error().message));
    } else {
      keep_first(write_file_atomically(*request.failed_rows_path, [&](std::ostream& out) {
        return write_failed_rows(out, *file, *layout,
                                 [&](const std::function<bool(const FailedRowRange&)>& fn) {
                                   return session.for_each_failed_row(fn);
                                 });
      }));
    }
  }
  if (request.created_path && summary.counts.created > 0) {
    keep_first(write_file_atomically(*request.created_path, [&](std::ostream& out) {
      return write_created_csv(
          out,
          [&](const std::function<bool(const CreatedPersonRecord&)>& fn) {
            return session.for_each_created_person(fn);
          },
          !summary.dry_run);
    }));
  }
  if (request.report_stream) {
    keep_first(write_report_json(*request.report_stream, summary, row_errors));
  }
  if (request.on_summary) request.on_summary(summary, row_errors);
  return first_failure;
}

// Writes the results from what the job's batches stored, then records its outcome: how every
// import ends.
Result<ImportSummary> end_job(ImportSession& session, ImportSummary summary,
                              const ImportRequest& request, InputFile* file,
                              const std::optional<FileLayout>& layout) {
  const Status outputs = write_outputs(session, summary, request, file, layout);
  PI_RETURN_IF_ERROR(session.finish(
      JobEnd{summary.status, summary.counts, summary.warnings, summary.file_errors}));
  PI_RETURN_IF_ERROR(outputs);
  return summary;
}

// Applies the accepted file's rows from `from` on and ends the job: what run and resume share.
Result<ImportSummary> apply_rows(ImportSession& session, const Stages& stages,
                                 const PreparedFile& prepared, const JobCheckpoint& from,
                                 const ImportRequest& request, InputFile& file,
                                 ImportSummary summary) {
  ImportRun run(session, stages, prepared, request, file, from);
  Status status;
  try {
    status = run.run();
  } catch (const std::exception& exception) {
    status = make_error(std::string("unexpected failure: ") + exception.what());
  }
  // Stopped on request: left running at its last committed batch, to be resumed.
  if (run.stopped()) return status.error();
  // A failure that may pass, for a caller that will resume: left running likewise (the failed
  // batch was rolled back).
  if (!status.ok() && status.error().transient && request.keep_running_on_transient_error) {
    return status.error();
  }
  // What committed stays committed and is reported; a failed job says why it stopped.
  summary.counts = run.committed_counts();
  if (status.ok()) {
    summary.status = JobStatus::kCompleted;
  } else {
    summary.status = JobStatus::kFailed;
    summary.file_errors.push_back(
        {std::string(error_kinds::kImportAborted.class_name), status.error().message});
  }
  return end_job(session, std::move(summary), request, &file, prepared.layout);
}

// Whether a resumed job's next record can start at `offset` of this file: at the body's start,
// just after a line break, or at the end (after a last record without one).
Result<bool> is_record_start(InputFile& file, const FileLayout& layout, std::uint64_t offset) {
  if (offset < layout.body_offset || offset > file.size()) return false;
  if (offset == layout.body_offset || offset == file.size()) return true;
  char before = 0;
  PI_ASSIGN_OR_RETURN(auto read, file.read_at(offset - 1, &before, 1));
  return read == 1 && before == '\n';
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
    return end_job(*session, std::move(summary), request, file.get(), prepared.layout);
  }
  const JobCheckpoint from{{}, prepared.layout->body_offset, prepared.layout->body_line};
  return apply_rows(*session, Stages{carrier_lookup_, clock_, options_}, prepared, from, request,
                    *file, std::move(summary));
}

Result<ImportSummary> Importer::resume(const Company& company, JobId job_id,
                                       const ImportRequest& request) {
  const std::string name = "job " + std::to_string(job_id);
  if (request.dry_run) return make_error("a dry run cannot resume " + name);
  PI_ASSIGN_OR_RETURN(auto session, store_.resume_import(company, job_id));
  PI_ASSIGN_OR_RETURN(auto job, store_.find_job(company.id, job_id));
  if (!job) return make_error(name + " not found for company " + company.key);
  ImportSummary summary = summary_of(*job);
  const JobCheckpoint checkpoint = session->checkpoint();
  summary.counts = checkpoint.counts;

  // A file that cannot be the job's ends it as failed: its committed rows stay and are
  // reported, but no failed-rows file is copied out of the wrong bytes.
  auto refuse = [&](const std::string& reason) {
    summary.status = JobStatus::kFailed;
    summary.file_errors.push_back({std::string(error_kinds::kImportAborted.class_name),
                                   "cannot resume " + name + ": " + reason});
    return end_job(*session, std::move(summary), request, nullptr, std::nullopt);
  };
  auto file = InputFile::open(request.path);
  if (!file.ok()) return refuse(file.error().message);
  if (job->bytes && *job->bytes != (*file)->size()) {
    return refuse(request.path + " has " + std::to_string((*file)->size()) +
                  " bytes, the job's file had " + std::to_string(*job->bytes));
  }
  // A read or database failure may pass: the job stays running, to be resumed later.
  PI_ASSIGN_OR_RETURN(auto prepared, prepare(**file, store_, company));
  summary.warnings = prepared.warnings;
  if (prepared.rejection) {
    return refuse("the file no longer passes the whole-file checks: " +
                  prepared.rejection->message);
  }
  const FileLayout& layout = *prepared.layout;
  JobCheckpoint from = checkpoint;
  if (from.counts.rows == 0) {  // no batch committed: the job starts over
    from.next_offset = layout.body_offset;
    from.next_line = layout.body_line;
  }
  PI_ASSIGN_OR_RETURN(bool record_start, is_record_start(**file, layout, from.next_offset));
  if (!record_start) {
    return refuse("no record of " + request.path + " starts at the job's checkpoint (byte " +
                  std::to_string(from.next_offset) + "): not the job's file");
  }
  return apply_rows(*session, Stages{carrier_lookup_, clock_, options_}, prepared, from, request,
                    **file, std::move(summary));
}

}  // namespace person_import
