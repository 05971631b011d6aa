// Resuming interrupted imports (Importer::resume), on real databases (either backend): an import
// stopped at any point — killed, abandoned, by a database failure at any statement of a batch
// (SQLite) or by its lost connection (PostgreSQL) —
// then resumed by a fresh store and importer ends exactly as an uninterrupted import of the
// same file into a fresh database: same persons, counts, row errors, report, errors CSV and
// failed-rows file.
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <climits>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>

#include "core/exporting/person_export.h"
#include "core/importing/importer.h"
#include "core/resolving/person_key.h"
#include "core/storage/sqlite/sqlite_database.h"
#include "tests/support/postgres_connections.h"
#include "tests/support/test_database.h"
#include "tests/support/test_support.h"
#include "tests/unit/importing/forwarding_store.h"

using namespace person_import;

namespace {

// Header section, `;` delimiter, a quoted line break and a blank line (line numbers must
// continue across the checkpoint), rows failing validation and the database checks, updates
// of persons created batches earlier, devices moving between persons, mdns.
const std::string kSemicolonFile =
    "Delimiter: ;\n"
    "\n"
    "external_person_id;mdn;vibes_device_id;first_name;score\n"
    "c-1;3125550101;d-1;Ann;1\n"
    "c-2;;d-2;\"Bob\nSmith\";2\n"
    "c-3;;;Cat;x\n"
    "c-1;;;Annie;3\n"
    "\n"
    "c-4;3125550101;;Dan;4\n"
    "c-5;+442079460000;;Eve;5\n"
    "c-5;3125550105;d-1;Eve;6\n"
    ";;d-2;Bobby;7\n"
    "c-6;;;Fay\n"
    "c-2;3125550102;;;8\n"
    "c-7;;d-1;Gus;9\n"
    "c-1;3125550103;;\"A;nn\";10\n"
    "c-8;;;Hal;11\n"
    ";3125550105;;Eva;12\n"
    "c-9;;d-9;Ivy;13\n";

// No header section, rows selected by person_id, and a last line without a line break.
const std::string kCommaFile =
    "external_person_id,person_id,mdn,vibes_device_id,score\n"
    "c-1,,3125550111,d-1,1\n"
    "c-2,,,d-2,2\n"
    ",1,,,3\n"
    ",99,,,4\n"
    "c-3,,3125550111,,5\n"
    "c-3,,,d-1,6\n"
    ",2,3125550112,,7\n"
    "c-4,,,,8\n"
    ",,3125550112,d-4,9\n"
    "c-5,,,,abc\n"
    ",3,,d-2,10\n"
    "c-1,,3125550199,,11\n"
    "c-6,,+442079460000,,12\n"
    "c-6,,3125550113,,13";

ImportOptions small_batches() {
  ImportOptions options;
  options.batch_rows = 2;
  options.read_chunk_bytes = 7;  // records straddle reads, before and after a resume
  return options;
}

// One database with company `acme` and its fields, the input file and the result files
// in a folder of their own.
struct Database {
  test_support::TempDirectory directory;
  std::string database_path = test_support::fresh_test_database(directory.path().string());
  std::string input_path = directory.file("in.persons");

  explicit Database(const std::string& content) {
    test_support::write_file(input_path, content);
    auto store = open();
    auto company = store->ensure_company("acme");
    REQUIRE(company.ok());
    REQUIRE(
        store
            ->add_fields(company->id, {{"first_name", FieldType::kString, {}, Charset::kUnicode},
                                       {"score", FieldType::kNumber, {}, Charset::kUnicode}})
            .ok());
  }

  std::unique_ptr<Store> open() const {
    auto store = open_store(database_path);
    REQUIRE(store.ok());
    return std::move(store).value();
  }

