// The import: one `.persons` file into one company, the same for the command line and the
// daemon.
//
// Steps: (1) the whole file is checked before anything changes — encoding, header section and
// columns, structure (unterminated quote, no data rows) — and a bad file is rejected;
// (2) records stream through in bounded chunks, each validated without the database, then
// resolved and written batch by batch (ImportOptions::batch_rows rows per transaction), each
// batch committing its checkpoint; (3) the report, errors CSV and failed-rows file are
// written from what the batches recorded. Memory stays flat in the file's size. An import
// interrupted between batches (crash, kill) is continued by `resume` from its checkpoint.
//
// Not thread-safe: one Importer per thread (each with its own Store).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>

#include "core/common/clock.h"
#include "core/common/result.h"
#include "core/importing/import_options.h"
#include "core/importing/import_report.h"
#include "core/phones/carrier_lookup.h"
#include "core/storage/store.h"

namespace person_import {

struct ImportProgress {
  std::uint64_t bytes_done = 0;
  std::uint64_t bytes_total = 0;
  std::uint64_t rows_done = 0;
};

struct ImportRequest {
  std::string path;          // the file to import
  std::string display_name;  // the name reports show; defaults to the path's file name
  bool dry_run = false;
  // Where to write results; each written whole (aside, then renamed). The failed-rows file is
  // written only when rows failed, the created-persons file only when persons were created.
  std::optional<std::string> report_path;
  std::optional<std::string> errors_path;
  std::optional<std::string> failed_rows_path;
  std::optional<std::string> created_path;
  std::ostream* report_stream = nullptr;  // also write the report here (e.g. stdout)
  // Called after each batch (and once at the end) from the importing thread.
  std::function<void(const ImportProgress&)> on_progress;
  // Checked after each committed batch: when it returns true the import stops there, the job
  // stays `running` with its checkpoint (so it can be resumed), no result file is written, and
  // run() returns an Error. The daemon's SIGTERM drain. Called from the importing thread.
  std::function<bool()> stop_requested;
  // Called once the import is done, before its session ends, so the row errors can still be
  // read (a dry run's vanish with it): for a human summary.
  std::function<void(const ImportSummary&, const RowErrorSource&)> on_summary;
  // A database failure that may pass (Error::transient: a lost connection, a deadlock) does
  // not end the job as failed: it stays `running` at its last committed batch, run() or resume()
  // returns that Error, and the caller resumes the job later (the daemon, on a new connection).
  // Off: the job ends `failed` as for any other database failure (the command line, which has
  // no one to resume it).
  bool keep_running_on_transient_error = false;
  // Recorded with the job (the daemon's receipt time, size and checksum).
  std::optional<std::string> received_at;
  std::optional<std::uint64_t> bytes;
  std::optional<std::string> sha256;
};

class Importer {
 public:
  // Borrows everything; all must outlive the Importer.
  Importer(Store& store, CarrierLookup& carrier_lookup, const Clock& clock, ImportOptions options);
  Importer(const Importer&) = delete;
  Importer& operator=(const Importer&) = delete;

  // Imports `request.path` for `company`. A rejected file or a row error is a successful call
  // whose summary says so; an Error means the import could not be carried out (unreadable
  // file, database failure) — the job, if one was started, is then marked failed (but see
  // ImportRequest::keep_running_on_transient_error) — or that a
  // requested result file could not be written (every other one still is).
  Result<ImportSummary> run(const Company& company, const ImportRequest& request);

  // Continues the company's unfinished job `job` (status `running`: a crash or kill stopped
  // it) from its last committed batch, and ends it as `run` would have: after it, every row of
  // the file is applied exactly once and the job's counts, row errors and failed rows — and so
  // the report, errors CSV and failed-rows file, written from them — cover the whole file.
  //
  // Preconditions: `request.path` is the job's file, unchanged (the daemon keeps each queued
  // file at its own path, `JobRecord::source_path`); no other process is still running the job
  // (if one is, the store lets only one of them apply each batch, and the other fails). The
  // same ImportOptions as the interrupted run are not needed: batches may differ in size.
  //
  // The whole-file checks run again. The job ends `failed` (PersonImport::ImportAborted,
  // "cannot resume job N: …"; committed rows stay and are reported, no failed-rows file is
  // written) when the file cannot be opened, its size differs from the job's recorded `bytes`,
  // the checks now reject it, or no record starts at the checkpoint; that is a successful call
  // whose summary says so. A checkpoint already at the end of the file just ends the job.
  // Rows are numbered from the checkpoint's `rows + 1`, lines from its `next_line`.
  //
  // The report names the job's recorded file name; `display_name`, `received_at`, `bytes` and
  // `sha256` of the request are ignored (the job's stand). Errors: `request.dry_run`, no such
  // job for the company, the job is a dry run or has finished, or the file or the database
  // failed before any row was read (all of these leave the job as it was, so a running job can
  // be resumed later); or, as for `run`, a database failure mid-way (the job is then marked
  // failed, unless ImportRequest::keep_running_on_transient_error and the failure is transient)
  // or a result file that could not be written.
  Result<ImportSummary> resume(const Company& company, JobId job, const ImportRequest& request);

 private:
  Store& store_;
  CarrierLookup& carrier_lookup_;
  const Clock& clock_;
  ImportOptions options_;
};

}  // namespace person_import
