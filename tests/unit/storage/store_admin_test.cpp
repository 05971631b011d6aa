// The Store's administration contract (companies list and remove, fields remove, job queries,
// created persons, how a database is opened), on the backend tests/support/test_database.h
// selects.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "core/storage/store.h"
#include "tests/support/test_database.h"
#include "tests/support/test_support.h"

using namespace person_import;

namespace {

std::unique_ptr<Store> open(const std::string& spec, StoreAccess access = StoreAccess::kCreate) {
  StoreOptions options;
  options.access = access;
  auto store = open_store(spec, options);
  INFO((store.ok() ? std::string() : store.error().message));
  REQUIRE(store.ok());
  return std::move(store).value();
}

JobStart job_start(const std::string& file) {
  JobStart start;
  start.file = file;
  start.source_path = "/queue/" + file;
  return start;
}

PersonRecord new_person(ImportSession& session, const std::string& external,
                        nlohmann::json fields = nlohmann::json::object()) {
  PersonRecord record;
  auto id = session.allocate_person_id();
  REQUIRE(id.ok());
  record.person_id = *id;
  record.person_key = "key-" + external;
  record.external_person_id = external;
  record.custom_fields = std::move(fields);
  record.created_at = record.updated_at = "2026-01-01T00:00:00.000Z";
  return record;
}

// One job creating a person per external id (row i+1, line i+2), finished as `status`.
JobId import_persons(Store& store, const Company& company, const std::string& file,
                     const std::vector<std::string>& externals,
                     nlohmann::json fields = nlohmann::json::object(),
                     JobStatus status = JobStatus::kCompleted) {
  auto session = store.begin_import(company, job_start(file));
  REQUIRE(session.ok());
  REQUIRE((*session)->load_persons({}).ok());
  BatchChanges changes;
  std::uint64_t row = 0;
  for (const auto& external : externals) {
    changes.created.push_back(new_person(**session, external, fields));
    ++row;
    changes.created_rows.push_back({row, row + 1, changes.created.back().person_id});
  }
  changes.checkpoint.counts.rows = row;
  changes.checkpoint.counts.created = row;
  REQUIRE((*session)->write_batch(changes).ok());
  const JobId job = (*session)->job_id();
  JobEnd end;
  end.status = status;
  end.counts = changes.checkpoint.counts;
  REQUIRE((*session)->finish(end).ok());
  return job;
}

std::vector<CreatedPersonRecord> created_by(Store& store, CompanyId company, JobId job) {
  std::vector<CreatedPersonRecord> created;
  REQUIRE(store
              .for_each_job_created_person(company, job,
                                           [&](const CreatedPersonRecord& person) {
                                             created.push_back(person);
                                             return true;
                                           })
              .ok());
  return created;
}

// A fresh database with the companies acme and other: everything is checked per company.
struct TwoCompanies {
  test_support::TempDirectory directory;
  std::unique_ptr<Store> store = open(test_support::fresh_test_database(directory.path()));
  Result<Company> acme = store->ensure_company("acme");
  Result<Company> other = store->ensure_company("other");
  TwoCompanies() {
    REQUIRE(acme.ok());
    REQUIRE(other.ok());
  }
};

}  // namespace

TEST_CASE("company_usage counts what a company holds, remove_company deletes all of it") {
  TwoCompanies two;
  auto& [directory, store, acme, other] = two;
  REQUIRE(store->add_fields(acme->id, {{"tier", FieldType::kString, {}, Charset::kUnicode}}).ok());
  REQUIRE(store->add_authorized_key(acme->id, "ssh-ed25519 AAAA acme").ok());
  import_persons(*store, *acme, "a.persons", {"a-1", "a-2"});
  import_persons(*store, *other, "o.persons", {"o-1"});

  auto usage = store->company_usage(acme->id);
  REQUIRE(usage.ok());
  CHECK(usage->persons == 2);
  CHECK(usage->custom_fields == 1);
  CHECK(usage->authorized_keys == 1);
  CHECK(usage->jobs == 1);

  REQUIRE(store->remove_company(acme->id).ok());
  auto gone = store->find_company("acme");
  REQUIRE(gone.ok());
  CHECK_FALSE(gone->has_value());
  auto after = store->company_usage(acme->id);
  REQUIRE(after.ok());
  CHECK(after->persons == 0);
  CHECK(after->jobs == 0);
  // The other company is untouched, and the key can be used again.
  auto other_usage = store->company_usage(other->id);
  REQUIRE(other_usage.ok());
  CHECK(other_usage->persons == 1);
  CHECK(other_usage->jobs == 1);
  auto again = store->ensure_company("acme");
  REQUIRE(again.ok());
  CHECK(store->list_fields(again->id)->empty());
}

TEST_CASE("remove_field removes the definition and every person's value, nothing else") {
  TwoCompanies two;
  auto& [directory, store, acme, other] = two;
  const std::vector<FieldDefinition> fields = {
      {"tier", FieldType::kString, {}, Charset::kUnicode},
      {"score", FieldType::kNumber, {}, Charset::kUnicode}};
  REQUIRE(store->add_fields(acme->id, fields).ok());
  REQUIRE(store->add_fields(other->id, fields).ok());
  const nlohmann::json values = {{"tier", "gold"}, {"score", 3.5}};
  import_persons(*store, *acme, "a.persons", {"a-1", "a-2"}, values);
  import_persons(*store, *acme, "b.persons", {"a-3"}, {{"score", 1}});
  import_persons(*store, *other, "o.persons", {"o-1"}, values);

  auto holders = store->count_persons_with_field(acme->id, "tier");
  REQUIRE(holders.ok());
  CHECK(*holders == 2);
  REQUIRE(store->remove_field(acme->id, "tier").ok());
  CHECK(*store->count_persons_with_field(acme->id, "tier") == 0);
  CHECK(*store->count_persons_with_field(acme->id, "score") == 3);
  auto listed = store->list_fields(acme->id);
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 1);
  CHECK(listed->front().name == "score");
  std::vector<nlohmann::json> stored;
  REQUIRE(store
              ->for_each_person(acme->id,
                                [&](const PersonRecord& person) {
                                  stored.push_back(person.custom_fields);
                                  return true;
                                })
              .ok());
  CHECK(stored == std::vector<nlohmann::json>{{{"score", 3.5}}, {{"score", 3.5}}, {{"score", 1}}});
  // Per company: the other one keeps its field and values.
  CHECK(*store->count_persons_with_field(other->id, "tier") == 1);
  CHECK(store->list_fields(other->id)->size() == 2);
  // A field that is not there.
  auto missing = store->remove_field(acme->id, "tier");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message == "no custom field \"tier\"");
}

