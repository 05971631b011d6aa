// The daemon's worker (daemon/service/import_worker.h) when its database connection is lost: a
// Store that fails chosen calls (with transient Errors, as a lost PostgreSQL connection does,
// and then every later call on that connection), over a real SQLite database. The worker must
// reconnect, continue the file and end exactly as an uninterrupted run: one job, the same
// counts, row errors, manifests and persons.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "core/exporting/person_export.h"
#include "core/importing/result_files.h"
#include "daemon/queueing/upload_queue.h"
#include "daemon/service/import_worker.h"
#include "tests/support/log_capture.h"
#include "tests/support/test_database.h"
#include "tests/support/test_support.h"
#include "tests/unit/importing/forwarding_store.h"

using namespace person_import;
using namespace std::chrono_literals;
using service::ImportWorker;
using service::WorkOutcome;
namespace fs = std::filesystem;

namespace {

using test_support::LogCapture;

using test_support::contains;

// Which calls fail, counted across every Store the worker opens: {"write_batch", 3} is the
// third write_batch of the run. "open" is opening a Store; "<call>_after" fails a call after it
// reached the database (a commit whose acknowledgement was lost).
struct Faults {
  std::set<std::pair<std::string, int>> fail;
  bool transient = true;
  std::map<std::string, int> calls;
  int opened = 0;
  int injected = 0;

  // Counts a call of `kind`; true when it must fail.
  bool hit(const std::string& kind) {
    const int n = ++calls[kind];
    if (fail.count({kind, n}) == 0) return false;
    ++injected;
    return true;
  }
  Error error(const std::string& kind) const {
    return Error{"injected: connection lost in " + kind, transient};
  }
};

// One connection's state: once a call failed, every later one fails too.
struct Connection {
  Faults& faults;
  bool lost = false;

  Status check(const std::string& kind) {
    if (lost) return make_transient_error("no connection to the server");
    if (faults.hit(kind)) {
      lost = faults.transient;
      return faults.error(kind);
    }
    return {};
  }
  // After the call reached the database: `result` unless "<kind>_after" fails.
  template <class T>
  T after(const std::string& kind, T result) {
    if (result.ok()) {
      if (auto failed = check(kind + "_after"); !failed.ok()) return failed.error();
    }
    return result;
  }
};

#define FAULT_CHECK(kind)                                                     \
  do {                                                                        \
    if (auto fault_status_ = connection_->check(kind); !fault_status_.ok()) { \
      return fault_status_.error();                                           \
    }                                                                         \
  } while (false)

class FaultySession final : public test_doubles::ForwardingSession {
 public:
  FaultySession(std::unique_ptr<ImportSession> inner, std::shared_ptr<Connection> connection)
      : ForwardingSession(std::move(inner)), connection_(std::move(connection)) {}
  Result<PersonSnapshot> load_persons(const PersonLookupKeys& keys) override {
    FAULT_CHECK("load_persons");
    return inner_->load_persons(keys);
  }
  Result<PersonId> allocate_person_id() override {
    FAULT_CHECK("allocate_person_id");
    return inner_->allocate_person_id();
  }
  Status write_batch(const BatchChanges& changes) override {
    FAULT_CHECK("write_batch");
    return connection_->after("write_batch", inner_->write_batch(changes));
  }
  Status for_each_row_error(const std::function<bool(const RowErrorRecord&)>& fn) override {
    FAULT_CHECK("session_row_errors");
    return inner_->for_each_row_error(fn);
  }
  Status for_each_failed_row(const std::function<bool(const FailedRowRange&)>& fn) override {
    FAULT_CHECK("session_failed_rows");
    return inner_->for_each_failed_row(fn);
  }
  Status finish(const JobEnd& end) override {
    FAULT_CHECK("finish");
    return connection_->after("finish", inner_->finish(end));
  }

 private:
  std::shared_ptr<Connection> connection_;
};

// Owns the real store it forwards to (the worker opens and drops whole stores).
struct OwnedStore {
  std::unique_ptr<Store> owned;
};

class FaultyStore final : private OwnedStore, public test_doubles::ForwardingStore {
 public:
  FaultyStore(std::unique_ptr<Store> inner, Faults& faults)
      : OwnedStore{std::move(inner)},
        ForwardingStore(*owned),
        connection_(std::make_shared<Connection>(Connection{faults})) {}