  // A request writing every result file into the folder.
  ImportRequest request() const {
    ImportRequest request;
    request.path = input_path;
    request.report_path = directory.file("report.json");
    request.errors_path = directory.file("errors.csv");
    request.failed_rows_path = directory.file("failed.persons");
    return request;
  }
};

Company company_of(Store& store) {
  auto company = store.find_company("acme");
  REQUIRE(company.ok());
  REQUIRE(company->has_value());
  return **company;
}

// Everything an import leaves behind that must not depend on its being interrupted.
struct Outcome {
  std::string summary;
  std::string job;
  std::vector<std::string> persons;  // the export, without person_key and timestamps
  std::vector<std::string> row_errors;
  std::string report;  // without job_id
  std::string errors_csv;
  std::string failed_rows;
};

Outcome outcome_of(const Database& database, const ImportSummary& summary) {
  auto store = database.open();
  const Company company = company_of(*store);
  Outcome outcome;
  nlohmann::json counts = {{"rows", summary.counts.rows},
                           {"created", summary.counts.created},
                           {"updated", summary.counts.updated},
                           {"failed", summary.counts.failed},
                           {"retryable", summary.counts.retryable}};
  outcome.summary = nlohmann::json{{"status", to_string(summary.status)},
                                   {"counts", counts},
                                   {"warnings", summary.warnings},
                                   {"file_errors", summary.file_errors.size()}}
                        .dump();
  REQUIRE(summary.job_id);
  auto job = store->find_job(company.id, *summary.job_id);
  REQUIRE(job.ok());
  REQUIRE(job->has_value());
  const JobRecord& record = **job;
  outcome.job =
      nlohmann::json{
          {"status", to_string(record.status)},      {"rows", record.counts.rows},
          {"created", record.counts.created},        {"updated", record.counts.updated},
          {"failed", record.counts.failed},          {"next_offset", record.checkpoint.next_offset},
          {"next_line", record.checkpoint.next_line}}
          .dump();
  REQUIRE(store
              ->for_each_person(company.id,
                                [&](const PersonRecord& person) {
                                  auto json = person_to_json(person);
                                  json.erase("person_key");
                                  json.erase("created_at");
                                  json.erase("updated_at");
                                  outcome.persons.push_back(json.dump());
                                  return true;
                                })
              .ok());
  REQUIRE(store
              ->for_each_job_row_error(company.id, *summary.job_id,
                                       [&](const RowErrorRecord& error) {
                                         outcome.row_errors.push_back(
                                             std::to_string(error.line) + " " +
                                             std::to_string(error.row) + " " + error.class_name +
                                             " " + error.message + " " + error.field.value_or("-") +
                                             " " + error.value.value_or("-"));
                                         return true;
                                       })
              .ok());
  auto report =
      nlohmann::json::parse(test_support::read_file(database.directory.file("report.json")));
  report.erase("job_id");
  outcome.report = report.dump();
  outcome.errors_csv = test_support::read_file(database.directory.file("errors.csv"));
  outcome.failed_rows = test_support::read_file(database.directory.file("failed.persons"));
  return outcome;
}

void check_same(const Outcome& resumed, const Outcome& uninterrupted) {
  CHECK(resumed.summary == uninterrupted.summary);
  CHECK(resumed.job == uninterrupted.job);
  CHECK(resumed.persons == uninterrupted.persons);
  CHECK(resumed.row_errors == uninterrupted.row_errors);
  CHECK(resumed.report == uninterrupted.report);
  CHECK(resumed.errors_csv == uninterrupted.errors_csv);
  CHECK(resumed.failed_rows == uninterrupted.failed_rows);
}

struct Baseline {
  Outcome outcome;
  std::vector<std::uint64_t> rows_after_batch;  // committed rows after each batch
};

Baseline import_uninterrupted(const std::string& content) {
  Database database(content);
  Baseline baseline;
  {
    auto store = database.open();
    auto lookup = make_builtin_carrier_lookup();
    Importer importer(*store, *lookup, system_clock(), small_batches());
    ImportRequest request = database.request();
    request.on_progress = [&](const ImportProgress& progress) {
      baseline.rows_after_batch.push_back(progress.rows_done);
    };
    auto summary = importer.run(company_of(*store), request);
    REQUIRE(summary.ok());
    REQUIRE(summary->status == JobStatus::kCompleted);
    baseline.outcome = outcome_of(database, *summary);
  }
  return baseline;
}

// How an import is stopped inside batch `survived + 1` (or, after its last batch, before the
// job's end is recorded).
enum class Interruption {
  kAbandoned,        // the batch is never written; the session is destroyed without finish
  kKilled,           // the process is killed (SIGKILL) with the batch's transaction open
  kFirstWriteFails,  // the database fails the batch's first write of any table
  kCheckpointFails,  // the database fails the batch's checkpoint, after its other writes
  kConnectionLost,   // PostgreSQL: the batch's connection is terminated before it writes
};

const char* to_string(Interruption interruption) {
  switch (interruption) {
    case Interruption::kAbandoned:
      return "abandoned";
    case Interruption::kKilled:
      return "killed";
    case Interruption::kFirstWriteFails:
      return "first write fails";
    case Interruption::kCheckpointFails:
      return "checkpoint fails";
    case Interruption::kConnectionLost:
      return "connection lost";
  }
  return "?";
}

// A session whose process dies: after `survived` batches (none when INT_MAX) a write_batch
// never reaches the database, and neither does finish.
class DyingSession final : public test_doubles::ForwardingSession {
 public:
  DyingSession(std::unique_ptr<ImportSession> inner, int survived, bool kill)
      : ForwardingSession(std::move(inner)), survived_(survived), kill_(kill) {}
  Status write_batch(const BatchChanges& changes) override {
    if (++batches_ > survived_) return die();
    return inner_->write_batch(changes);
  }
  Status finish(const JobEnd&) override { return die(); }

