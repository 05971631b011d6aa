// The importer with injected parts: a carrier lookup that fails on demand and a store that
// fails a chosen batch, over a real database (either backend, tests/support/test_database.h).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/importing/importer.h"
#include "tests/support/test_database.h"
#include "tests/support/test_support.h"
#include "tests/unit/importing/forwarding_store.h"

using namespace person_import;

namespace {

// Answers from a table; counts lookups. Numbers not in the table are mobile.
class TableCarrierLookup final : public CarrierLookup {
 public:
  std::map<std::string, CarrierLookupOutcome::Kind> outcomes;
  std::vector<std::string> looked_up;
  CarrierLookupOutcome lookup(std::string_view e164) override {
    looked_up.emplace_back(e164);
    auto found = outcomes.find(std::string(e164));
    CarrierLookupOutcome outcome;
    if (found != outcomes.end()) outcome.kind = found->second;
    if (outcome.kind == CarrierLookupOutcome::Kind::kMobile) outcome.carrier_code = "carrier-x";
    return outcome;
  }
};

// Delegates to a real session but fails write_batch on the chosen call.
// (transient: an Error a retry on a new connection may fix, Error::transient).
class FailingSession final : public test_doubles::ForwardingSession {
 public:
  FailingSession(std::unique_ptr<ImportSession> inner, int fail_on_batch, bool transient)
      : ForwardingSession(std::move(inner)), fail_on_batch_(fail_on_batch), transient_(transient) {}
  Status write_batch(const BatchChanges& changes) override {
    if (++batches_ == fail_on_batch_) return Error{"injected: connection lost", transient_};
    return inner_->write_batch(changes);
  }

 private:
  int fail_on_batch_;
  bool transient_;
  int batches_ = 0;
};

class FailingStore final : public test_doubles::ForwardingStore {
 public:
  FailingStore(Store& inner, int fail_on_batch, bool transient = false)
      : ForwardingStore(inner), fail_on_batch_(fail_on_batch), transient_(transient) {}
  Result<std::unique_ptr<ImportSession>> begin_import(const Company& company,
                                                      const JobStart& start) override {
    PI_ASSIGN_OR_RETURN(auto session, inner_.begin_import(company, start));
    return std::unique_ptr<ImportSession>(
        std::make_unique<FailingSession>(std::move(session), fail_on_batch_, transient_));
  }

 private:
  int fail_on_batch_;
  bool transient_;
};

struct Fixture {
  test_support::TempDirectory directory;
  std::unique_ptr<Store> store;
  Company company;
  TableCarrierLookup carrier_lookup;

  Fixture() {
    auto opened = open_store(test_support::fresh_test_database(directory.path().string()));
    REQUIRE(opened.ok());
    store = std::move(opened).value();
    auto created = store->ensure_company("acme");
    REQUIRE(created.ok());
    company = *created;
    REQUIRE(
        store->add_fields(company.id, {{"score", FieldType::kNumber, {}, Charset::kUnicode}}).ok());
  }

  ImportSummary import(const std::string& content, ImportOptions options = {},
                       Store* through = nullptr, bool dry_run = false) {
    const std::string path = directory.file("in.persons");
    test_support::write_file(path, content);
    Importer importer(through ? *through : *store, carrier_lookup, system_clock(), options);
    ImportRequest request;
    request.path = path;
    request.dry_run = dry_run;
    auto summary = importer.run(company, request);
    REQUIRE(summary.ok());
    return *summary;
  }

  std::optional<PersonRecord> find(const std::string& external_id) {
    auto found =
        store->find_person(company.id, {PersonSelector::Kind::kExternalPersonId, external_id});
    REQUIRE(found.ok());
    return *found;
  }

  std::vector<RowErrorRecord> job_errors(JobId job) {
    std::vector<RowErrorRecord> errors;
    REQUIRE(store
                ->for_each_job_row_error(company.id, job,
                                         [&](const RowErrorRecord& error) {
                                           errors.push_back(error);
                                           return true;
                                         })
                .ok());
    return errors;
  }
};

}  // namespace

TEST_CASE("a transient carrier failure fails the row as retryable") {
  Fixture fixture;
  fixture.carrier_lookup.outcomes["+13125550102"] = CarrierLookupOutcome::Kind::kTransientFailure;
  auto summary = fixture.import("external_person_id,mdn\nc-1,3125550101\nc-2,3125550102\n");
  CHECK(summary.status == JobStatus::kCompleted);
  CHECK(summary.counts.created == 1);
  CHECK(summary.counts.failed == 1);
  CHECK(summary.counts.retryable == 1);
  auto errors = fixture.job_errors(*summary.job_id);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].class_name == "CarrierLookupService::TransientLookupFailureError");
  CHECK(errors[0].message == "Carrier lookup temporarily failed");
  CHECK(errors[0].retryable);
  CHECK_FALSE(fixture.find("c-2"));
  // The carrier code the lookup gives is kept with the person.
  CHECK(fixture.find("c-1")->carrier_code == "carrier-x");
}

