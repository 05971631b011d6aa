// The Store contract, on a real database of the backend tests/support/test_database.h selects
// (a SQLite file, or a fresh PostgreSQL database).
#include <catch2/catch.hpp>

#include "core/storage/store.h"
#include "tests/support/test_database.h"
#include "tests/support/test_support.h"

using namespace person_import;

namespace {

std::unique_ptr<Store> open(const std::string& spec) {
  auto store = open_store(spec);
  REQUIRE(store.ok());
  return std::move(store).value();
}

PersonRecord person(PersonId id, std::string key, std::optional<std::string> external,
                    std::optional<std::string> mdn = std::nullopt) {
  PersonRecord record;
  record.person_id = id;
  record.person_key = std::move(key);
  record.external_person_id = std::move(external);
  record.mdn = std::move(mdn);
  record.created_at = record.updated_at = "2026-01-01T00:00:00.000Z";
  return record;
}

JobStart job_start(const std::string& file, bool dry_run = false) {
  JobStart start;
  start.file = file;
  start.source_path = file;
  start.dry_run = dry_run;
  return start;
}

std::vector<PersonRecord> export_all(Store& store, CompanyId company) {
  std::vector<PersonRecord> persons;
  REQUIRE(store
              .for_each_person(company,
                               [&](const PersonRecord& p) {
                                 persons.push_back(p);
                                 return true;
                               })
              .ok());
  return persons;
}

// Runs one batch that creates `records` (ids allocated by the session) and finishes.
void create_persons(Store& store, const Company& company, std::vector<PersonRecord> records) {
  auto session = store.begin_import(company, job_start("setup.persons"));
  REQUIRE(session.ok());
  REQUIRE((*session)->load_persons({}).ok());
  BatchChanges changes;
  for (auto& record : records) {
    auto id = (*session)->allocate_person_id();
    REQUIRE(id.ok());
    record.person_id = *id;
    changes.created.push_back(record);
  }
  REQUIRE((*session)->write_batch(changes).ok());
  REQUIRE((*session)->finish(JobEnd{}).ok());
}

}  // namespace

TEST_CASE("opening a database twice applies the migrations once") {
  test_support::TempDirectory directory;
  const auto database = test_support::fresh_test_database(directory.path());
  {
    auto store = open(database);
    REQUIRE(store->ensure_company("acme").ok());
  }
  auto store = open(database);
  auto companies = store->list_companies();
  REQUIRE(companies.ok());
  REQUIRE(companies->size() == 1);
  CHECK(companies->front().key == "acme");
}

TEST_CASE("ensure_company creates a company once") {
  test_support::TempDirectory directory;
  auto store = open(test_support::fresh_test_database(directory.path()));
  auto first = store->ensure_company("acme");
  auto second = store->ensure_company("acme");
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  CHECK(first->id == second->id);
  auto missing = store->find_company("other");
  REQUIRE(missing.ok());
  CHECK_FALSE(missing->has_value());
}

TEST_CASE("add_fields is all or none and fields are per company") {
  test_support::TempDirectory directory;
  auto store = open(test_support::fresh_test_database(directory.path()));
  auto acme = store->ensure_company("acme");
  auto other = store->ensure_company("other");
  REQUIRE(acme.ok());
  REQUIRE(other.ok());
  FieldDefinition name{"first_name", FieldType::kString, {}, Charset::kGsm};
  FieldDefinition tier{"tier", FieldType::kSingleSelect, {"gold", "silver"}, Charset::kUnicode};
  REQUIRE(store->add_fields(acme->id, {name}).ok());

  // "first_name" exists with another charset: the whole list fails, naming both definitions,
  // and "tier" is not added either.
  FieldDefinition name_in_unicode{"first_name", FieldType::kString, {}, Charset::kUnicode};
  auto conflict = store->add_fields(acme->id, {tier, name_in_unicode});
  REQUIRE_FALSE(conflict.ok());
  CHECK(conflict.error().message ==
        "custom field \"first_name\" is already defined as \"first_name  string  charset: "
        "gsm\", not \"first_name  string  charset: unicode\" (fields remove first_name first to "
        "change it)");
  auto fields = store->list_fields(acme->id);
  REQUIRE(fields.ok());
  REQUIRE(fields->size() == 1);
  CHECK(fields->front().name == "first_name");
  CHECK(fields->front().charset == Charset::kGsm);

  // The same definition again is kept as it is: loading a file twice is not an error.
  auto again = store->add_fields(acme->id, {tier, name});
  REQUIRE(again.ok());
  CHECK(*again == 1);  // only tier is new
  fields = store->list_fields(acme->id);
  REQUIRE(fields.ok());
  REQUIRE(fields->size() == 2);
  CHECK(fields->at(0).name == "first_name");
  CHECK(fields->at(1).name == "tier");
  // A name given twice with two definitions is refused whole.
  CHECK_FALSE(store
                  ->add_fields(acme->id, {FieldDefinition{"score", FieldType::kNumber, {}, {}},
                                          FieldDefinition{"score", FieldType::kDate, {}, {}}})
                  .ok());
  CHECK(store->list_fields(acme->id)->size() == 2);

  // Another company does not see them and can define the same name.
  auto other_fields = store->list_fields(other->id);
  REQUIRE(other_fields.ok());
  CHECK(other_fields->empty());
  CHECK(store->add_fields(other->id, {name, tier}).ok());
}