 private:
  Status die() {
    if (kill_) ::kill(::getpid(), SIGKILL);
    return make_error("injected: the process died");
  }
  int survived_;
  bool kill_;
  int batches_ = 0;
};

class DyingStore final : public test_doubles::ForwardingStore {
 public:
  DyingStore(Store& inner, int survived, bool kill)
      : ForwardingStore(inner), survived_(survived), kill_(kill) {}
  Result<std::unique_ptr<ImportSession>> begin_import(const Company& company,
                                                      const JobStart& start) override {
    PI_ASSIGN_OR_RETURN(auto session, inner_.begin_import(company, start));
    return std::unique_ptr<ImportSession>(
        std::make_unique<DyingSession>(std::move(session), survived_, kill_));
  }

 private:
  int survived_;
  bool kill_;
};

// A session whose connection the server ends: after `survived` batches (none when INT_MAX)
// every session of the database is terminated (pg_terminate_backend) just before the next
// write_batch or finish, which then runs on the lost connection.
class TerminatedSession final : public test_doubles::ForwardingSession {
 public:
  // `lost` (owned by the store, which outlives the session) counts the terminated sessions.
  TerminatedSession(std::unique_ptr<ImportSession> inner, std::string url, int survived, int& lost)
      : ForwardingSession(std::move(inner)),
        url_(std::move(url)),
        survived_(survived),
        lost_(lost) {}
  Status write_batch(const BatchChanges& changes) override {
    if (++batches_ > survived_) terminate();
    return inner_->write_batch(changes);
  }
  Status finish(const JobEnd& end) override {
    terminate();
    return inner_->finish(end);
  }

 private:
  void terminate() {
    if (lost_ == 0) lost_ = test_support::terminate_postgres_connections(url_);
  }
  std::string url_;
  int survived_;
  int batches_ = 0;
  int& lost_;
};

class TerminatedStore final : public test_doubles::ForwardingStore {
 public:
  TerminatedStore(Store& inner, std::string url, int survived)
      : ForwardingStore(inner), url_(std::move(url)), survived_(survived) {}
  Result<std::unique_ptr<ImportSession>> begin_import(const Company& company,
                                                      const JobStart& start) override {
    PI_ASSIGN_OR_RETURN(auto session, inner_.begin_import(company, start));
    ++sessions_;
    return std::unique_ptr<ImportSession>(
        std::make_unique<TerminatedSession>(std::move(session), url_, survived_, lost_));
  }
  int sessions() const { return sessions_; }
  // Sessions of the database the server terminated (the importer has destroyed its session by
  // the time the test asks, so the count lives here).
  int lost() const { return lost_; }

