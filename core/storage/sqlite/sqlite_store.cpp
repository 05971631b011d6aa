#include "core/storage/sqlite/sqlite_store.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <map>
#include <string_view>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "core/common/json_text.h"
#include "core/storage/field_additions.h"
#include "core/storage/sqlite/sqlite_database.h"

namespace person_import {
namespace {

using sqlite::SqliteDatabase;
using sqlite::SqliteStatement;

// Versioned migrations: migration N is applied once, in order, inside a transaction, and
// recorded in schema_migrations. Never edit a released migration; append a new one.
// The company leads every key and index, as the PostgreSQL schema will.
constexpr std::array<std::string_view, 2> kMigrations = {
    R"sql(
CREATE TABLE companies (
  company_id INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL
);
CREATE TABLE authorized_keys (
  company_id INTEGER NOT NULL REFERENCES companies(company_id),
  key_line TEXT NOT NULL,
  added_at TEXT NOT NULL,
  PRIMARY KEY (company_id, key_line)
) WITHOUT ROWID;
CREATE TABLE custom_fields (
  company_id INTEGER NOT NULL REFERENCES companies(company_id),
  name TEXT NOT NULL,
  position INTEGER NOT NULL,
  definition TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (company_id, name)
) WITHOUT ROWID;
CREATE TABLE sequences (
  name TEXT PRIMARY KEY,
  next_value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO sequences (name, next_value) VALUES ('person_id', 1);
CREATE TABLE persons (
  company_id INTEGER NOT NULL REFERENCES companies(company_id),
  person_id INTEGER NOT NULL,
  person_key TEXT NOT NULL,
  external_person_id TEXT,
  mdn TEXT,
  carrier_code TEXT,
  custom_fields TEXT NOT NULL DEFAULT '{}',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (company_id, person_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX persons_by_key ON persons (company_id, person_key);
CREATE UNIQUE INDEX persons_by_external_id ON persons (company_id, external_person_id);
CREATE UNIQUE INDEX persons_by_mdn ON persons (company_id, mdn);
CREATE TABLE devices (
  company_id INTEGER NOT NULL REFERENCES companies(company_id),
  device_id TEXT NOT NULL,
  person_id INTEGER NOT NULL,
  attached_at TEXT NOT NULL,
  PRIMARY KEY (company_id, device_id)
) WITHOUT ROWID;
CREATE INDEX devices_by_person ON devices (company_id, person_id);
CREATE TABLE jobs (
  job_id INTEGER PRIMARY KEY AUTOINCREMENT,
  company_id INTEGER NOT NULL REFERENCES companies(company_id),
  file TEXT NOT NULL,
  source_path TEXT NOT NULL,
  status TEXT NOT NULL,
  dry_run INTEGER NOT NULL,
  rows INTEGER NOT NULL DEFAULT 0,
  created INTEGER NOT NULL DEFAULT 0,
  updated INTEGER NOT NULL DEFAULT 0,
  failed INTEGER NOT NULL DEFAULT 0,
  retryable INTEGER NOT NULL DEFAULT 0,
  warnings TEXT NOT NULL DEFAULT '[]',
  file_errors TEXT NOT NULL DEFAULT '[]',
  received_at TEXT,
  started_at TEXT,
  finished_at TEXT,
  bytes INTEGER,
  sha256 TEXT,
  next_offset INTEGER NOT NULL DEFAULT 0,
  next_line INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX jobs_by_company ON jobs (company_id, job_id);
CREATE TABLE job_row_errors (
  job_id INTEGER NOT NULL REFERENCES jobs(job_id),
  row INTEGER NOT NULL,
  sequence INTEGER NOT NULL,
  line INTEGER NOT NULL,
  class TEXT NOT NULL,
  message TEXT NOT NULL,
  field TEXT,
  value TEXT,
  retryable INTEGER NOT NULL,
  PRIMARY KEY (job_id, row, sequence)
) WITHOUT ROWID;
CREATE TABLE job_failed_rows (
  job_id INTEGER NOT NULL REFERENCES jobs(job_id),
  row INTEGER NOT NULL,
  offset INTEGER NOT NULL,
  length INTEGER NOT NULL,
  PRIMARY KEY (job_id, row)
) WITHOUT ROWID;
)sql",
    // 2: the persons each job created, for the created-persons file.
    R"sql(
CREATE TABLE job_created_persons (
  job_id INTEGER NOT NULL REFERENCES jobs(job_id),
  row INTEGER NOT NULL,
  line INTEGER NOT NULL,
  person_id INTEGER NOT NULL,
  PRIMARY KEY (job_id, row)
) WITHOUT ROWID;
)sql",
};

// Person columns, read from `persons AS p` (read_person's column order).
constexpr std::string_view kPersonColumns =
    "p.person_id, p.person_key, p.external_person_id, p.mdn, p.carrier_code, p.custom_fields, "
    "p.created_at, p.updated_at";

PersonRecord read_person(const SqliteStatement& statement) {
  PersonRecord person;
  person.person_id = statement.column_int(0);
  person.person_key = statement.column_text(1);
  person.external_person_id = statement.column_optional_text(2);
  person.mdn = statement.column_optional_text(3);
  person.carrier_code = statement.column_optional_text(4);
  person.custom_fields = nlohmann::json::parse(statement.column_text(5), nullptr, false);
  if (!person.custom_fields.is_object()) person.custom_fields = nlohmann::json::object();
  person.created_at = statement.column_text(6);
  person.updated_at = statement.column_text(7);
  return person;
}

std::string json_array_text(const std::vector<std::string>& values) {
  return json_text(nlohmann::json(values));
}

// A COMMIT that fails (SQLITE_BUSY, I/O) leaves the transaction open; end it, so the
// connection is never left inside a transaction its owner believes closed.
Status commit_or_roll_back(SqliteDatabase& database) {
  auto status = database.execute("COMMIT");
  if (!status.ok()) {
    (void)database.execute("ROLLBACK");
    return status;
  }
  database.watch_wal_size();
  return status;
}

// Runs `BEGIN IMMEDIATE` on construction when asked, and ROLLBACK on destruction unless
// committed: every write path is all-or-nothing even when it returns early.
class Transaction {
 public:
  explicit Transaction(SqliteDatabase& database) : database_(database) {}
  ~Transaction() {
    if (open_) (void)database_.execute("ROLLBACK");
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  Status begin() {
    PI_RETURN_IF_ERROR(database_.execute("BEGIN IMMEDIATE"));
    open_ = true;
    return {};
  }
  Status commit() {
    open_ = false;
    return commit_or_roll_back(database_);
  }
  // Leaves the transaction open for another owner to end.
  void hand_over() { open_ = false; }

 private:
  SqliteDatabase& database_;
  bool open_ = false;
};

class SqliteStore;

class SqliteImportSession final : public ImportSession {
 public:
  SqliteImportSession(SqliteStore& store, SqliteDatabase& database, const Clock& clock,
                      CompanyId company, JobId job, bool dry_run, JobCheckpoint checkpoint)
      : store_(store),
        database_(database),
        clock_(clock),
        company_(company),
        job_(job),
        dry_run_(dry_run),
        transaction_open_(dry_run),
        checkpoint_(checkpoint) {}
  ~SqliteImportSession() override;

  JobId job_id() const override { return job_; }
  JobCheckpoint checkpoint() const override { return checkpoint_; }
  Result<PersonSnapshot> load_persons(const PersonLookupKeys& keys) override;
  Result<PersonId> allocate_person_id() override;
  Status write_batch(const BatchChanges& changes) override;
  Status for_each_row_error(const std::function<bool(const RowErrorRecord&)>& fn) override;
  Status for_each_failed_row(const std::function<bool(const FailedRowRange&)>& fn) override;
  Status for_each_created_person(
      const std::function<bool(const CreatedPersonRecord&)>& fn) override;
  Status finish(const JobEnd& end) override;

 private:
  Status ensure_transaction();
  Status write_changes(const BatchChanges& changes);
  Status write_person(SqliteStatement& statement, const PersonRecord& person);
  // After an UPDATE of the job row guarded by `status = 'running'` and checkpoint_: whether
  // it matched, i.e. no other session advanced or ended the job since this one last wrote.
  Status check_job_still_ours();

  SqliteStore& store_;
  SqliteDatabase& database_;
  const Clock& clock_;
  CompanyId company_;
  JobId job_;
  bool dry_run_;
  bool transaction_open_;  // a dry run's transaction is open from construction
  bool finished_ = false;
  std::optional<PersonId> next_person_id_;
  JobCheckpoint checkpoint_;  // the job row's, as of this session's last successful write
};

class SqliteStore final : public Store {
 public:
  SqliteStore(std::unique_ptr<SqliteDatabase> database, const Clock& clock)
      : database_(std::move(database)), clock_(clock) {}

  Status migrate();
  // The highest migration applied: 0 for a database without person-import's tables.
  Result<std::int64_t> schema_version();

  Result<Company> ensure_company(const std::string& key) override;
  Result<std::optional<Company>> find_company(const std::string& key) override;
  Result<std::vector<Company>> list_companies() override;
  Result<CompanyUsage> company_usage(CompanyId company) override;
  Status remove_company(CompanyId company) override;
  Status add_authorized_key(CompanyId company, const std::string& key_line) override;
  Result<std::vector<std::string>> list_authorized_keys(CompanyId company) override;
  Status remove_authorized_key(CompanyId company, const std::string& key_line) override;
  Result<std::vector<FieldDefinition>> list_fields(CompanyId company) override;
  Result<std::size_t> add_fields(CompanyId company,
                                 const std::vector<FieldDefinition>& fields) override;
  Result<std::uint64_t> count_persons_with_field(CompanyId company,
                                                 const std::string& name) override;
  Status remove_field(CompanyId company, const std::string& name) override;
  Result<std::optional<PersonRecord>> find_person(CompanyId company,
                                                  const PersonSelector& selector) override;
  Status for_each_person(CompanyId company,
                         const std::function<bool(const PersonRecord&)>& fn) override;
  Result<std::unique_ptr<ImportSession>> begin_import(const Company& company,
                                                      const JobStart& start) override;
  Result<std::unique_ptr<ImportSession>> resume_import(const Company& company, JobId job) override;
  Result<std::vector<JobRecord>> list_unfinished_jobs() override;
  Result<std::vector<JobRecord>> list_jobs(const JobQuery& query) override;
  Result<std::optional<JobRecord>> find_job(CompanyId company, JobId job) override;
  Status for_each_job_row_error(CompanyId company, JobId job,
                                const std::function<bool(const RowErrorRecord&)>& fn) override;
  Status for_each_job_failed_row(CompanyId company, JobId job,
                                 const std::function<bool(const FailedRowRange&)>& fn) override;
  Status for_each_job_created_person(
      CompanyId company, JobId job,
      const std::function<bool(const CreatedPersonRecord&)>& fn) override;
  Result<std::optional<JobRecord>> find_job_by_source(CompanyId company,
                                                      const std::string& source_path) override;

  // Prepared once per connection and reused: statement preparation is a measurable share of
  // a batch's cost otherwise.
  Result<SqliteStatement*> statement(std::string_view sql) {
    auto found = statements_.find(sql);
    if (found != statements_.end()) return found->second.get();
    PI_ASSIGN_OR_RETURN(auto prepared, database_->prepare(sql));
    auto* raw = prepared.get();
    statements_.emplace(std::string(sql), std::move(prepared));
    return raw;
  }

 private:
  Result<std::vector<JobRecord>> read_jobs(SqliteStatement& statement);

  std::unique_ptr<SqliteDatabase> database_;
  const Clock& clock_;
  std::map<std::string, std::unique_ptr<SqliteStatement>, std::less<>> statements_;
};

// ---- migrations -------------------------------------------------------------------------

Status SqliteStore::migrate() {
  PI_RETURN_IF_ERROR(database_->execute(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
      "applied_at TEXT NOT NULL)"));
  for (std::size_t index = 0; index < kMigrations.size(); ++index) {
    const auto version = static_cast<std::int64_t>(index + 1);
    Transaction transaction(*database_);
    PI_RETURN_IF_ERROR(transaction.begin());
    PI_ASSIGN_OR_RETURN(auto* check,
                        statement("SELECT 1 FROM schema_migrations WHERE version = ?1"));
    check->bind(1, version);
    PI_ASSIGN_OR_RETURN(bool applied, check->step());
    check->reset();
    if (applied) continue;
    if (auto status = database_->execute(std::string(kMigrations[index])); !status.ok()) {
      return make_error("migration " + std::to_string(version) +
                        " failed: " + status.error().message);
    }
    PI_ASSIGN_OR_RETURN(auto* record, statement("INSERT INTO schema_migrations (version, "
                                                "applied_at) VALUES (?1, ?2)"));
    PI_RETURN_IF_ERROR(record->bind(1, version).bind(2, format_timestamp(clock_.now())).run());
    PI_RETURN_IF_ERROR(transaction.commit());
  }
  return {};
}

Result<std::int64_t> SqliteStore::schema_version() {
  PI_ASSIGN_OR_RETURN(auto* table, statement("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                                             "AND name = 'schema_migrations'"));
  PI_ASSIGN_OR_RETURN(bool exists, table->step());
  table->reset();
  if (!exists) return std::int64_t{0};
  PI_ASSIGN_OR_RETURN(auto* latest,
                      statement("SELECT coalesce(max(version), 0) FROM schema_migrations"));
  PI_ASSIGN_OR_RETURN(bool found, latest->step());
  const std::int64_t version = found ? latest->column_int(0) : 0;
  latest->reset();
  return version;
}

// ---- companies and keys -----------------------------------------------------------------

Result<std::optional<Company>> SqliteStore::find_company(const std::string& key) {
  PI_ASSIGN_OR_RETURN(
      auto* select, statement("SELECT company_id, key, created_at FROM companies WHERE key = ?1"));
  select->bind(1, key);
  PI_ASSIGN_OR_RETURN(bool found, select->step());
  std::optional<Company> company;
  if (found)
    company = Company{select->column_int(0), select->column_text(1), select->column_text(2)};
  select->reset();
  return company;
}

Result<Company> SqliteStore::ensure_company(const std::string& key) {
  PI_ASSIGN_OR_RETURN(auto existing, find_company(key));
  if (existing) return *existing;
  PI_ASSIGN_OR_RETURN(auto* insert, statement("INSERT INTO companies (key, created_at) VALUES "
                                              "(?1, ?2) ON CONFLICT (key) DO NOTHING"));
  PI_RETURN_IF_ERROR(insert->bind(1, key).bind(2, format_timestamp(clock_.now())).run());
  PI_ASSIGN_OR_RETURN(auto created, find_company(key));
  if (!created) return make_error("company " + key + " could not be created");
  return *created;
}

Result<std::vector<Company>> SqliteStore::list_companies() {
  PI_ASSIGN_OR_RETURN(auto* select, statement("SELECT company_id, key, created_at FROM companies "
                                              "ORDER BY key"));
  std::vector<Company> companies;
  while (true) {
    PI_ASSIGN_OR_RETURN(bool more, select->step());
    if (!more) break;
    companies.push_back({select->column_int(0), select->column_text(1), select->column_text(2)});
  }
  select->reset();
  return companies;
}

Result<CompanyUsage> SqliteStore::company_usage(CompanyId company) {
  auto count = [&](std::string_view sql) -> Result<std::uint64_t> {
    PI_ASSIGN_OR_RETURN(auto* select, statement(sql));
    select->bind(1, company);
    PI_ASSIGN_OR_RETURN(bool found, select->step());
    const auto value = found ? static_cast<std::uint64_t>(select->column_int(0)) : 0;
    select->reset();
    return value;
  };
  CompanyUsage usage;
  PI_ASSIGN_OR_RETURN(usage.persons, count("SELECT count(*) FROM persons WHERE company_id = ?1"));
  PI_ASSIGN_OR_RETURN(usage.custom_fields,
                      count("SELECT count(*) FROM custom_fields WHERE company_id = ?1"));
  PI_ASSIGN_OR_RETURN(usage.authorized_keys,
                      count("SELECT count(*) FROM authorized_keys WHERE company_id = ?1"));
  PI_ASSIGN_OR_RETURN(usage.jobs, count("SELECT count(*) FROM jobs WHERE company_id = ?1"));
  return usage;
}

Status SqliteStore::remove_company(CompanyId company) {
  Transaction transaction(*database_);
  PI_RETURN_IF_ERROR(transaction.begin());
  // Children first (foreign keys): the job tables through the company's jobs.
  for (const std::string_view sql : {
           "DELETE FROM job_created_persons WHERE job_id IN (SELECT job_id FROM jobs WHERE "
           "company_id = ?1)",
           "DELETE FROM job_failed_rows WHERE job_id IN (SELECT job_id FROM jobs WHERE "
           "company_id = ?1)",
           "DELETE FROM job_row_errors WHERE job_id IN (SELECT job_id FROM jobs WHERE "
           "company_id = ?1)",
           "DELETE FROM jobs WHERE company_id = ?1",
           "DELETE FROM devices WHERE company_id = ?1",
           "DELETE FROM persons WHERE company_id = ?1",
           "DELETE FROM custom_fields WHERE company_id = ?1",
           "DELETE FROM authorized_keys WHERE company_id = ?1",
           "DELETE FROM companies WHERE company_id = ?1",
       }) {
    PI_ASSIGN_OR_RETURN(auto* remove, statement(sql));
    PI_RETURN_IF_ERROR(remove->bind(1, company).run());
  }
  return transaction.commit();
}

Status SqliteStore::add_authorized_key(CompanyId company, const std::string& key_line) {
  PI_ASSIGN_OR_RETURN(auto* insert,
                      statement("INSERT INTO authorized_keys (company_id, key_line, added_at) "
                                "VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING"));
  return insert->bind(1, company).bind(2, key_line).bind(3, format_timestamp(clock_.now())).run();
}

Result<std::vector<std::string>> SqliteStore::list_authorized_keys(CompanyId company) {
  PI_ASSIGN_OR_RETURN(auto* select, statement("SELECT key_line FROM authorized_keys WHERE "
                                              "company_id = ?1 ORDER BY added_at, key_line"));
  select->bind(1, company);
  std::vector<std::string> keys;
  while (true) {
    PI_ASSIGN_OR_RETURN(bool more, select->step());
    if (!more) break;
    keys.push_back(select->column_text(0));
  }
  select->reset();
  return keys;
}

Status SqliteStore::remove_authorized_key(CompanyId company, const std::string& key_line) {
  PI_ASSIGN_OR_RETURN(auto* remove, statement("DELETE FROM authorized_keys WHERE company_id = ?1 "
                                              "AND key_line = ?2"));
  return remove->bind(1, company).bind(2, key_line).run();
}

// ---- custom fields ------------------------------------------------------------------------

Result<std::vector<FieldDefinition>> SqliteStore::list_fields(CompanyId company) {
  PI_ASSIGN_OR_RETURN(auto* select, statement("SELECT definition FROM custom_fields WHERE "
                                              "company_id = ?1 ORDER BY position"));
  select->bind(1, company);
  std::vector<FieldDefinition> fields;
  while (true) {
    PI_ASSIGN_OR_RETURN(bool more, select->step());
    if (!more) break;
    auto json = nlohmann::json::parse(select->column_text(0), nullptr, false);
    auto definition = definition_from_json(json);
    if (!definition.ok()) {
      select->reset();
      return make_error("stored field definition is invalid: " + definition.error().message);
    }
    fields.push_back(std::move(definition).value());
  }
  select->reset();
  return fields;
}

Result<std::size_t> SqliteStore::add_fields(CompanyId company,
                                            const std::vector<FieldDefinition>& fields) {
  Transaction transaction(*database_);
  PI_RETURN_IF_ERROR(transaction.begin());
  PI_ASSIGN_OR_RETURN(auto existing, list_fields(company));
  PI_ASSIGN_OR_RETURN(auto additions, new_field_definitions(existing, fields));
  PI_ASSIGN_OR_RETURN(auto* next_position,
                      statement("SELECT coalesce(max(position), 0) + 1 FROM custom_fields WHERE "
                                "company_id = ?1"));
  next_position->bind(1, company);
  PI_ASSIGN_OR_RETURN(bool has_row, next_position->step());
  std::int64_t position = has_row ? next_position->column_int(0) : 1;
  next_position->reset();
  PI_ASSIGN_OR_RETURN(auto* insert,
                      statement("INSERT INTO custom_fields (company_id, name, position, "
                                "definition, created_at) VALUES (?1, ?2, ?3, ?4, ?5)"));
  const std::string now = format_timestamp(clock_.now());
  for (const auto& field : additions) {
    PI_RETURN_IF_ERROR(insert->bind(1, company)
                           .bind(2, field.name)
                           .bind(3, position++)
                           .bind(4, to_json(field).dump())
                           .bind(5, now)
                           .run());
  }
  PI_RETURN_IF_ERROR(transaction.commit());
  return additions.size();
}

// A JSON path naming one custom field; field names are letters, digits, '_' and '-', which need
// no escaping inside the quotes.
std::string field_path(const std::string& name) { return "$.\"" + name + "\""; }

Result<std::uint64_t> SqliteStore::count_persons_with_field(CompanyId company,
                                                            const std::string& name) {
  PI_ASSIGN_OR_RETURN(auto* select, statement("SELECT count(*) FROM persons WHERE company_id = ?1 "
                                              "AND json_type(custom_fields, ?2) IS NOT NULL"));
  select->bind(1, company).bind(2, field_path(name));
  PI_ASSIGN_OR_RETURN(bool found, select->step());
  const auto count = found ? static_cast<std::uint64_t>(select->column_int(0)) : 0;
  select->reset();
  return count;
}

Status SqliteStore::remove_field(CompanyId company, const std::string& name) {
  Transaction transaction(*database_);
  PI_RETURN_IF_ERROR(transaction.begin());
  PI_ASSIGN_OR_RETURN(auto* remove, statement("DELETE FROM custom_fields WHERE company_id = ?1 "
                                              "AND name = ?2"));
  PI_RETURN_IF_ERROR(remove->bind(1, company).bind(2, name).run());
  if (database_->changes() != 1) return make_error("no custom field \"" + name + "\"");
  PI_ASSIGN_OR_RETURN(auto* strip,
                      statement("UPDATE persons SET custom_fields = json_remove(custom_fields, ?2) "
                                "WHERE company_id = ?1 AND json_type(custom_fields, ?2) IS NOT "
                                "NULL"));
  PI_RETURN_IF_ERROR(strip->bind(1, company).bind(2, field_path(name)).run());
  return transaction.commit();
}

// ---- persons -------------------------------------------------------------------------------

Result<std::optional<PersonRecord>> SqliteStore::find_person(CompanyId company,
                                                             const PersonSelector& selector) {
  std::string_view column;
  switch (selector.kind) {
    case PersonSelector::Kind::kPersonId:
      column = "person_id";
      break;
    case PersonSelector::Kind::kPersonKey:
      column = "person_key";
      break;
    case PersonSelector::Kind::kExternalPersonId:
      column = "external_person_id";
      break;
    case PersonSelector::Kind::kMdn:
      column = "mdn";
      break;
  }
  std::string sql = "SELECT " + std::string(kPersonColumns) +
                    " FROM persons AS p WHERE p.company_id = ?1 AND p." + std::string(column) +
                    " = ?2";
  PI_ASSIGN_OR_RETURN(auto* select, statement(sql));
  select->bind(1, company);
  if (selector.kind == PersonSelector::Kind::kPersonId) {
    // Digits only, as in an import's person_id: `12abc` or ` +12` must not find person 12.
    const std::string& text = selector.value;
    std::int64_t id = 0;
    const auto parsed = std::from_chars(text.data(), text.data() + text.size(), id);
    if (text.empty() || text.front() == '-' || parsed.ec != std::errc() ||
        parsed.ptr != text.data() + text.size()) {
      select->reset();
      return std::optional<PersonRecord>();
    }
    select->bind(2, id);
  } else {
    select->bind(2, selector.value);
  }
  PI_ASSIGN_OR_RETURN(bool found, select->step());
  if (!found) {
    select->reset();
    return std::optional<PersonRecord>();
  }
  PersonRecord person = read_person(*select);
  select->reset();
  PI_ASSIGN_OR_RETURN(auto* devices, statement("SELECT device_id FROM devices WHERE company_id = "
                                               "?1 AND person_id = ?2 ORDER BY device_id"));
  devices->bind(1, company).bind(2, person.person_id);
  while (true) {
    PI_ASSIGN_OR_RETURN(bool more, devices->step());
    if (!more) break;
    person.device_ids.push_back(devices->column_text(0));
  }
  devices->reset();
  return std::optional<PersonRecord>(std::move(person));
}

Status SqliteStore::for_each_person(CompanyId company,
                                    const std::function<bool(const PersonRecord&)>& fn) {
  // Two ordered cursors merged by person_id: one pass over each table, memory flat however
  // many persons the company has. Dedicated statements (not the cache): callers may run other
  // queries while iterating.
  PI_ASSIGN_OR_RETURN(auto persons,
                      database_->prepare("SELECT " + std::string(kPersonColumns) +
                                         " FROM persons AS p WHERE p.company_id = ?1 ORDER BY "
                                         "p.person_id"));
  PI_ASSIGN_OR_RETURN(auto devices,
                      database_->prepare("SELECT person_id, device_id FROM devices WHERE "
                                         "company_id = ?1 ORDER BY person_id, device_id"));
  persons->bind(1, company);
  devices->bind(1, company);
  PI_ASSIGN_OR_RETURN(bool device_available, devices->step());
  while (true) {
    PI_ASSIGN_OR_RETURN(bool more, persons->step());
    if (!more) break;
    PersonRecord person = read_person(*persons);
    while (device_available && devices->column_int(0) <= person.person_id) {
      if (devices->column_int(0) == person.person_id) {
        person.device_ids.push_back(devices->column_text(1));
      }
      PI_ASSIGN_OR_RETURN(device_available, devices->step());
    }
    if (!fn(person)) break;
  }
  return {};
}

// ---- jobs ----------------------------------------------------------------------------------

constexpr std::string_view kJobColumns =
    "j.job_id, c.key, j.file, j.source_path, j.status, j.dry_run, j.rows, j.created, j.updated, "
    "j.failed, j.retryable, j.warnings, j.file_errors, j.received_at, j.started_at, "
    "j.finished_at, j.bytes, j.sha256, j.next_offset, j.next_line";

Result<std::vector<JobRecord>> SqliteStore::read_jobs(SqliteStatement& select) {
  std::vector<JobRecord> jobs;
  while (true) {
    PI_ASSIGN_OR_RETURN(bool more, select.step());
    if (!more) break;
    JobRecord job;
    job.job_id = select.column_int(0);
    job.company = select.column_text(1);
    job.file = select.column_text(2);
    job.source_path = select.column_text(3);
    job.status = parse_job_status(select.column_text(4)).value_or(JobStatus::kFailed);
    job.dry_run = select.column_int(5) != 0;
    job.counts = {static_cast<std::uint64_t>(select.column_int(6)),
                  static_cast<std::uint64_t>(select.column_int(7)),
                  static_cast<std::uint64_t>(select.column_int(8)),
                  static_cast<std::uint64_t>(select.column_int(9)),
                  static_cast<std::uint64_t>(select.column_int(10))};
    auto warnings = nlohmann::json::parse(select.column_text(11), nullptr, false);
    if (warnings.is_array()) {
      for (const auto& warning : warnings) {
        if (warning.is_string()) job.warnings.push_back(warning.get<std::string>());
      }
    }
    auto file_errors = nlohmann::json::parse(select.column_text(12), nullptr, false);
    if (file_errors.is_array()) {
      for (const auto& error : file_errors) {
        job.file_errors.push_back({error.value("class", ""), error.value("message", "")});
      }
    }
    job.received_at = select.column_optional_text(13);
    job.started_at = select.column_optional_text(14);
    job.finished_at = select.column_optional_text(15);
    if (!select.column_is_null(16)) job.bytes = static_cast<std::uint64_t>(select.column_int(16));
    job.sha256 = select.column_optional_text(17);
    job.checkpoint.counts = job.counts;
    job.checkpoint.next_offset = static_cast<std::uint64_t>(select.column_int(18));
    job.checkpoint.next_line = static_cast<std::uint64_t>(select.column_int(19));
    jobs.push_back(std::move(job));
  }
  select.reset();
  return jobs;
}

Result<std::vector<JobRecord>> SqliteStore::list_jobs(const JobQuery& query) {
  PI_ASSIGN_OR_RETURN(auto* select,
                      statement("SELECT " + std::string(kJobColumns) +
                                " FROM jobs j JOIN companies c USING (company_id) WHERE "
                                "(?1 IS NULL OR j.company_id = ?1) AND (?2 IS NULL OR j.status = "
                                "?2) AND (?3 IS NULL OR j.started_at >= ?3) AND j.dry_run = 0 "
                                "ORDER BY j.job_id"));
  if (query.company) {
    select->bind(1, *query.company);
  } else {
    select->bind_null(1);
  }
  if (query.status) {
    select->bind(2, to_string(*query.status));
  } else {
    select->bind_null(2);
  }
  select->bind(3, query.started_since);
  return read_jobs(*select);
}

Result<std::optional<JobRecord>> SqliteStore::find_job(CompanyId company, JobId job) {
  PI_ASSIGN_OR_RETURN(auto* select,
                      statement("SELECT " + std::string(kJobColumns) +
                                " FROM jobs j JOIN companies c USING (company_id) WHERE "
                                "j.company_id = ?1 AND j.job_id = ?2"));
  select->bind(1, company).bind(2, job);
  PI_ASSIGN_OR_RETURN(auto jobs, read_jobs(*select));
  if (jobs.empty()) return std::optional<JobRecord>();
  return std::optional<JobRecord>(std::move(jobs.front()));
}

Result<std::vector<JobRecord>> SqliteStore::list_unfinished_jobs() {
  // Every company's, by design: a restarted daemon resumes them all. Each names its company.
  PI_ASSIGN_OR_RETURN(auto* select,
                      statement("SELECT " + std::string(kJobColumns) +
                                " FROM jobs j JOIN companies c USING (company_id) WHERE "
                                "j.status = 'running' AND j.dry_run = 0 ORDER BY j.job_id"));
  return read_jobs(*select);
}

Status stream_row_errors(SqliteDatabase& database, CompanyId company, JobId job,
                         const std::function<bool(const RowErrorRecord&)>& fn) {
  PI_ASSIGN_OR_RETURN(
      auto select,
      database.prepare("SELECT e.line, e.row, e.class, e.message, e.field, e.value, e.retryable "
                       "FROM job_row_errors AS e JOIN jobs AS j ON j.job_id = e.job_id WHERE "
                       "e.job_id = ?1 AND j.company_id = ?2 ORDER BY e.row, e.sequence"));
  select->bind(1, job).bind(2, company);
  while (true) {
    PI_ASSIGN_OR_RETURN(bool more, select->step());
    if (!more) break;
    RowErrorRecord error;
    error.line = static_cast<std::uint64_t>(select->column_int(0));
    error.row = static_cast<std::uint64_t>(select->column_int(1));
    error.class_name = select->column_text(2);
    error.message = select->column_text(3);
    error.field = select->column_optional_text(4);
    error.value = select->column_optional_text(5);
    error.retryable = select->column_int(6) != 0;
    if (!fn(error)) break;
  }
  return {};
}

Status SqliteStore::for_each_job_row_error(CompanyId company, JobId job,
                                           const std::function<bool(const RowErrorRecord&)>& fn) {
  return stream_row_errors(*database_, company, job, fn);
}

Status SqliteStore::for_each_job_failed_row(CompanyId company, JobId job,
                                            const std::function<bool(const FailedRowRange&)>& fn) {
  PI_ASSIGN_OR_RETURN(
      auto select,
      database_->prepare("SELECT f.row, f.offset, f.length FROM job_failed_rows AS f JOIN jobs AS "
                         "j ON j.job_id = f.job_id WHERE f.job_id = ?1 AND j.company_id = ?2 "
                         "ORDER BY f.row"));
  select->bind(1, job).bind(2, company);
  while (true) {
    PI_ASSIGN_OR_RETURN(bool more, select->step());
    if (!more) break;
    FailedRowRange range{static_cast<std::uint64_t>(select->column_int(0)),
                         static_cast<std::uint64_t>(select->column_int(1)),
                         static_cast<std::uint64_t>(select->column_int(2))};
    if (!fn(range)) break;
  }
  return {};
}

Status SqliteStore::for_each_job_created_person(
    CompanyId company, JobId job, const std::function<bool(const CreatedPersonRecord&)>& fn) {
  PI_ASSIGN_OR_RETURN(
      auto select,
      database_->prepare("SELECT r.row, r.line, r.person_id, p.person_key, p.external_person_id "
                         "FROM job_created_persons AS r JOIN jobs AS j ON j.job_id = r.job_id "
                         "LEFT JOIN persons AS p ON p.company_id = j.company_id AND p.person_id "
                         "= r.person_id WHERE r.job_id = ?1 AND j.company_id = ?2 ORDER BY "
                         "r.row"));
  select->bind(1, job).bind(2, company);
  while (true) {
    PI_ASSIGN_OR_RETURN(bool more, select->step());
    if (!more) break;
    CreatedPersonRecord created{static_cast<std::uint64_t>(select->column_int(0)),
                                static_cast<std::uint64_t>(select->column_int(1)),
                                select->column_int(2), select->column_text(3),
                                select->column_optional_text(4)};
    if (!fn(created)) break;
  }
  return {};
}

Result<std::optional<JobRecord>> SqliteStore::find_job_by_source(CompanyId company,
                                                                 const std::string& source_path) {
  PI_ASSIGN_OR_RETURN(auto* select,
                      statement("SELECT " + std::string(kJobColumns) +
                                " FROM jobs j JOIN companies c USING (company_id) WHERE "
                                "j.company_id = ?1 AND j.source_path = ?2 AND j.dry_run = 0 "
                                "ORDER BY j.job_id DESC LIMIT 1"));
  select->bind(1, company).bind(2, source_path);
  PI_ASSIGN_OR_RETURN(auto jobs, read_jobs(*select));
  if (jobs.empty()) return std::optional<JobRecord>();
  return std::optional<JobRecord>(std::move(jobs.front()));
}

Result<std::unique_ptr<ImportSession>> SqliteStore::begin_import(const Company& company,
                                                                 const JobStart& start) {
  // A dry run holds one transaction from here to finish(), which rolls it back: its job row
  // and every simulated write vanish together.
  Transaction dry_run_transaction(*database_);
  if (start.dry_run) PI_RETURN_IF_ERROR(dry_run_transaction.begin());
  PI_ASSIGN_OR_RETURN(auto* insert,
                      statement("INSERT INTO jobs (company_id, file, source_path, status, dry_run, "
                                "received_at, started_at, bytes, sha256) VALUES (?1, ?2, ?3, "
                                "'running', ?4, ?5, ?6, ?7, ?8)"));
  insert->bind(1, company.id)
      .bind(2, start.file)
      .bind(3, start.source_path)
      .bind(4, std::int64_t{start.dry_run ? 1 : 0})
      .bind(5, start.received_at)
      .bind(6, format_timestamp(clock_.now()))
      .bind(8, start.sha256);
  if (start.bytes) {
    insert->bind(7, static_cast<std::int64_t>(*start.bytes));
  } else {
    insert->bind_null(7);
  }
  PI_RETURN_IF_ERROR(insert->run());
  const JobId job = database_->last_insert_rowid();
  if (start.dry_run) dry_run_transaction.hand_over();
  return std::unique_ptr<ImportSession>(std::make_unique<SqliteImportSession>(
      *this, *database_, clock_, company.id, job, start.dry_run, JobCheckpoint{}));
}

Result<std::unique_ptr<ImportSession>> SqliteStore::resume_import(const Company& company,
                                                                  JobId job) {
  PI_ASSIGN_OR_RETURN(auto found, find_job(company.id, job));
  const std::string name = "job " + std::to_string(job);
  if (!found) return make_error(name + " not found for company " + company.key);
  if (found->dry_run) return make_error(name + " is a dry run: there is nothing to resume");
  if (found->status != JobStatus::kRunning) {
    return make_error(name + " is " + to_string(found->status) +
                      ": only a running job can be resumed");
  }
  // The session's writes check that the job is still at this checkpoint: if another session
  // moves it on first, this one can apply nothing.
  return std::unique_ptr<ImportSession>(std::make_unique<SqliteImportSession>(
      *this, *database_, clock_, company.id, job, false, found->checkpoint));
}

// ---- import sessions -----------------------------------------------------------------------

SqliteImportSession::~SqliteImportSession() {
  if (transaction_open_) (void)database_.execute("ROLLBACK");
}

Status SqliteImportSession::ensure_transaction() {
  if (transaction_open_) return {};
  PI_RETURN_IF_ERROR(database_.execute("BEGIN IMMEDIATE"));
  transaction_open_ = true;
  next_person_id_.reset();
  return {};
}

Result<PersonSnapshot> SqliteImportSession::load_persons(const PersonLookupKeys& keys) {
  PI_RETURN_IF_ERROR(ensure_transaction());
  PersonSnapshot snapshot;
  std::unordered_set<PersonId> loaded;
  auto load_by = [&](std::string_view column, const std::string& values_json) -> Status {
    // json_each turns one bound array into a set: one statement per identifier kind per
    // batch. CROSS JOIN fixes the loop order — each wanted value probes the index — which the
    // planner, without statistics, would otherwise turn into a scan of the company's persons.
    PI_ASSIGN_OR_RETURN(
        auto* select,
        store_.statement("SELECT " + std::string(kPersonColumns) +
                         " FROM json_each(?2) AS wanted CROSS JOIN persons AS p WHERE "
                         "p.company_id = ?1 AND p." +
                         std::string(column) + " = wanted.value"));
    select->bind(1, company_).bind(2, values_json);
    while (true) {
      PI_ASSIGN_OR_RETURN(bool more, select->step());
      if (!more) break;
      PersonRecord person = read_person(*select);
      if (loaded.insert(person.person_id).second) snapshot.persons.push_back(std::move(person));
    }
    select->reset();
    return {};
  };
  if (!keys.person_ids.empty()) {
    PI_RETURN_IF_ERROR(load_by("person_id", nlohmann::json(keys.person_ids).dump()));
  }
  if (!keys.person_keys.empty()) {
    PI_RETURN_IF_ERROR(load_by("person_key", json_array_text(keys.person_keys)));
  }
  if (!keys.external_person_ids.empty()) {
    PI_RETURN_IF_ERROR(load_by("external_person_id", json_array_text(keys.external_person_ids)));
  }
  if (!keys.mdns.empty()) PI_RETURN_IF_ERROR(load_by("mdn", json_array_text(keys.mdns)));
  if (!keys.device_ids.empty()) {
    const std::string devices_json = json_array_text(keys.device_ids);
    PI_ASSIGN_OR_RETURN(auto* owners,
                        store_.statement("SELECT d.device_id, d.person_id FROM json_each(?2) AS "
                                         "wanted CROSS JOIN devices AS d WHERE d.company_id = ?1 "
                                         "AND d.device_id = wanted.value"));
    owners->bind(1, company_).bind(2, devices_json);
    std::vector<PersonId> owner_ids;
    while (true) {
      PI_ASSIGN_OR_RETURN(bool more, owners->step());
      if (!more) break;
      snapshot.devices.push_back({owners->column_text(0), owners->column_int(1)});
      if (!loaded.contains(owners->column_int(1))) owner_ids.push_back(owners->column_int(1));
    }
    owners->reset();
    if (!owner_ids.empty()) {
      PI_RETURN_IF_ERROR(load_by("person_id", nlohmann::json(owner_ids).dump()));
    }
  }
  return snapshot;
}

Result<PersonId> SqliteImportSession::allocate_person_id() {
  PI_RETURN_IF_ERROR(ensure_transaction());
  if (!next_person_id_) {
    PI_ASSIGN_OR_RETURN(auto* select, store_.statement("SELECT next_value FROM sequences WHERE "
                                                       "name = 'person_id'"));
    PI_ASSIGN_OR_RETURN(bool found, select->step());
    next_person_id_ = found ? select->column_int(0) : 1;
    select->reset();
  }
  return (*next_person_id_)++;
}

Status SqliteImportSession::write_person(SqliteStatement& statement, const PersonRecord& person) {
  return statement.bind(1, company_)
      .bind(2, person.person_id)
      .bind(3, person.person_key)
      .bind(4, person.external_person_id)
      .bind(5, person.mdn)
      .bind(6, person.carrier_code)
      .bind(7, json_text(person.custom_fields))
      .bind(8, person.created_at)
      .bind(9, person.updated_at)
      .run();
}

Status SqliteImportSession::write_changes(const BatchChanges& changes) {
  // Unique values can move between persons inside one batch (a cleared external id taken by a
  // later row). Writing final states one by one could collide with a not-yet-written old
  // state, so first release every unique value the updated persons held, then write.
  if (!changes.updated.empty()) {
    PI_ASSIGN_OR_RETURN(auto* release,
                        store_.statement("UPDATE persons SET external_person_id = NULL, mdn = NULL "
                                         "WHERE company_id = ?1 AND person_id = ?2"));
    for (const auto& person : changes.updated) {
      PI_RETURN_IF_ERROR(release->bind(1, company_).bind(2, person.person_id).run());
    }
    PI_ASSIGN_OR_RETURN(
        auto* update,
        store_.statement("UPDATE persons SET person_key = ?3, external_person_id = ?4, mdn = ?5, "
                         "carrier_code = ?6, custom_fields = ?7, created_at = ?8, updated_at = ?9 "
                         "WHERE company_id = ?1 AND person_id = ?2"));
    for (const auto& person : changes.updated) PI_RETURN_IF_ERROR(write_person(*update, person));
  }
  if (!changes.created.empty()) {
    PI_ASSIGN_OR_RETURN(auto* insert,
                        store_.statement("INSERT INTO persons (company_id, person_id, person_key, "
                                         "external_person_id, mdn, carrier_code, custom_fields, "
                                         "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
                                         "?7, ?8, ?9)"));
    for (const auto& person : changes.created) PI_RETURN_IF_ERROR(write_person(*insert, person));
  }
  if (next_person_id_) {
    PI_ASSIGN_OR_RETURN(auto* advance, store_.statement("UPDATE sequences SET next_value = ?1 "
                                                        "WHERE name = 'person_id'"));
    PI_RETURN_IF_ERROR(advance->bind(1, *next_person_id_).run());
  }
  if (!changes.devices.empty()) {
    PI_ASSIGN_OR_RETURN(auto* attach,
                        store_.statement("INSERT INTO devices (company_id, device_id, person_id, "
                                         "attached_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT "
                                         "(company_id, device_id) DO UPDATE SET person_id = "
                                         "excluded.person_id, attached_at = excluded.attached_at "
                                         "WHERE person_id <> excluded.person_id"));
    const std::string now = format_timestamp(clock_.now());
    for (const auto& device : changes.devices) {
      PI_RETURN_IF_ERROR(attach->bind(1, company_)
                             .bind(2, device.device_id)
                             .bind(3, device.person_id)
                             .bind(4, now)
                             .run());
    }
  }
  if (!changes.row_errors.empty()) {
    PI_ASSIGN_OR_RETURN(auto* insert,
                        store_.statement("INSERT INTO job_row_errors (job_id, row, sequence, "
                                         "line, class, message, field, value, retryable) VALUES "
                                         "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"));
    std::uint64_t previous_row = 0;
    std::int64_t sequence = 0;
    for (const auto& error : changes.row_errors) {
      sequence = error.row == previous_row ? sequence + 1 : 0;
      previous_row = error.row;
      PI_RETURN_IF_ERROR(insert->bind(1, job_)
                             .bind(2, static_cast<std::int64_t>(error.row))
                             .bind(3, sequence)
                             .bind(4, static_cast<std::int64_t>(error.line))
                             .bind(5, error.class_name)
                             .bind(6, error.message)
                             .bind(7, error.field)
                             .bind(8, error.value)
                             .bind(9, std::int64_t{error.retryable ? 1 : 0})
                             .run());
    }
  }
  if (!changes.created_rows.empty()) {
    PI_ASSIGN_OR_RETURN(auto* insert,
                        store_.statement("INSERT INTO job_created_persons (job_id, row, line, "
                                         "person_id) VALUES (?1, ?2, ?3, ?4)"));
    for (const auto& created : changes.created_rows) {
      PI_RETURN_IF_ERROR(insert->bind(1, job_)
                             .bind(2, static_cast<std::int64_t>(created.row))
                             .bind(3, static_cast<std::int64_t>(created.line))
                             .bind(4, created.person_id)
                             .run());
    }
  }
  if (!changes.failed_rows.empty()) {
    PI_ASSIGN_OR_RETURN(auto* insert,
                        store_.statement("INSERT INTO job_failed_rows (job_id, row, offset, "
                                         "length) VALUES (?1, ?2, ?3, ?4)"));
    for (const auto& failed : changes.failed_rows) {
      PI_RETURN_IF_ERROR(insert->bind(1, job_)
                             .bind(2, static_cast<std::int64_t>(failed.row))
                             .bind(3, static_cast<std::int64_t>(failed.offset))
                             .bind(4, static_cast<std::int64_t>(failed.length))
                             .run());
    }
  }
  // The checkpoint commits with the batch it describes: after a crash, the job row says
  // exactly which records are applied. It moves on only from the checkpoint this session
  // started the batch from, so no two sessions apply the same records.
  const auto& checkpoint = changes.checkpoint;
  PI_ASSIGN_OR_RETURN(auto* progress,
                      store_.statement("UPDATE jobs SET rows = ?2, created = ?3, updated = ?4, "
                                       "failed = ?5, retryable = ?6, next_offset = ?7, "
                                       "next_line = ?8 WHERE job_id = ?1 AND status = 'running' "
                                       "AND rows = ?9 AND next_offset = ?10"));
  PI_RETURN_IF_ERROR(progress->bind(1, job_)
                         .bind(2, static_cast<std::int64_t>(checkpoint.counts.rows))
                         .bind(3, static_cast<std::int64_t>(checkpoint.counts.created))
                         .bind(4, static_cast<std::int64_t>(checkpoint.counts.updated))
                         .bind(5, static_cast<std::int64_t>(checkpoint.counts.failed))
                         .bind(6, static_cast<std::int64_t>(checkpoint.counts.retryable))
                         .bind(7, static_cast<std::int64_t>(checkpoint.next_offset))
                         .bind(8, static_cast<std::int64_t>(checkpoint.next_line))
                         .bind(9, static_cast<std::int64_t>(checkpoint_.counts.rows))
                         .bind(10, static_cast<std::int64_t>(checkpoint_.next_offset))
                         .run());
  return check_job_still_ours();
}

Status SqliteImportSession::check_job_still_ours() {
  if (database_.changes() == 1) return {};
  return make_error("job " + std::to_string(job_) + " is no longer running from row " +
                    std::to_string(checkpoint_.counts.rows + 1) +
                    ": another session moved it on or ended it");
}

Status SqliteImportSession::write_batch(const BatchChanges& changes) {
  PI_RETURN_IF_ERROR(ensure_transaction());
  if (dry_run_) {
    // One savepoint per batch keeps a failed batch from leaving half its writes in the
    // simulation.
    PI_RETURN_IF_ERROR(database_.execute("SAVEPOINT batch"));
    auto status = write_changes(changes);
    (void)database_.execute(status.ok() ? "RELEASE batch" : "ROLLBACK TO batch; RELEASE batch");
    if (status.ok()) checkpoint_ = changes.checkpoint;
    return status;
  }
  auto status = write_changes(changes);
  if (!status.ok()) {
    (void)database_.execute("ROLLBACK");
    transaction_open_ = false;
    return status;
  }
  transaction_open_ = false;
  PI_RETURN_IF_ERROR(commit_or_roll_back(database_));
  checkpoint_ = changes.checkpoint;
  return {};
}

Status SqliteImportSession::for_each_row_error(
    const std::function<bool(const RowErrorRecord&)>& fn) {
  return stream_row_errors(database_, company_, job_, fn);
}

Status SqliteImportSession::for_each_failed_row(
    const std::function<bool(const FailedRowRange&)>& fn) {
  return store_.for_each_job_failed_row(company_, job_, fn);
}

Status SqliteImportSession::for_each_created_person(
    const std::function<bool(const CreatedPersonRecord&)>& fn) {
  return store_.for_each_job_created_person(company_, job_, fn);
}

Status SqliteImportSession::finish(const JobEnd& end) {
  if (finished_) return make_error("import session already finished");
  finished_ = true;
  if (dry_run_) {
    transaction_open_ = false;
    return database_.execute("ROLLBACK");
  }
  if (transaction_open_) {
    // An unwritten batch (the import stopped between load and write) is abandoned.
    (void)database_.execute("ROLLBACK");
    transaction_open_ = false;
  }
  nlohmann::json warnings = end.warnings;
  nlohmann::json file_errors = nlohmann::json::array();
  for (const auto& error : end.file_errors) {
    file_errors.push_back({{"class", error.class_name}, {"message", error.message}});
  }
  PI_ASSIGN_OR_RETURN(
      auto* update,
      store_.statement("UPDATE jobs SET status = ?2, rows = ?3, created = ?4, updated = ?5, "
                       "failed = ?6, retryable = ?7, warnings = ?8, file_errors = ?9, "
                       "finished_at = ?10 WHERE job_id = ?1 AND status = 'running' AND rows = ?11 "
                       "AND next_offset = ?12"));
  PI_RETURN_IF_ERROR(update->bind(1, job_)
                         .bind(2, std::string_view(to_string(end.status)))
                         .bind(3, static_cast<std::int64_t>(end.counts.rows))
                         .bind(4, static_cast<std::int64_t>(end.counts.created))
                         .bind(5, static_cast<std::int64_t>(end.counts.updated))
                         .bind(6, static_cast<std::int64_t>(end.counts.failed))
                         .bind(7, static_cast<std::int64_t>(end.counts.retryable))
                         .bind(8, json_text(warnings))
                         .bind(9, json_text(file_errors))
                         .bind(10, format_timestamp(clock_.now()))
                         .bind(11, static_cast<std::int64_t>(checkpoint_.counts.rows))
                         .bind(12, static_cast<std::int64_t>(checkpoint_.next_offset))
                         .run());
  return check_job_still_ours();
}

}  // namespace

Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& path,
                                                 const StoreOptions& options, const Clock& clock) {
  PI_ASSIGN_OR_RETURN(auto database,
                      sqlite::open_database_file(path, options.access, options.busy_timeout_ms));
  database->set_wal_warning_bytes(options.wal_warning_bytes);
  const bool read_only = database->read_only();
  auto store = std::make_unique<SqliteStore>(std::move(database), clock);
  PI_ASSIGN_OR_RETURN(const std::int64_t version, store->schema_version());
  if (version == 0 && options.access != StoreAccess::kCreate) {
    return make_error("no database at " + path + " (the file holds no person-import tables)");
  }
  constexpr auto kLatest = static_cast<std::int64_t>(kMigrations.size());
  if (read_only) {
    // Reading an older schema could misread it; upgrading it needs a writer.
    if (version < kLatest) {
      return make_error(path + " needs its schema upgraded (version " + std::to_string(version) +
                        " of " + std::to_string(kLatest) +
                        "), which takes write access: run a command as the database's owner");
    }
  } else {
    PI_RETURN_IF_ERROR(store->migrate());
  }
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace person_import
