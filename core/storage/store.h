// The storage interface: every read and write the import, the command line and the daemon make.
//
// No SQL lives outside the storage layer. One Store is one connection to one database
// (SQLite file or PostgreSQL); everything is scoped by company, and nothing one company
// does is visible to another. A Store is not thread-safe: give each thread its own (they may
// share the database). Errors are values; a Store never throws.
//
// Imports write through an ImportSession:
//   session = store.begin_import(...)      // records the job (status running)
//   per batch:  snapshot = session.load_persons(keys)   // opens the batch's transaction
//               id = session.allocate_person_id()        // for each person the batch creates
//               session.write_batch(changes)             // writes + checkpoint, then commits
//   session.finish(...)                     // final status and counters
// A dry-run session runs the same calls inside one transaction that `finish` rolls back, so
// later batches see earlier ones and nothing (not even the job) is kept. Destroying a session
// without `finish` rolls back the open batch, and the job stays `running` with its checkpoint.
//
// Resuming (a crash or kill left a job `running`): `list_unfinished_jobs()` finds such jobs,
// `resume_import(company, job)` opens a session on one that continues from its checkpoint
// (`session.checkpoint()`), with the same calls as above. Exactly once: every write_batch and
// finish checks, in its transaction, that the job is still `running` at the checkpoint this
// session last saw, so of two sessions on one job (a stale process and its replacement) only
// one can apply a given batch; the other's write fails and rolls back.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/common/clock.h"
#include "core/common/result.h"
#include "core/storage/records.h"
#include "core/values/field_definition.h"

namespace person_import {

// Which identifier `Store::find_person` looks up.
struct PersonSelector {
  enum class Kind { kPersonId, kPersonKey, kExternalPersonId, kMdn };
  Kind kind = Kind::kPersonId;
  std::string value;  // for kPersonId, the decimal id; for kMdn, E.164
};

struct JobStart {
  std::string file;
  std::string source_path;
  bool dry_run = false;
  std::optional<std::string> received_at;
  std::optional<std::uint64_t> bytes;
  std::optional<std::string> sha256;
};

// Which jobs Store::list_jobs returns, by job id.
struct JobQuery {
  std::optional<CompanyId> company;  // none: every company's
  std::optional<JobStatus> status;
  // A timestamp in the stored form (format_timestamp): jobs started at or after it.
  std::optional<std::string> started_since;

  // Every job of `company`.
  static JobQuery of(CompanyId company) {
    JobQuery query;
    query.company = company;
    return query;
  }
};

struct JobEnd {
  JobStatus status = JobStatus::kCompleted;
  JobCounts counts;
  std::vector<std::string> warnings;
  std::vector<FileErrorRecord> file_errors;
};

class ImportSession {
 public:
  virtual ~ImportSession() = default;

  // The job's id (for dry runs, an id that will not be kept).
  virtual JobId job_id() const = 0;

  // The job's last committed checkpoint: where this session's next batch continues. Zero
  // counts and offset 0 for a job no batch has written; a resumed job's stored one; then what
  // each successful write_batch committed.
  virtual JobCheckpoint checkpoint() const = 0;

  // Opens the batch transaction if none is open, then loads every person matching any key.
  virtual Result<PersonSnapshot> load_persons(const PersonLookupKeys& keys) = 0;

  // A new person id: increasing and unique in the database. Only within an open batch.
  virtual Result<PersonId> allocate_person_id() = 0;

  // Writes the batch's changes, errors and checkpoint atomically, then commits (dry run: keeps
  // the outer transaction open). Opens the transaction first if load_persons did not.
  // Errors (nothing of the batch is kept): a database failure, or the job is no longer
  // `running` at checkpoint() (another session advanced or ended it).
  virtual Status write_batch(const BatchChanges& changes) = 0;

  // Streams what write_batch recorded, in (row, order written) order. Stops early when the
  // callback returns false.
  virtual Status for_each_row_error(const std::function<bool(const RowErrorRecord&)>& fn) = 0;
  virtual Status for_each_failed_row(const std::function<bool(const FailedRowRange&)>& fn) = 0;
  // The persons the job's batches created, in row order (a dry run's simulated ones too, until
  // finish).
  virtual Status for_each_created_person(
      const std::function<bool(const CreatedPersonRecord&)>& fn) = 0;

  // Records the job's outcome and ends the session (dry run: rolls everything back). Errors:
  // a database failure, or the job is no longer `running` at checkpoint() (nothing recorded).
  virtual Status finish(const JobEnd& end) = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // Companies. `ensure_company` creates on first use. List: by key.
  virtual Result<Company> ensure_company(const std::string& key) = 0;
  virtual Result<std::optional<Company>> find_company(const std::string& key) = 0;
  virtual Result<std::vector<Company>> list_companies() = 0;
  virtual Result<CompanyUsage> company_usage(CompanyId company) = 0;
  // Deletes the company and everything it holds (keys, fields, persons, devices, jobs and their
  // results), all or none. The caller checks first that nothing of it is running (PostgreSQL
  // refuses while one of its imports holds the company's lock).
  virtual Status remove_company(CompanyId company) = 0;

  // SSH public keys allowed to upload for a company (one OpenSSH `authorized_keys` line each).
  virtual Status add_authorized_key(CompanyId company, const std::string& key_line) = 0;
  // In the order added (keys added in the same millisecond, by key line).
  virtual Result<std::vector<std::string>> list_authorized_keys(CompanyId company) = 0;
  virtual Status remove_authorized_key(CompanyId company, const std::string& key_line) = 0;