 private:
  std::string url_;
  int survived_;
  int sessions_ = 0;
  int lost_ = 0;
};

// The import's connection is lost inside batch `survived + 1` (or before the job's end): the
// write fails with a transient Error and nothing of the batch is kept.
void run_terminated_import(const Database& database, int survived) {
  auto store = database.open();
  TerminatedStore terminated(*store, database.database_path, survived);
  auto lookup = make_builtin_carrier_lookup();
  Importer importer(terminated, *lookup, system_clock(), small_batches());
  ImportRequest request;
  request.path = database.input_path;
  auto summary = importer.run(company_of(*store), request);
  REQUIRE_FALSE(summary.ok());
  CHECK(summary.error().transient);
  REQUIRE(terminated.sessions() == 1);
  CHECK(terminated.lost() >= 1);
}

// `bytes`: the file size the job records, as the daemon's do.
void run_dying_import(const Database& database, int survived, bool kill,
                      std::optional<std::uint64_t> bytes = std::nullopt) {
  auto store = database.open();
  DyingStore dying(*store, survived, kill);
  auto lookup = make_builtin_carrier_lookup();
  Importer importer(dying, *lookup, system_clock(), small_batches());
  ImportRequest request;
  request.path = database.input_path;
  request.bytes = bytes;
  (void)importer.run(company_of(*store), request);
}

// Database failures injected with triggers, once the job has committed `rows` rows: every
// statement of the next batch fails, or only its checkpoint.
const std::vector<std::string> kFaultTriggers = {
    "fault_checkpoint", "fault_person_insert", "fault_person_update", "fault_device",
    "fault_row_error",  "fault_failed_row",    "fault_sequence"};

std::string fault_trigger(const std::string& name, const std::string& event, std::uint64_t rows) {
  return "CREATE TRIGGER " + name + " BEFORE " + event +
         " WHEN (SELECT rows FROM jobs WHERE status = 'running') >= " + std::to_string(rows) +
         " BEGIN SELECT RAISE(ABORT, 'injected fault'); END;";
}

void execute(const Database& database, const std::string& sql) {
  auto connection = sqlite::SqliteDatabase::open(database.database_path, 30000);
  REQUIRE(connection.ok());
  REQUIRE((*connection)->execute(sql).ok());
}

void add_fault_triggers(const Database& database, Interruption interruption, std::uint64_t rows) {
  std::string sql = fault_trigger("fault_checkpoint", "UPDATE OF next_offset ON jobs", rows);
  if (interruption == Interruption::kFirstWriteFails) {
    sql += fault_trigger("fault_person_insert", "INSERT ON persons", rows) +
           fault_trigger("fault_person_update", "UPDATE ON persons", rows) +
           fault_trigger("fault_device", "INSERT ON devices", rows) +
           fault_trigger("fault_row_error", "INSERT ON job_row_errors", rows) +
           fault_trigger("fault_failed_row", "INSERT ON job_failed_rows", rows) +
           fault_trigger("fault_sequence", "UPDATE ON sequences", rows);
  }
  execute(database, sql);
}

void drop_fault_triggers(const Database& database) {
  std::string sql;
  for (const auto& name : kFaultTriggers) sql += "DROP TRIGGER IF EXISTS " + name + ";";
  execute(database, sql);
}

// Imports the database's file, stopped by `interruption` after `survived` batches committed
// (`rows` rows).
void import_interrupted(const Database& database, Interruption interruption, int survived,
                        std::uint64_t rows) {
  switch (interruption) {
    case Interruption::kAbandoned:
      run_dying_import(database, survived, false);
      break;
    case Interruption::kKilled: {
      const pid_t child = ::fork();
      REQUIRE(child >= 0);
      if (child == 0) {
        run_dying_import(database, survived, true);
        ::_exit(3);  // not killed: the parent's check fails
      }
      int status = 0;
      REQUIRE(::waitpid(child, &status, 0) == child);
      REQUIRE(WIFSIGNALED(status));
      REQUIRE(WTERMSIG(status) == SIGKILL);
      // The child drew person keys from a copy of this process's pool of random bytes
      // (random_person_key refills it only when used up): skip past them, as a restarted
      // process would start with a fresh pool. Any 256 keys include a refill.
      for (int key = 0; key < 256; ++key) (void)random_person_key();
      break;
    }
    case Interruption::kFirstWriteFails:
    case Interruption::kCheckpointFails:
      add_fault_triggers(database, interruption, rows);
      run_dying_import(database, INT_MAX, false);
      drop_fault_triggers(database);
      break;
    case Interruption::kConnectionLost:
      run_terminated_import(database, survived);
      break;
  }
}

Outcome resume_after(const Database& database, std::uint64_t committed_rows) {
  auto store = database.open();
  auto unfinished = store->list_unfinished_jobs();
  REQUIRE(unfinished.ok());
  REQUIRE(unfinished->size() == 1);
  const JobRecord& job = unfinished->front();
  CHECK(job.company == "acme");
  CHECK(job.source_path == database.input_path);
  // The interruption happened where the test meant it to.
  REQUIRE(job.checkpoint.counts.rows == committed_rows);
  auto lookup = make_builtin_carrier_lookup();
  Importer importer(*store, *lookup, system_clock(), small_batches());
  auto summary = importer.resume(company_of(*store), job.job_id, database.request());
  REQUIRE(summary.ok());
  CHECK(summary->job_id == job.job_id);
  auto left = store->list_unfinished_jobs();
  REQUIRE(left.ok());
  CHECK(left->empty());
  return outcome_of(database, *summary);
}

}  // namespace