TEST_CASE("a failing row changes nothing, not even fields that were valid") {
  Fixture fixture;
  fixture.carrier_lookup.outcomes["+13125550102"] = CarrierLookupOutcome::Kind::kPermanentFailure;
  REQUIRE(fixture.import("external_person_id,score\nc-1,1\n").counts.failed == 0);
  auto summary = fixture.import("external_person_id,mdn,score\nc-1,3125550102,2\n");
  CHECK(summary.counts.failed == 1);
  auto person = fixture.find("c-1");
  REQUIRE(person);
  CHECK(person->custom_fields["score"] == 1);
  CHECK_FALSE(person->mdn);
}

TEST_CASE("the carrier lookup runs when an mdn is given, not when it only selects") {
  Fixture fixture;
  REQUIRE(fixture.import("external_person_id,mdn\nc-1,3125550101\n").counts.failed == 0);
  CHECK(fixture.carrier_lookup.looked_up == std::vector<std::string>{"+13125550101"});
  fixture.carrier_lookup.looked_up.clear();
  // mdn selects (no external id value): no lookup.
  REQUIRE(fixture.import("external_person_id,mdn,score\n,3125550101,5\n").counts.updated == 1);
  // The person already has this mdn: nothing is given, no lookup.
  REQUIRE(fixture.import("external_person_id,mdn\nc-1,3125550101\n").counts.updated == 1);
  CHECK(fixture.carrier_lookup.looked_up.empty());
}

TEST_CASE("rows see earlier rows across batch boundaries, in file order") {
  Fixture fixture;
  ImportOptions options;
  options.batch_rows = 2;
  std::string content = "external_person_id,vibes_device_id,score\n";
  content += "c-1,d-1,1\n";  // creates person 1
  content += "c-2,,2\n";
  content += "c-3,,3\n";
  content += "c-2,d-1,4\n";  // the device moves from c-1 to c-2 (another batch)
  content += "c-1,,5\n";     // updates the person row 1 created
  auto summary = fixture.import(content, options);
  CHECK(summary.counts.rows == 5);
  CHECK(summary.counts.created == 3);
  CHECK(summary.counts.updated == 2);
  CHECK(fixture.find("c-1")->custom_fields["score"] == 5);
  CHECK(fixture.find("c-1")->device_ids.empty());
  CHECK(fixture.find("c-2")->device_ids == std::vector<std::string>{"d-1"});
}

TEST_CASE("within a batch an external id released by one row can be taken by a later one") {
  Fixture fixture;
  REQUIRE(fixture.import("external_person_id,vibes_device_id\nc-1,d-1\n").counts.created == 1);
  auto summary = fixture.import("external_person_id,vibes_device_id\n[null],d-1\nc-1,d-2\n");
  CHECK(summary.counts.failed == 0);
  CHECK(summary.counts.updated == 1);
  CHECK(summary.counts.created == 1);
  CHECK(fixture.find("c-1")->device_ids == std::vector<std::string>{"d-2"});
}

TEST_CASE("a database failure mid-import fails the job - committed batches stay") {
  Fixture fixture;
  FailingStore failing(*fixture.store, 2);
  ImportOptions options;
  options.batch_rows = 2;
  auto summary = fixture.import("external_person_id\nc-1\nc-2\nc-3\nc-4\n", options, &failing);
  CHECK(summary.status == JobStatus::kFailed);
  CHECK(summary.counts.rows == 2);
  CHECK(summary.counts.created == 2);
  REQUIRE(summary.file_errors.size() == 1);
  CHECK(summary.file_errors[0].message.find("injected: connection lost") != std::string::npos);
  CHECK(import_exit_code(summary) == 1);
  CHECK(fixture.find("c-2"));
  CHECK_FALSE(fixture.find("c-3"));
  auto job = fixture.store->find_job(fixture.company.id, *summary.job_id);
  REQUIRE(job.ok());
  CHECK((*job)->status == JobStatus::kFailed);
}