TEST_CASE("list_jobs filters by company, status and start time") {
  TwoCompanies two;
  auto& [directory, store, acme, other] = two;
  const JobId first = import_persons(*store, *acme, "a.persons", {"a-1"});
  const JobId rejected = import_persons(*store, *acme, "r.persons", {}, nlohmann::json::object(),
                                        JobStatus::kRejected);
  const JobId others = import_persons(*store, *other, "o.persons", {"o-1"});

  auto ids = [&](const JobQuery& query) {
    auto jobs = store->list_jobs(query);
    REQUIRE(jobs.ok());
    std::vector<JobId> found;
    for (const auto& job : *jobs) found.push_back(job.job_id);
    return found;
  };
  CHECK(ids(JobQuery::of(acme->id)) == std::vector<JobId>{first, rejected});
  CHECK(ids(JobQuery{}) == std::vector<JobId>{first, rejected, others});
  JobQuery only_rejected;
  only_rejected.status = JobStatus::kRejected;
  CHECK(ids(only_rejected) == std::vector<JobId>{rejected});
  JobQuery future;
  future.started_since = "2999-01-01T00:00:00.000Z";
  CHECK(ids(future).empty());
  JobQuery past = JobQuery::of(other->id);
  past.started_since = "2000-01-01T00:00:00.000Z";
  CHECK(ids(past) == std::vector<JobId>{others});
}

TEST_CASE("the persons a job created stream back by row, with their keys, per company") {
  TwoCompanies two;
  auto& [directory, store, acme, other] = two;
  const JobId job = import_persons(*store, *acme, "a.persons", {"c-1", "c-2"});
  auto created = created_by(*store, acme->id, job);
  REQUIRE(created.size() == 2);
  CHECK(created[0].row == 1);
  CHECK(created[0].line == 2);
  CHECK(created[0].person_key == "key-c-1");
  CHECK(created[0].external_person_id == "c-1");
  CHECK(created[1].row == 2);
  CHECK(created[1].person_id == created[0].person_id + 1);
  // Through another company's id, nothing.
  CHECK(created_by(*store, other->id, job).empty());

  // A dry run's simulated persons are readable in the session, and gone after it.
  JobStart dry = job_start("dry.persons");
  dry.dry_run = true;
  auto session = store->begin_import(*acme, dry);
  REQUIRE(session.ok());
  REQUIRE((*session)->load_persons({}).ok());
  BatchChanges changes;
  changes.created.push_back(new_person(**session, "d-1"));
  changes.created_rows.push_back({1, 2, changes.created.back().person_id});
  changes.checkpoint.counts.rows = 1;
  REQUIRE((*session)->write_batch(changes).ok());
  int seen = 0;
  REQUIRE((*session)
              ->for_each_created_person([&](const CreatedPersonRecord& person) {
                CHECK(person.external_person_id == "d-1");
                ++seen;
                return true;
              })
              .ok());
  CHECK(seen == 1);
  const JobId dry_job = (*session)->job_id();
  REQUIRE((*session)->finish(JobEnd{}).ok());
  CHECK(created_by(*store, acme->id, dry_job).empty());
}

TEST_CASE("only kCreate makes a database: kExisting and kRead need one with its tables") {
  test_support::TempDirectory directory;
  const auto database = test_support::fresh_test_database(directory.path());
  for (const StoreAccess access : {StoreAccess::kExisting, StoreAccess::kRead}) {
    StoreOptions options;
    options.access = access;
    auto store = open_store(database, options);
    REQUIRE_FALSE(store.ok());
    CHECK(test_support::contains(store.error().message, "no database at "));
  }
  // Nothing was made by trying: still no database.
  if (!test_support::testing_postgresql()) CHECK_FALSE(std::filesystem::exists(database));
  StoreOptions existing;
  existing.access = StoreAccess::kExisting;
  CHECK_FALSE(open_store(database, existing).ok());
  {
    auto store = open(database, StoreAccess::kCreate);
    REQUIRE(store->ensure_company("acme").ok());
  }
  auto reader = open(database, StoreAccess::kRead);
  auto companies = reader->list_companies();
  REQUIRE(companies.ok());
  CHECK(companies->size() == 1);
}

TEST_CASE("describe_database never shows a PostgreSQL password") {
  CHECK(describe_database("people.db") == "people.db");
  CHECK(describe_database("postgresql://importer:s3cret@db.example.com:5432/people") ==
        "postgresql://importer:***@db.example.com:5432/people");
  CHECK(describe_database("postgres://importer@db/people?password=s3cret&sslmode=require") ==
        "postgres://importer@db/people?password=***&sslmode=require");
  CHECK(describe_database("postgresql:///people?host=/run/pg") ==
        "postgresql:///people?host=/run/pg");
  CHECK(describe_database("postgresql://a:b@c@host/db") == "postgresql://a:***@host/db");
}