namespace {

// Interrupts an import of each file in every batch (and before its end) in each of these ways;
// resumed, each ends as the uninterrupted import did.
void check_interrupted_anywhere(const std::vector<Interruption>& interruptions) {
  const std::string content = GENERATE(kSemicolonFile, kCommaFile);
  const Baseline baseline = import_uninterrupted(content);
  // The files exercise what they should.
  const auto batches = baseline.rows_after_batch.size();
  REQUIRE(batches >= 7);
  REQUIRE(baseline.outcome.row_errors.size() >= 5);
  REQUIRE(baseline.outcome.failed_rows.find("c-6") != std::string::npos);

  for (auto interruption : interruptions) {
    // survived == batches: every batch committed, the job's end was not recorded.
    for (std::size_t survived = 0; survived <= batches; ++survived) {
      INFO(to_string(interruption) << " after batch " << survived << " of " << batches);
      Database database(content);
      const std::uint64_t rows = survived == 0 ? 0 : baseline.rows_after_batch[survived - 1];
      import_interrupted(database, interruption, static_cast<int>(survived), rows);
      check_same(resume_after(database, rows), baseline.outcome);
    }
  }
}

}  // namespace

TEST_CASE("an import interrupted anywhere and resumed ends as if it had never stopped") {
  check_interrupted_anywhere({Interruption::kAbandoned, Interruption::kKilled});
}

// The failures are SQLite triggers; on PostgreSQL the next test loses the connection instead.
TEST_CASE(
    "an import failed by the database at any statement and resumed ends as if it had "
    "never stopped",
    "[sqlite]") {
  check_interrupted_anywhere({Interruption::kFirstWriteFails, Interruption::kCheckpointFails});
}

TEST_CASE("an import whose connection is lost anywhere and resumed ends as if it had never stopped",
          "[postgresql]") {
  if (!test_support::testing_postgresql()) {
    SUCCEED("PostgreSQL only (registered as \"postgresql: importing: …\")");
    return;
  }
  check_interrupted_anywhere({Interruption::kConnectionLost});
}

namespace {

std::string numbered_rows(int count) {
  std::string content = "external_person_id,score\n";
  for (int i = 1; i <= count; ++i) {
    content += "c-" + std::to_string(i) + "," + (i % 4 == 0 ? "bad" : std::to_string(i)) + "\n";
  }
  return content;
}

// The database's only job, interrupted or not.
JobRecord only_job(const Database& database) {
  auto store = database.open();
  auto jobs = store->list_jobs(JobQuery::of(company_of(*store).id));
  REQUIRE(jobs.ok());
  REQUIRE(jobs->size() == 1);
  return jobs->front();
}

Result<ImportSummary> resume_only_job(const Database& database, const ImportRequest& request) {
  auto store = database.open();
  auto lookup = make_builtin_carrier_lookup();
  Importer importer(*store, *lookup, system_clock(), small_batches());
  return importer.resume(company_of(*store), only_job(database).job_id, request);
}

std::vector<std::string> export_of(const Database& database) {
  auto store = database.open();
  std::vector<std::string> persons;
  REQUIRE(store
              ->for_each_person(company_of(*store).id,
                                [&](const PersonRecord& person) {
                                  persons.push_back(person_to_json(person).dump());
                                  return true;
                                })
              .ok());
  return persons;
}

}  // namespace

TEST_CASE("a job stopped after its last batch just ends when resumed") {
  Database database(numbered_rows(9));
  run_dying_import(database, INT_MAX, false);  // every batch committed, the end lost
  const auto before = export_of(database);
  REQUIRE(before.size() == 7);
  REQUIRE(only_job(database).status == JobStatus::kRunning);
  auto summary = resume_only_job(database, database.request());
  REQUIRE(summary.ok());
  CHECK(summary->status == JobStatus::kCompleted);
  CHECK(summary->counts.rows == 9);
  CHECK(summary->counts.created == 7);
  CHECK(summary->counts.failed == 2);
  CHECK(export_of(database) == before);
  const auto job = only_job(database);
  CHECK(job.status == JobStatus::kCompleted);
  CHECK(job.counts.rows == 9);
  // The results cover the whole file, from what the batches stored.
  auto report =
      nlohmann::json::parse(test_support::read_file(database.directory.file("report.json")));
  CHECK(report["status"] == "completed");
  CHECK(report["row_errors"].size() == 2);
  CHECK(test_support::read_file(database.directory.file("failed.persons")) ==
        "external_person_id,score\nc-4,bad\nc-8,bad\n");
}