  Result<Company> ensure_company(const std::string& key) override {
    FAULT_CHECK("ensure_company");
    return inner_.ensure_company(key);
  }
  Result<std::vector<FieldDefinition>> list_fields(CompanyId company) override {
    FAULT_CHECK("list_fields");
    return inner_.list_fields(company);
  }
  Result<std::unique_ptr<ImportSession>> begin_import(const Company& company,
                                                      const JobStart& start) override {
    FAULT_CHECK("begin_import");
    PI_ASSIGN_OR_RETURN(auto session, inner_.begin_import(company, start));
    // The job row is committed: losing the answer leaves a running job behind.
    FAULT_CHECK("begin_import_after");
    return std::unique_ptr<ImportSession>(
        std::make_unique<FaultySession>(std::move(session), connection_));
  }
  Result<std::unique_ptr<ImportSession>> resume_import(const Company& company, JobId job) override {
    FAULT_CHECK("resume_import");
    PI_ASSIGN_OR_RETURN(auto session, inner_.resume_import(company, job));
    return std::unique_ptr<ImportSession>(
        std::make_unique<FaultySession>(std::move(session), connection_));
  }
  Result<std::optional<JobRecord>> find_job(CompanyId company, JobId job) override {
    FAULT_CHECK("find_job");
    return inner_.find_job(company, job);
  }
  Status for_each_job_row_error(CompanyId company, JobId job,
                                const std::function<bool(const RowErrorRecord&)>& fn) override {
    FAULT_CHECK("job_row_errors");
    return inner_.for_each_job_row_error(company, job, fn);
  }
  Status for_each_job_failed_row(CompanyId company, JobId job,
                                 const std::function<bool(const FailedRowRange&)>& fn) override {
    FAULT_CHECK("job_failed_rows");
    return inner_.for_each_job_failed_row(company, job, fn);
  }
  Result<std::optional<JobRecord>> find_job_by_source(CompanyId company,
                                                      const std::string& source_path) override {
    FAULT_CHECK("find_job_by_source");
    return inner_.find_job_by_source(company, source_path);
  }

 private:
  std::shared_ptr<Connection> connection_;
};

service::StoreOpener faulty_opener(Faults& faults) {
  return [&faults](const std::string& database) -> Result<std::unique_ptr<Store>> {
    ++faults.opened;
    if (faults.hit("open")) return faults.error("open");
    PI_ASSIGN_OR_RETURN(auto store, open_store(database));
    return std::unique_ptr<Store>(std::make_unique<FaultyStore>(std::move(store), faults));
  };
}

// 40 rows in batches of 3 (14 batches): rows 1..20 name persons w-1..w-20, rows 21..40 the
// same persons again; every 7th row has a bad mdn.
std::string input_text() {
  std::string text = "external_person_id,mdn,tier\n";
  for (int row = 1; row <= 40; ++row) {
    const int person = row <= 20 ? row : row - 20;
    text += "w-" + std::to_string(person) + ",";
    text += row % 7 == 0 ? "not-a-number" : "+1312" + std::to_string(3000000 + person);
    text += "," + std::string(row <= 20 ? "gold" : "silver") + "\n";
  }
  return text;
}

// A drop root with company acme, a database, and one upload taken into the queue.
struct Drop {
  test_support::TempDirectory directory;
  std::string database = test_support::fresh_test_database(directory.path().string());
  fs::path root = directory.path() / "drops";
  queueing::UploadQueue queue{root / ".person-import"};
  queueing::QueuedFile file;

  Drop() {
    fs::create_directories(root / "acme" / "inbox");
    auto store = open_store(database);
    REQUIRE(store.ok());
    auto company = (*store)->ensure_company("acme");
    REQUIRE(company.ok());
    REQUIRE((*store)
                ->add_fields(company->id, {{"tier", FieldType::kString, {}, Charset::kUnicode}})
                .ok());
    REQUIRE(queue.open().ok());
    const fs::path upload = root / "acme" / "inbox" / "people.persons";
    test_support::write_file(upload.string(), input_text());
    auto taken = queue.take("acme", upload, "people.persons", std::chrono::system_clock::now());
    REQUIRE(taken.ok());
    file = *taken;
  }