TEST_CASE("persons are per company") {
  test_support::TempDirectory directory;
  auto store = open(test_support::fresh_test_database(directory.path()));
  auto acme = store->ensure_company("acme");
  auto other = store->ensure_company("other");
  REQUIRE(acme.ok());
  REQUIRE(other.ok());
  create_persons(*store, *acme, {person(0, "k-1", "c-1", "+13125550101")});
  // The same external id and mdn are free in another company.
  create_persons(*store, *other, {person(0, "k-2", "c-1", "+13125550101")});
  CHECK(export_all(*store, acme->id).size() == 1);
  CHECK(export_all(*store, other->id).size() == 1);
  auto found = store->find_person(other->id, {PersonSelector::Kind::kPersonKey, "k-1"});
  REQUIRE(found.ok());
  CHECK_FALSE(found->has_value());
}

TEST_CASE("person ids increase across imports and are unique in the database") {
  test_support::TempDirectory directory;
  auto store = open(test_support::fresh_test_database(directory.path()));
  auto acme = store->ensure_company("acme");
  auto other = store->ensure_company("other");
  REQUIRE(acme.ok());
  REQUIRE(other.ok());
  create_persons(*store, *acme, {person(0, "k-1", "c-1"), person(0, "k-2", "c-2")});
  create_persons(*store, *other, {person(0, "k-3", "c-1")});
  auto acme_persons = export_all(*store, acme->id);
  auto other_persons = export_all(*store, other->id);
  REQUIRE(acme_persons.size() == 2);
  REQUIRE(other_persons.size() == 1);
  CHECK(acme_persons[0].person_id == 1);
  CHECK(acme_persons[1].person_id == 2);
  CHECK(other_persons[0].person_id == 3);
}

TEST_CASE("load_persons finds every person any key names, and device owners") {
  test_support::TempDirectory directory;
  auto store = open(test_support::fresh_test_database(directory.path()));
  auto acme = store->ensure_company("acme");
  REQUIRE(acme.ok());
  {
    auto session = store->begin_import(*acme, job_start("a.persons"));
    REQUIRE(session.ok());
    BatchChanges changes;
    changes.created = {person(1, "k-1", "c-1"), person(2, "k-2", std::nullopt, "+13125550102"),
                       person(3, "k-3", "c-3"), person(4, "k-4", "c-4")};
    changes.devices = {{"d-4", 4}};
    REQUIRE((*session)->load_persons({}).ok());
    for (int i = 0; i < 4; ++i) REQUIRE((*session)->allocate_person_id().ok());
    REQUIRE((*session)->write_batch(changes).ok());
    REQUIRE((*session)->finish(JobEnd{}).ok());
  }
  auto session = store->begin_import(*acme, job_start("b.persons"));
  REQUIRE(session.ok());
  PersonLookupKeys keys;
  keys.person_ids = {3, 99};
  keys.person_keys = {"k-1"};
  keys.mdns = {"+13125550102"};
  keys.external_person_ids = {"c-1", "missing"};
  keys.device_ids = {"d-4", "d-none"};
  auto snapshot = (*session)->load_persons(keys);
  REQUIRE(snapshot.ok());
  std::vector<PersonId> ids;
  for (const auto& p : snapshot->persons) ids.push_back(p.person_id);
  std::sort(ids.begin(), ids.end());
  CHECK(ids == std::vector<PersonId>{1, 2, 3, 4});  // 1 once, though named twice
  REQUIRE(snapshot->devices.size() == 1);
  CHECK(snapshot->devices[0].device_id == "d-4");
  CHECK(snapshot->devices[0].person_id == 4);
}