TEST_CASE("a transient database failure fails the job too, unless the caller will resume it") {
  const std::string content = "external_person_id\nc-1\nc-2\nc-3\nc-4\n";
  ImportOptions options;
  options.batch_rows = 2;
  {
    // The command line: no one resumes the job, so it ends failed as for any failure.
    Fixture fixture;
    FailingStore failing(*fixture.store, 2, true);
    auto summary = fixture.import(content, options, &failing);
    CHECK(summary.status == JobStatus::kFailed);
    CHECK(summary.counts.rows == 2);
  }
  // The daemon: the job stays running at its last committed batch, and the Error says the
  // failure may pass.
  Fixture fixture;
  FailingStore failing(*fixture.store, 2, true);
  const std::string path = fixture.directory.file("in.persons");
  test_support::write_file(path, content);
  Importer importer(failing, fixture.carrier_lookup, system_clock(), options);
  ImportRequest request;
  request.path = path;
  request.keep_running_on_transient_error = true;
  auto summary = importer.run(fixture.company, request);
  REQUIRE_FALSE(summary.ok());
  CHECK(summary.error().transient);
  CHECK(summary.error().message == "injected: connection lost");
  auto jobs = fixture.store->list_jobs(JobQuery::of(fixture.company.id));
  REQUIRE(jobs.ok());
  REQUIRE(jobs->size() == 1);
  CHECK(jobs->front().status == JobStatus::kRunning);
  CHECK(jobs->front().checkpoint.counts.rows == 2);
  CHECK(fixture.find("c-2"));
  CHECK_FALSE(fixture.find("c-3"));
  // Resumed on the real store, the job ends as an uninterrupted one would have.
  Importer resumer(*fixture.store, fixture.carrier_lookup, system_clock(), options);
  request.keep_running_on_transient_error = false;
  auto resumed = resumer.resume(fixture.company, jobs->front().job_id, request);
  REQUIRE(resumed.ok());
  CHECK(resumed->status == JobStatus::kCompleted);
  CHECK(resumed->counts.rows == 4);
  CHECK(resumed->counts.created == 4);
  CHECK(fixture.find("c-4"));
}

TEST_CASE("a rejected file is a job that changes nothing") {
  Fixture fixture;
  auto summary = fixture.import("first_name\nAnn\n");
  CHECK(summary.status == JobStatus::kRejected);
  CHECK(summary.counts.rows == 0);
  REQUIRE(summary.file_errors.size() == 1);
  CHECK(summary.file_errors[0].class_name == "PersonErrors::InvalidImportFileFormat");
  CHECK(import_exit_code(summary) == 4);
  auto jobs = fixture.store->list_jobs(JobQuery::of(fixture.company.id));
  REQUIRE(jobs.ok());
  REQUIRE(jobs->size() == 1);
  CHECK(jobs->front().status == JobStatus::kRejected);
}

TEST_CASE("a file with a bad byte at its end is rejected before any row applies") {
  Fixture fixture;
  std::string content = "external_person_id\n";
  for (int i = 0; i < 50; ++i) content += "c-" + std::to_string(i) + "\n";
  content += "\xff\n";
  ImportOptions options;
  options.batch_rows = 2;
  auto summary = fixture.import(content, options);
  CHECK(summary.status == JobStatus::kRejected);
  CHECK(summary.file_errors.at(0).class_name ==
        "FileEngine::EncodingDetection::Unknown8BitEncodingDetected");
  CHECK_FALSE(fixture.find("c-0"));
}

TEST_CASE("the report lists keys in the spec's order") {
  Fixture fixture;
  auto summary = fixture.import("person_id\n5\n");
  std::ostringstream out;
  REQUIRE(write_report_json(out, summary, [&](const auto& fn) {
            return fixture.store->for_each_job_row_error(fixture.company.id, *summary.job_id, fn);
          }).ok());
  const std::string report = out.str();
  std::vector<std::string> keys = {"job_id",   "file",        "company",   "status", "dry_run",
                                   "rows",     "created",     "updated",   "failed", "retryable",
                                   "warnings", "file_errors", "row_errors"};
  std::size_t previous = 0;
  for (const auto& key : keys) {
    const auto position = report.find("\"" + key + "\"");
    REQUIRE(position != std::string::npos);
    CHECK(position >= previous);
    previous = position;
  }
  auto json = nlohmann::json::parse(report);
  CHECK(json["row_errors"][0] == nlohmann::json::parse(R"({"line":2,"row":1,
    "class":"PersonErrors::PersonNotFound","message":"Person not found","field":"person_id",
    "value":"5"})"));
}

namespace {

// Runs an import of `content` whose on_progress hook (called after each committed batch) can
// change the file under the importer.
ImportSummary import_with_progress(
    Fixture& fixture, const std::string& content, ImportOptions options,
    const std::function<void(const std::string& path)>& after_batch) {
  const std::string path = fixture.directory.file("in.persons");
  test_support::write_file(path, content);
  Importer importer(*fixture.store, fixture.carrier_lookup, system_clock(), options);
  ImportRequest request;
  request.path = path;
  int batches = 0;
  request.on_progress = [&](const ImportProgress&) {
    if (++batches == 1) after_batch(path);
  };
  auto summary = importer.run(fixture.company, request);
  REQUIRE(summary.ok());
  return *summary;
}

std::string numbered_rows(int count) {
  std::string content = "external_person_id\n";
  for (int i = 1; i <= count; ++i) content += "c-" + std::to_string(i) + "\n";
  return content;
}

}  // namespace