  service::WorkerSettings settings(std::chrono::milliseconds delay = 1ms,
                                   std::chrono::milliseconds max_delay = 4ms) const {
    service::WorkerSettings settings;
    settings.drop_root = root;
    settings.batch_rows = 3;
    settings.reconnect_delay = delay;
    settings.reconnect_max_delay = max_delay;
    return settings;
  }

  WorkOutcome process(
      ImportWorker& worker, const std::function<bool()>& stop = [] { return false; }) {
    return worker.process(file, queue, settings(), stop);
  }

  fs::path outbox(const std::string& name) const { return root / "acme" / "outbox" / name; }

  std::vector<JobRecord> jobs() const {
    auto store = open_store(database);
    REQUIRE(store.ok());
    auto company = (*store)->find_company("acme");
    REQUIRE(company.ok());
    auto jobs = (*store)->list_jobs(JobQuery::of((**company).id));
    REQUIRE(jobs.ok());
    return *jobs;
  }

  // Everything the import leaves that must not depend on lost connections.
  std::map<std::string, std::string> outcome() const {
    std::map<std::string, std::string> outcome;
    auto store = open_store(database);
    REQUIRE(store.ok());
    auto company = (*store)->find_company("acme");
    REQUIRE(company.ok());
    REQUIRE((*store)
                ->for_each_person((**company).id,
                                  [&](const PersonRecord& person) {
                                    auto json = person_to_json(person);
                                    json.erase("person_key");
                                    json.erase("created_at");
                                    json.erase("updated_at");
                                    outcome["persons"] += json.dump() + "\n";
                                    return true;
                                  })
                .ok());
    const auto all = jobs();
    outcome["jobs"] = std::to_string(all.size());
    auto result = nlohmann::json::parse(
        test_support::read_file(outbox("people.persons.result.json").string()));
    for (const char* key : {"job_id", "received_at", "started_at", "finished_at"}) {
      CHECK(result.contains(key));
      result.erase(key);
    }
    outcome["result"] = result.dump();
    outcome["errors"] = test_support::read_file(outbox("people.persons.errors.csv").string());
    outcome["failed"] = test_support::read_file(outbox("people.persons.failed.persons").string());
    std::error_code ignored;
    outcome["queued"] = std::to_string(std::distance(
        fs::directory_iterator(queue.root() / "acme", ignored), fs::directory_iterator()));
    return outcome;
  }
};

const std::map<std::string, std::string>& uninterrupted() {
  static const std::map<std::string, std::string> outcome = [] {
    Drop drop;
    ImportWorker worker(drop.database);
    REQUIRE(drop.process(worker) == WorkOutcome::kDone);
    return drop.outcome();
  }();
  return outcome;
}

}  // namespace

TEST_CASE("the uninterrupted run the others are compared with") {
  const auto& outcome = uninterrupted();
  CHECK(outcome.at("jobs") == "1");
  CHECK(outcome.at("queued") == "0");
  const auto result = nlohmann::json::parse(outcome.at("result"));
  CHECK(result["status"] == "completed");
  CHECK(result["rows"] == 40);
  CHECK(result["failed"] == 5);
  CHECK(result["created"] == 20);
  CHECK(result["updated"] == 15);
  CHECK(std::count(outcome.at("persons").begin(), outcome.at("persons").end(), '\n') == 20);
}