TEST_CASE("an external id can move between persons within one batch") {
  test_support::TempDirectory directory;
  auto store = open(test_support::fresh_test_database(directory.path()));
  auto acme = store->ensure_company("acme");
  REQUIRE(acme.ok());
  create_persons(*store, *acme, {person(0, "k-1", "c-1")});
  // Person 1 releases c-1 and a new person 2 takes it, in the same batch.
  auto session = store->begin_import(*acme, job_start("b.persons"));
  REQUIRE(session.ok());
  REQUIRE((*session)->load_persons({}).ok());
  auto id = (*session)->allocate_person_id();
  REQUIRE(id.ok());
  BatchChanges changes;
  changes.updated = {person(1, "k-1", std::nullopt)};
  changes.created = {person(*id, "k-2", "c-1")};
  REQUIRE((*session)->write_batch(changes).ok());
  REQUIRE((*session)->finish(JobEnd{}).ok());
  auto persons = export_all(*store, acme->id);
  REQUIRE(persons.size() == 2);
  CHECK_FALSE(persons[0].external_person_id.has_value());
  CHECK(persons[1].external_person_id == "c-1");
}

TEST_CASE("a batch that breaks a unique index writes nothing") {
  test_support::TempDirectory directory;
  auto store = open(test_support::fresh_test_database(directory.path()));
  auto acme = store->ensure_company("acme");
  REQUIRE(acme.ok());
  create_persons(*store, *acme, {person(0, "k-1", "c-1")});
  auto session = store->begin_import(*acme, job_start("b.persons"));
  REQUIRE(session.ok());
  BatchChanges changes;
  changes.created = {person(10, "k-10", "c-10"), person(11, "k-11", "c-1")};
  CHECK_FALSE((*session)->write_batch(changes).ok());
  CHECK(export_all(*store, acme->id).size() == 1);
}

TEST_CASE("a dry-run session keeps nothing, not even its job or the person ids it used") {
  test_support::TempDirectory directory;
  auto store = open(test_support::fresh_test_database(directory.path()));
  auto acme = store->ensure_company("acme");
  REQUIRE(acme.ok());
  JobStart start = job_start("dry.persons", true);
  {
    auto session = store->begin_import(*acme, start);
    REQUIRE(session.ok());
    for (int batch = 0; batch < 2; ++batch) {
      REQUIRE((*session)->load_persons({}).ok());
      auto id = (*session)->allocate_person_id();
      REQUIRE(id.ok());
      BatchChanges changes;
      changes.created = {person(*id, "k-" + std::to_string(batch), "c-" + std::to_string(batch))};
      changes.row_errors = {RowErrorRecord{7, 5 + static_cast<std::uint64_t>(batch),
                                           "PersonErrors::PersonNotFound", "Person not found",
                                           "person_id", "123", false}};
      REQUIRE((*session)->write_batch(changes).ok());
    }
    // Later batches see earlier ones inside the simulation.
    PersonLookupKeys keys;
    keys.external_person_ids = {"c-0"};
    auto snapshot = (*session)->load_persons(keys);
    REQUIRE(snapshot.ok());
    CHECK(snapshot->persons.size() == 1);
    std::size_t errors = 0;
    REQUIRE((*session)
                ->for_each_row_error([&](const RowErrorRecord&) {
                  ++errors;
                  return true;
                })
                .ok());
    CHECK(errors == 2);
    REQUIRE((*session)->finish(JobEnd{}).ok());
  }
  CHECK(export_all(*store, acme->id).empty());
  auto jobs = store->list_jobs(JobQuery::of(acme->id));
  REQUIRE(jobs.ok());
  CHECK(jobs->empty());
  create_persons(*store, *acme, {person(0, "k-real", "c-real")});
  CHECK(export_all(*store, acme->id).front().person_id == 1);
}