  // Custom fields, in the order defined. `add_fields` is all or none: a definition identical
  // to the stored one of that name is kept as it is, a different one (or a name given twice
  // with different definitions) is an Error naming both, and nothing is added; it returns how
  // many were new.
  virtual Result<std::vector<FieldDefinition>> list_fields(CompanyId company) = 0;
  virtual Result<std::size_t> add_fields(CompanyId company,
                                         const std::vector<FieldDefinition>& fields) = 0;
  // Persons holding a value for the field `name`.
  virtual Result<std::uint64_t> count_persons_with_field(CompanyId company,
                                                         const std::string& name) = 0;
  // Removes the definition and every person's value of it, all or none. Error: not defined.
  virtual Status remove_field(CompanyId company, const std::string& name) = 0;

  // Persons.
  virtual Result<std::optional<PersonRecord>> find_person(CompanyId company,
                                                          const PersonSelector& selector) = 0;
  // Every person of the company in person_id order, with device ids. Stops when fn is false.
  virtual Status for_each_person(CompanyId company,
                                 const std::function<bool(const PersonRecord&)>& fn) = 0;

  // Imports and jobs.
  virtual Result<std::unique_ptr<ImportSession>> begin_import(const Company& company,
                                                              const JobStart& start) = 0;
  // Reopens the company's unfinished job `job` (status `running`, not a dry run: what a crash
  // or kill left behind) to continue it from its checkpoint; the session then works as one
  // from begin_import. Changes nothing by itself. Errors: no such job for this company
  // (another company's job is not found either), the job is a dry run, the job has finished
  // (completed, rejected or failed), or a database failure.
  virtual Result<std::unique_ptr<ImportSession>> resume_import(const Company& company,
                                                               JobId job) = 0;
  // Every company's unfinished jobs (status `running`, not dry runs), oldest first, each with
  // its company key and checkpoint: what a restarted daemon resumes. A job another live process
  // is still importing is listed too (resume_import's sessions cannot both apply a batch).
  virtual Result<std::vector<JobRecord>> list_unfinished_jobs() = 0;
  virtual Result<std::vector<JobRecord>> list_jobs(const JobQuery& query) = 0;
  virtual Result<std::optional<JobRecord>> find_job(CompanyId company, JobId job) = 0;
  // The row errors of one of the company's jobs (none for another company's job).
  virtual Status for_each_job_row_error(CompanyId company, JobId job,
                                        const std::function<bool(const RowErrorRecord&)>& fn) = 0;
  // The failed-row ranges of one of the company's jobs, in row order (none for another
  // company's job): with the source file, what its failed-rows file holds.
  virtual Status for_each_job_failed_row(CompanyId company, JobId job,
                                         const std::function<bool(const FailedRowRange&)>& fn) = 0;
  // The persons one of the company's jobs created, in row order (none for another company's).
  virtual Status for_each_job_created_person(
      CompanyId company, JobId job, const std::function<bool(const CreatedPersonRecord&)>& fn) = 0;
  // The company's most recent job that read `source_path` (the daemon gives every queued file a
  // unique path, so this finds the one job of a queued file), or none.
  virtual Result<std::optional<JobRecord>> find_job_by_source(CompanyId company,
                                                              const std::string& source_path) = 0;
};

// What open_store may do with the database it names.
enum class StoreAccess {
  // Read-write; a missing SQLite file is created, and missing tables (both backends).
  kCreate,
  // Read-write; the database must already exist with its tables ("no database at PATH").
  kExisting,
  // The database must exist; read-write when this process may write it, otherwise read-only
  // (SQLite: the file, its folder or its -wal/-shm files are not writable; every write then
  // fails). An outdated schema is an error rather than migrated, when it cannot be written.
  kRead,
};

struct StoreOptions {
  StoreAccess access = StoreAccess::kCreate;
  // How long a writer waits for another process's write lock before failing (SQLite's busy
  // timeout; PostgreSQL's lock_timeout, which does not apply to waiting for the company's
  // running import: see postgresql_store.h).
  int busy_timeout_ms = 30000;
  // SQLite: when the write-ahead log (`<file>-wal`) passes this size after a commit, the
  // store checkpoints it at once; if that cannot take it all in (the database file made
  // read-only, a reader holding an old snapshot), it logs a warning with SQLite's reason, and
  // again each time the log doubles. A log this large means checkpoints have been failing:
  // left alone it grows without bound. Default: 256 MiB.
  std::uint64_t wal_warning_bytes = std::uint64_t{256} << 20;
};

// Opens the database named by `spec` (a SQLite file path, or a `postgresql://` or
// `postgres://` URL) as `options.access` allows, migrating its schema as needed. Errors, each
// saying what to do: no database there (kExisting, kRead: "no database at PATH"); cannot open it
// (the operating system's reason: "permission denied: run as the service's user, or check the
// ownership of DIR"; for PostgreSQL a transient Error: the server may come back); migration
// failed. Messages name a PostgreSQL URL without its password (describe_database).
Result<std::unique_ptr<Store>> open_store(const std::string& spec,
                                          const StoreOptions& options = {});
// `spec` as messages and logs may show it: a PostgreSQL URL's password replaced by "***".
std::string describe_database(const std::string& spec);

// Whether `spec` names a PostgreSQL database rather than a SQLite file.
bool is_postgresql_url(const std::string& spec);

// The same, with the clock that stamps what the store records (tests fix it).
Result<std::unique_ptr<Store>> open_store(const std::string& spec, const StoreOptions& options,
                                          const Clock& clock);

}  // namespace person_import