TEST_CASE("a connection lost at any call: the worker reconnects and imports the file once") {
  using Fail = std::set<std::pair<std::string, int>>;
  const Fail fail = GENERATE(
      Fail{{"open", 1}}, Fail{{"ensure_company", 1}}, Fail{{"find_job_by_source", 1}},
      Fail{{"list_fields", 1}}, Fail{{"begin_import", 1}}, Fail{{"begin_import_after", 1}},
      Fail{{"load_persons", 1}}, Fail{{"load_persons", 5}}, Fail{{"allocate_person_id", 4}},
      Fail{{"write_batch", 1}}, Fail{{"write_batch", 6}}, Fail{{"write_batch", 14}},
      Fail{{"write_batch_after", 3}}, Fail{{"write_batch_after", 14}}, Fail{{"finish", 1}},
      Fail{{"finish_after", 1}}, Fail{{"find_job_by_source", 2}}, Fail{{"job_row_errors", 1}},
      Fail{{"job_failed_rows", 1}},
      // Lost while resuming, and several times in a row (the reconnection fails too).
      Fail{{"write_batch", 4}, {"resume_import", 1}}, Fail{{"write_batch", 4}, {"find_job", 1}},
      Fail{{"write_batch", 4}, {"write_batch", 6}, {"write_batch", 9}},
      Fail{{"write_batch", 2}, {"open", 2}, {"open", 3}, {"open", 4}});
  std::string described;
  for (const auto& [kind, n] : fail) described += kind + " #" + std::to_string(n) + " ";
  INFO("lost at " << described);

  Drop drop;
  Faults faults;
  faults.fail = fail;
  LogCapture log;
  ImportWorker worker(drop.database, faulty_opener(faults));
  CHECK(drop.process(worker) == WorkOutcome::kDone);
  INFO(log.text());
  CHECK(faults.injected == static_cast<int>(fail.size()));
  // One reconnection per lost connection, each logged.
  CHECK(faults.opened == 1 + faults.injected);
  CHECK(contains(log.text(), "[warning] acme/people.persons: database connection lost ("));
  CHECK(contains(log.text(), "injected: connection lost in "));
  // The delay doubles from 1ms up to 4ms.
  const int last_delay = std::min(1 << (faults.injected - 1), 4);
  CHECK(contains(log.text(), "reconnecting in " + std::to_string(last_delay) + "ms (retry " +
                                 std::to_string(faults.injected) + ")"));
  CHECK(drop.outcome() == uninterrupted());
}

TEST_CASE("failed reconnections back off exponentially up to reconnect_max_delay") {
  Drop drop;
  Faults faults;
  faults.fail = {{"write_batch", 2}, {"open", 2}, {"open", 3}, {"open", 4}, {"open", 5}};
  LogCapture log;
  ImportWorker worker(drop.database, faulty_opener(faults));
  CHECK(drop.process(worker) == WorkOutcome::kDone);
  const std::string text = log.text();
  INFO(text);
  for (const char* expected :
       {"(injected: connection lost in write_batch); reconnecting in 1ms (retry 1)",
        "(cannot open the database: injected: connection lost in open); reconnecting in 2ms "
        "(retry 2)",
        "reconnecting in 4ms (retry 3)", "reconnecting in 4ms (retry 4)",
        "reconnecting in 4ms (retry 5)"}) {
    CHECK(contains(text, expected));
  }
  CHECK_FALSE(contains(text, "retry 6"));
  CHECK(contains(text, "resuming job"));
  CHECK(drop.outcome() == uninterrupted());
}

TEST_CASE("an error that is not transient leaves the file queued as before, without retrying") {
  Drop drop;
  Faults faults;
  faults.transient = false;
  faults.fail = {{"find_job_by_source", 1}};
  LogCapture log;
  ImportWorker worker(drop.database, faulty_opener(faults));
  CHECK(drop.process(worker) == WorkOutcome::kLeft);
  CHECK(faults.opened == 1);
  CHECK_FALSE(contains(log.text(), "reconnecting"));
  CHECK(contains(log.text(), "the file stays queued"));
  CHECK(fs::exists(drop.file.path));
  CHECK(drop.jobs().empty());
  // The next start imports it.
  ImportWorker restarted(drop.database);
  CHECK(drop.process(restarted) == WorkOutcome::kDone);
  CHECK(drop.outcome() == uninterrupted());
}

TEST_CASE("a batch failing without being transient fails the job as before") {
  Drop drop;
  Faults faults;
  faults.transient = false;
  faults.fail = {{"write_batch", 3}};
  ImportWorker worker(drop.database, faulty_opener(faults));
  CHECK(drop.process(worker) == WorkOutcome::kDone);
  CHECK(faults.opened == 1);
  const auto jobs = drop.jobs();
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].status == JobStatus::kFailed);
  CHECK(jobs[0].counts.rows == 6);
  const auto result = nlohmann::json::parse(
      test_support::read_file(drop.outbox("people.persons.result.json").string()));
  CHECK(result["status"] == "failed");
}