TEST_CASE("a session dropped without finish keeps committed batches and the checkpoint") {
  test_support::TempDirectory directory;
  auto store = open(test_support::fresh_test_database(directory.path()));
  auto acme = store->ensure_company("acme");
  REQUIRE(acme.ok());
  JobId job = 0;
  {
    auto session = store->begin_import(*acme, job_start("crash.persons"));
    REQUIRE(session.ok());
    job = (*session)->job_id();
    REQUIRE((*session)->load_persons({}).ok());
    auto id = (*session)->allocate_person_id();
    REQUIRE(id.ok());
    BatchChanges first;
    first.created = {person(*id, "k-1", "c-1")};
    first.checkpoint.counts.rows = 1;
    first.checkpoint.counts.created = 1;
    first.checkpoint.next_offset = 40;
    REQUIRE((*session)->write_batch(first).ok());
    // The second batch is loaded but never written: the "crash".
    REQUIRE((*session)->load_persons({}).ok());
  }
  auto found = store->find_job(acme->id, job);
  REQUIRE(found.ok());
  REQUIRE(found->has_value());
  CHECK((*found)->status == JobStatus::kRunning);
  CHECK((*found)->checkpoint.next_offset == 40);
  CHECK((*found)->counts.created == 1);
  CHECK(export_all(*store, acme->id).size() == 1);
}

TEST_CASE("row errors stream back in row order with their fields") {
  test_support::TempDirectory directory;
  auto store = open(test_support::fresh_test_database(directory.path()));
  auto acme = store->ensure_company("acme");
  REQUIRE(acme.ok());
  auto session = store->begin_import(*acme, job_start("e.persons"));
  REQUIRE(session.ok());
  BatchChanges first;
  first.row_errors = {RowErrorRecord{4, 3, "A", "a", "x", "1", false},
                      RowErrorRecord{4, 3, "B", "b", std::nullopt, std::nullopt, false}};
  BatchChanges second;
  second.row_errors = {RowErrorRecord{9, 8, "C", "c", "mdn", "+1", true}};
  second.failed_rows = {FailedRowRange{8, 100, 12}};
  REQUIRE((*session)->write_batch(first).ok());
  REQUIRE((*session)->write_batch(second).ok());
  std::vector<RowErrorRecord> errors;
  REQUIRE((*session)
              ->for_each_row_error([&](const RowErrorRecord& e) {
                errors.push_back(e);
                return true;
              })
              .ok());
  REQUIRE(errors.size() == 3);
  CHECK(errors[0].class_name == "A");
  CHECK(errors[1].class_name == "B");
  CHECK_FALSE(errors[1].field.has_value());
  CHECK(errors[2].retryable);
  std::vector<FailedRowRange> failed;
  REQUIRE((*session)
              ->for_each_failed_row([&](const FailedRowRange& f) {
                failed.push_back(f);
                return true;
              })
              .ok());
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].offset == 100);
  CHECK(failed[0].length == 12);
  REQUIRE((*session)->finish(JobEnd{JobStatus::kCompleted, {9, 0, 7, 2, 1}, {"w"}, {}}).ok());
  auto job = store->find_job(acme->id, (*session)->job_id());
  REQUIRE(job.ok());
  REQUIRE(job->has_value());
  CHECK((*job)->status == JobStatus::kCompleted);
  CHECK((*job)->counts.failed == 2);
  CHECK((*job)->warnings == std::vector<std::string>{"w"});
}

TEST_CASE("authorized keys are kept per company") {
  test_support::TempDirectory directory;
  auto store = open(test_support::fresh_test_database(directory.path()));
  auto acme = store->ensure_company("acme");
  auto other = store->ensure_company("other");
  REQUIRE(acme.ok());
  REQUIRE(other.ok());
  REQUIRE(store->add_authorized_key(acme->id, "ssh-ed25519 AAAA1 a@x").ok());
  REQUIRE(store->add_authorized_key(acme->id, "ssh-ed25519 AAAA2 b@x").ok());
  REQUIRE(store->add_authorized_key(acme->id, "ssh-ed25519 AAAA2 b@x").ok());  // once
  auto keys = store->list_authorized_keys(acme->id);
  REQUIRE(keys.ok());
  CHECK(keys->size() == 2);
  auto other_keys = store->list_authorized_keys(other->id);
  REQUIRE(other_keys.ok());
  CHECK(other_keys->empty());
  REQUIRE(store->remove_authorized_key(acme->id, "ssh-ed25519 AAAA1 a@x").ok());
  keys = store->list_authorized_keys(acme->id);
  REQUIRE(keys.ok());
  CHECK(*keys == std::vector<std::string>{"ssh-ed25519 AAAA2 b@x"});
}

TEST_CASE("a postgresql URL opens PostgreSQL, an unreachable server is a transient error") {
  // No server listens in this folder: connecting fails, and may succeed later.
  test_support::TempDirectory directory;
  for (const std::string scheme : {"postgresql", "postgres"}) {
    auto store =
        open_store(scheme + ":///people?host=" + directory.path().string() + "&connect_timeout=5");
    REQUIRE_FALSE(store.ok());
    CHECK(store.error().transient);
    CHECK(store.error().message.find("PostgreSQL") != std::string::npos);
  }
}

