// The result manifests of one imported upload (spec section 10, "Results"), written into the
// company's outbox from the stored job, so that the same files come out whether the import has
// just finished or a restarted daemon finds a finished job whose manifests may be missing:
//
//   <name>.result.json      the manifest (write_manifest_json, import_report.h): the report of
//                           spec section 7 with received_at, started_at, finished_at, bytes and
//                           sha256, a summary of the row errors by class and by (class, field),
//                           and the first max_row_errors row errors
//   <name>.errors.csv       when rows failed: every row error (spec section 7)
//   <name>.failed.persons   when rows failed: header section, names row and the failed rows,
//                           copied exactly from the queued file
//   <name>.created.csv      when the file created persons: row, line, person_id, person_key
//                           and external_person_id of each
//
// The set appears whole or not at all: every file is written aside first (StagedFiles), and
// only when all are written is the previous result JSON removed, the files an earlier upload
// under the same name left that this job has none of removed, and the new files renamed into
// place, the result JSON last. A failure while writing (a full disk) leaves the previous set as
// it was; a failed rename leaves no result JSON, so none describes another upload's files.
// The outbox then describes the latest upload of each name. Temporaries of a process that no
// longer runs (a daemon killed while writing) are removed first. The outbox folder is fsynced
// at the end, so the caller may then delete the queued file.
#pragma once

#include <filesystem>
#include <string>

#include "core/common/result.h"
#include "core/storage/records.h"
#include "core/storage/store.h"

namespace person_import::outbox {

struct ManifestPaths {
  std::filesystem::path result;
  std::filesystem::path errors;
  std::filesystem::path failed_rows;
  std::filesystem::path created;
};

// The manifests of upload `name` in `outbox`.
ManifestPaths manifest_paths(const std::filesystem::path& outbox, const std::string& name);

// Writes the finished `job`'s manifests for upload `name` into `outbox` (created if missing).
// `source` is the job's file (the queued upload), from which failed rows are copied; the
// result JSON lists at most `max_row_errors` row errors (DaemonOptions::manifest_max_row_errors).
// Errors: the first failure; nothing of this job's set is in place then (see above), and a
// later call with the same arguments writes it.
Status write_manifests(Store& store, CompanyId company, const JobRecord& job,
                       const std::filesystem::path& source, const std::filesystem::path& outbox,
                       const std::string& name, std::size_t max_row_errors);

// Removes the temporaries in `outbox` left by processes that no longer run
// (remove_stale_temporaries), logging how many at info. Errors: the folder cannot be read.
Status clean_up_outbox(const std::filesystem::path& outbox);

}  // namespace person_import::outbox