TEST_CASE("SIGTERM while waiting to reconnect stops at once - the next start finishes the file") {
  Drop drop;
  Faults faults;
  faults.fail = {{"write_batch", 3}};
  std::atomic<bool> stop{false};
  std::thread stopper([&] {
    std::this_thread::sleep_for(300ms);
    stop = true;
  });
  ImportWorker worker(drop.database, faulty_opener(faults));
  const auto begin = std::chrono::steady_clock::now();
  // A minute's wait: only the stop request ends it.
  const auto outcome =
      worker.process(drop.file, drop.queue, drop.settings(1min, 1min), [&] { return stop.load(); });
  const auto took = std::chrono::steady_clock::now() - begin;
  stopper.join();
  CHECK(outcome == WorkOutcome::kStopped);
  CHECK(took < 5s);
  CHECK(faults.opened == 1);
  CHECK(fs::exists(drop.file.path));
  auto jobs = drop.jobs();
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].status == JobStatus::kRunning);
  CHECK(jobs[0].counts.rows == 6);
  CHECK_FALSE(fs::exists(drop.outbox("people.persons.result.json")));

  ImportWorker restarted(drop.database);
  CHECK(drop.process(restarted) == WorkOutcome::kDone);
  CHECK(drop.outcome() == uninterrupted());
}

TEST_CASE(
    "regression: a full outbox mixes result sets - the worker retries the whole set with "
    "backoff") {
  Drop drop;
  ImportWorker worker(drop.database);
  REQUIRE(drop.process(worker) == WorkOutcome::kDone);
  const std::string old_result =
      test_support::read_file(drop.outbox("people.persons.result.json").string());
  const std::string old_failed =
      test_support::read_file(drop.outbox("people.persons.failed.persons").string());

  // The next upload of the name fails other rows; its errors CSV cannot be written (a folder
  // holds its temporary's name, as a full disk fails the write).
  const fs::path upload = drop.root / "acme" / "inbox" / "people.persons";
  std::string text = input_text();
  text.replace(text.find("+13123000001"), 12, "bad-mdn-here");
  test_support::write_file(upload.string(), text);
  auto taken = drop.queue.take("acme", upload, "people.persons", std::chrono::system_clock::now());
  REQUIRE(taken.ok());
  const fs::path blocker = drop.outbox(temporary_name("people.persons.errors.csv", ::getpid()));
  fs::create_directory(blocker);

  // Called at each batch and every few milliseconds while the worker waits to retry: once the
  // job is finished, the outbox must still hold the first upload's whole set.
  int checks_while_blocked = 0;
  auto stop = [&] {
    if (!fs::exists(blocker)) return false;
    const auto jobs = drop.jobs();
    if (jobs.size() < 2 || std::any_of(jobs.begin(), jobs.end(), [](const JobRecord& job) {
          return job.status == JobStatus::kRunning;
        })) {
      return false;
    }
    CHECK(test_support::read_file(drop.outbox("people.persons.result.json").string()) ==
          old_result);
    CHECK(test_support::read_file(drop.outbox("people.persons.failed.persons").string()) ==
          old_failed);
    if (++checks_while_blocked == 10) fs::remove(blocker);
    return false;
  };
  LogCapture log;
  CHECK(worker.process(*taken, drop.queue, drop.settings(1ms, 4ms), stop) == WorkOutcome::kDone);
  INFO(log.text());
  CHECK(checks_while_blocked == 10);
  CHECK(contains(log.text(), "[error] acme/people.persons: manifests of job 2 not written: "));
  CHECK(contains(log.text(), "retrying in 1ms (retry 1)"));
  CHECK(contains(log.text(), "retrying in 4ms (retry 3)"));
  const auto result = nlohmann::json::parse(
      test_support::read_file(drop.outbox("people.persons.result.json").string()));
  CHECK(result["job_id"] == 2);
  CHECK(result["failed"] == 6);
  CHECK(contains(test_support::read_file(drop.outbox("people.persons.failed.persons").string()),
                 "bad-mdn-here"));
  CHECK(contains(test_support::read_file(drop.outbox("people.persons.errors.csv").string()),
                 "bad-mdn-here"));
  CHECK_FALSE(fs::exists(taken->path));
}