TEST_CASE("a finished job is not resumed and stays as it was") {
  Database database(numbered_rows(5));
  {
    auto store = database.open();
    auto lookup = make_builtin_carrier_lookup();
    Importer importer(*store, *lookup, system_clock(), small_batches());
    ImportRequest request;
    request.path = database.input_path;
    REQUIRE(importer.run(company_of(*store), request).ok());
  }
  const JobRecord before = only_job(database);
  REQUIRE(before.status == JobStatus::kCompleted);
  auto summary = resume_only_job(database, database.request());
  REQUIRE_FALSE(summary.ok());
  CHECK(summary.error().message == "job " + std::to_string(before.job_id) +
                                       " is completed: only a running job can be resumed");
  const JobRecord after = only_job(database);
  CHECK(after.status == JobStatus::kCompleted);
  CHECK(after.finished_at == before.finished_at);
  CHECK(after.counts.rows == 5);
  CHECK_FALSE(std::filesystem::exists(database.directory.file("report.json")));
}

TEST_CASE("a dry run cannot resume a job") {
  Database database(numbered_rows(5));
  run_dying_import(database, 1, false);
  ImportRequest request = database.request();
  request.dry_run = true;
  auto summary = resume_only_job(database, request);
  REQUIRE_FALSE(summary.ok());
  CHECK(summary.error().message.find("a dry run cannot resume job") == 0);
  CHECK(only_job(database).status == JobStatus::kRunning);
}

TEST_CASE("a job whose file is not the one it started on fails instead of resuming") {
  struct Case {
    std::string name;
    bool record_bytes;
    std::function<void(const std::string& path)> change;
    std::string reason;
  };
  const auto original = numbered_rows(9);
  auto replaced = original;
  replaced.replace(replaced.find("c-7"), 3, "c-\xff");  // same size, no longer UTF-8
  const Case test_case = GENERATE_COPY(
      Case{"another size than recorded", true,
           [](const std::string& path) {
             std::ofstream(path, std::ios::app | std::ios::binary) << "c-10,10\n";
           },
           "has 91 bytes, the job's file had 83"},
      Case{"another file, no size recorded", false,
           [](const std::string& path) {
             test_support::write_file(path,
                                      "external_person_id,score\nc-100,1\nc-200,2\n"
                                      "c-300,3\nc-400,4\n");
           },
           "no record of "},
      Case{"the whole-file checks now reject it", true,
           [replaced](const std::string& path) { test_support::write_file(path, replaced); },
           "the file no longer passes the whole-file checks: invalid UTF-8 at line 8"},
      Case{"the file is gone", false, [](const std::string& path) { std::remove(path.c_str()); },
           "No such file"});
  INFO(test_case.name);
  Database database(original);
  REQUIRE(original.size() == 83);
  run_dying_import(
      database, 2, false,
      test_case.record_bytes ? std::optional<std::uint64_t>(original.size()) : std::nullopt);
  const JobRecord interrupted = only_job(database);
  REQUIRE(interrupted.counts.rows == 4);
  const auto before = export_of(database);
  test_case.change(database.input_path);

  auto summary = resume_only_job(database, database.request());
  REQUIRE(summary.ok());
  CHECK(summary->status == JobStatus::kFailed);
  CHECK(import_exit_code(*summary) == 1);
  // What committed stays and is reported.
  CHECK(summary->counts.rows == 4);
  CHECK(summary->counts.created == 3);
  CHECK(summary->counts.failed == 1);
  REQUIRE(summary->file_errors.size() == 1);
  CHECK(summary->file_errors[0].class_name == "PersonImport::ImportAborted");
  const std::string& message = summary->file_errors[0].message;
  CHECK(message.find("cannot resume job " + std::to_string(interrupted.job_id) + ": ") == 0);
  CHECK(message.find(test_case.reason) != std::string::npos);
  const JobRecord after = only_job(database);
  CHECK(after.status == JobStatus::kFailed);
  CHECK(after.counts.rows == 4);
  CHECK(after.file_errors.size() == 1);
  CHECK(export_of(database) == before);
  auto unfinished = database.open()->list_unfinished_jobs();
  REQUIRE(unfinished.ok());
  CHECK(unfinished->empty());
  auto report =
      nlohmann::json::parse(test_support::read_file(database.directory.file("report.json")));
  CHECK(report["status"] == "failed");
  CHECK(report["row_errors"].size() == 1);
  // Never copied out of bytes that are not the job's.
  CHECK_FALSE(std::filesystem::exists(database.directory.file("failed.persons")));
}