TEST_CASE("regression: a file truncated mid-import fails the job instead of completing") {
  Fixture fixture;
  ImportOptions options;
  options.batch_rows = 2;
  options.read_chunk_bytes = 8;  // the reader must not have buffered the rest already
  auto summary =
      import_with_progress(fixture, numbered_rows(10), options,
                           [](const std::string& path) { std::filesystem::resize_file(path, 30); });
  CHECK(summary.status == JobStatus::kFailed);
  REQUIRE(summary.file_errors.size() == 1);
  CHECK(summary.file_errors[0].class_name == "PersonImport::ImportAborted");
  CHECK(summary.file_errors[0].message.find("changed") != std::string::npos);
  // The first batch committed before the change and stays.
  CHECK(summary.counts.rows == 2);
  CHECK(fixture.find("c-2"));
  CHECK_FALSE(fixture.find("c-3"));
}

TEST_CASE(
    "regression: a file appended to mid-import fails the job instead of importing bytes "
    "no check saw") {
  Fixture fixture;
  ImportOptions options;
  options.batch_rows = 2;
  options.read_chunk_bytes = 8;
  auto summary =
      import_with_progress(fixture, numbered_rows(4), options, [](const std::string& path) {
        std::ofstream(path, std::ios::app | std::ios::binary) << "\xff\xfe\n";
      });
  CHECK(summary.status == JobStatus::kFailed);
  REQUIRE(summary.file_errors.size() == 1);
  CHECK(summary.file_errors[0].message.find("changed") != std::string::npos);
  CHECK(summary.counts.rows == 2);
}

TEST_CASE("a file deleted mid-import is still read whole through the open descriptor") {
  Fixture fixture;
  ImportOptions options;
  options.batch_rows = 2;
  options.read_chunk_bytes = 8;
  auto summary = import_with_progress(fixture, numbered_rows(5), options,
                                      [](const std::string& path) { std::remove(path.c_str()); });
  CHECK(summary.status == JobStatus::kCompleted);
  CHECK(summary.counts.created == 5);
}

TEST_CASE("regression: batches are bounded by bytes too, so large records keep memory flat") {
  // 5,000 records of up to 1 MiB each held at once would be gigabytes; a byte bound keeps a
  // batch small whatever its records' size.
  Fixture fixture;
  const std::string path = fixture.directory.file("in.persons");
  test_support::write_file(path, numbered_rows(10));  // records of 3 bytes (4 for c-10)
  ImportOptions options;
  options.batch_rows = 5000;
  options.batch_bytes = 8;
  Importer importer(*fixture.store, fixture.carrier_lookup, system_clock(), options);
  ImportRequest request;
  request.path = path;
  std::vector<std::uint64_t> rows_after_batch;
  request.on_progress = [&](const ImportProgress& progress) {
    rows_after_batch.push_back(progress.rows_done);
  };
  auto summary = importer.run(fixture.company, request);
  REQUIRE(summary.ok());
  CHECK(summary->counts.created == 10);
  CHECK(rows_after_batch == std::vector<std::uint64_t>{3, 6, 9, 10});
}

TEST_CASE("regression: no failed-rows file is copied from a file that changed mid-import") {
  // The failed rows are copied back out by offset: from changed bytes they would be other text.
  Fixture fixture;
  const std::string path = fixture.directory.file("in.persons");
  const std::string failed = fixture.directory.file("failed.persons");
  test_support::write_file(path, "person_id,external_person_id\n99,\n,c-1\n,c-2\n,c-3\n");
  ImportOptions options;
  options.batch_rows = 2;
  options.read_chunk_bytes = 8;
  Importer importer(*fixture.store, fixture.carrier_lookup, system_clock(), options);
  ImportRequest request;
  request.path = path;
  request.failed_rows_path = failed;
  request.on_progress = [&](const ImportProgress&) {
    std::fstream(path, std::ios::in | std::ios::out | std::ios::binary) << "PERSON";
  };
  auto summary = importer.run(fixture.company, request);
  CHECK_FALSE(summary.ok());
  CHECK_FALSE(std::filesystem::exists(failed));
  auto jobs = fixture.store->list_jobs(JobQuery::of(fixture.company.id));
  REQUIRE(jobs.ok());
  CHECK(jobs->back().status == JobStatus::kFailed);
  CHECK(jobs->back().counts.failed == 1);
}