TEST_CASE("a SQLite path is not mistaken for a URL", "[sqlite]") {
  test_support::TempDirectory directory;
  auto store = open_store(directory.file("postgresql:"));
  REQUIRE(store.ok());
  CHECK(std::filesystem::exists(directory.file("postgresql:")));
  CHECK_FALSE(open_store("").ok());
}

TEST_CASE("a job's row errors are read only through its own company") {
  test_support::TempDirectory directory;
  auto store = open(test_support::fresh_test_database(directory.path()));
  auto acme = store->ensure_company("acme");
  auto other = store->ensure_company("other");
  REQUIRE(acme.ok());
  REQUIRE(other.ok());
  auto session = store->begin_import(*acme, job_start("e.persons"));
  REQUIRE(session.ok());
  BatchChanges changes;
  changes.row_errors = {RowErrorRecord{2, 1, "A", "a", std::nullopt, std::nullopt, false}};
  REQUIRE((*session)->write_batch(changes).ok());
  REQUIRE((*session)->finish(JobEnd{}).ok());
  auto count = [&](CompanyId company) {
    int errors = 0;
    REQUIRE(store
                ->for_each_job_row_error(company, (*session)->job_id(),
                                         [&](const RowErrorRecord&) {
                                           ++errors;
                                           return true;
                                         })
                .ok());
    return errors;
  };
  CHECK(count(acme->id) == 1);
  CHECK(count(other->id) == 0);
}

TEST_CASE("find_job_by_source finds the company's latest job of a path, failed rows stream back") {
  test_support::TempDirectory directory;
  auto store = open(test_support::fresh_test_database(directory.path()));
  auto acme = store->ensure_company("acme");
  auto other = store->ensure_company("other");
  REQUIRE(acme.ok());
  REQUIRE(other.ok());
  auto start_for = [](const std::string& source) {
    JobStart start = job_start("in.persons");
    start.source_path = source;
    return start;
  };
  JobId first = 0;
  JobId second = 0;
  {
    auto session = store->begin_import(*acme, start_for("/q/acme/1-in.persons"));
    REQUIRE(session.ok());
    first = (*session)->job_id();
    BatchChanges changes;
    changes.failed_rows = {{2, 30, 5}, {1, 20, 4}};
    changes.checkpoint.counts = {2, 0, 0, 2, 0};
    REQUIRE((*session)->write_batch(changes).ok());
    REQUIRE((*session)->finish(JobEnd{JobStatus::kCompleted, {2, 0, 0, 2, 0}, {}, {}}).ok());
  }
  {
    auto session = store->begin_import(*acme, start_for("/q/acme/1-in.persons"));
    REQUIRE(session.ok());
    second = (*session)->job_id();  // left running
  }
  auto found = store->find_job_by_source(acme->id, "/q/acme/1-in.persons");
  REQUIRE(found.ok());
  REQUIRE(found->has_value());
  CHECK((*found)->job_id == second);
  CHECK((*found)->status == JobStatus::kRunning);
  CHECK((*found)->source_path == "/q/acme/1-in.persons");
  auto missing = store->find_job_by_source(acme->id, "/q/acme/2-in.persons");
  REQUIRE(missing.ok());
  CHECK_FALSE(missing->has_value());
  auto elsewhere = store->find_job_by_source(other->id, "/q/acme/1-in.persons");
  REQUIRE(elsewhere.ok());
  CHECK_FALSE(elsewhere->has_value());

  std::vector<FailedRowRange> ranges;
  REQUIRE(store
              ->for_each_job_failed_row(acme->id, first,
                                        [&](const FailedRowRange& range) {
                                          ranges.push_back(range);
                                          return true;
                                        })
              .ok());
  REQUIRE(ranges.size() == 2);
  CHECK(ranges[0].row == 1);
  CHECK(ranges[0].offset == 20);
  CHECK(ranges[1].row == 2);
  CHECK(ranges[1].length == 5);
  std::size_t seen_elsewhere = 0;
  REQUIRE(store
              ->for_each_job_failed_row(other->id, first,
                                        [&](const FailedRowRange&) {
                                          ++seen_elsewhere;
                                          return true;
                                        })
              .ok());
  CHECK(seen_elsewhere == 0);
}
