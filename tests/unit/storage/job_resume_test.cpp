// Unfinished jobs and reopening them (Store::list_unfinished_jobs, Store::resume_import), on a
// real database of the backend tests/support/test_database.h selects.
#include <catch2/catch.hpp>

#include "core/storage/store.h"
#include "tests/support/test_database.h"
#include "tests/support/test_support.h"

using namespace person_import;

namespace {

struct Database {
  test_support::TempDirectory directory;
  std::string spec = test_support::fresh_test_database(directory.path());
  std::unique_ptr<Store> store;
  Company acme;
  Company other;

  Database() {
    auto opened = open_store(spec);
    REQUIRE(opened.ok());
    store = std::move(opened).value();
    acme = store->ensure_company("acme").value();
    other = store->ensure_company("other").value();
  }

  std::unique_ptr<ImportSession> begin(const Company& company, const std::string& file) {
    JobStart start;
    start.file = file;
    start.source_path = "/queue/" + file;
    auto session = store->begin_import(company, start);
    REQUIRE(session.ok());
    return std::move(session).value();
  }

  // One batch creating a person with external id `external`, moving the checkpoint to
  // `rows` rows and byte `next_offset`.
  Status write_person(ImportSession& session, const std::string& external, std::uint64_t rows,
                      std::uint64_t next_offset) {
    auto snapshot = session.load_persons({});
    if (!snapshot.ok()) return snapshot.error();
    auto id = session.allocate_person_id();
    if (!id.ok()) return id.error();
    BatchChanges changes;
    PersonRecord person;
    person.person_id = *id;
    person.person_key = "K-" + external;
    person.external_person_id = external;
    person.created_at = person.updated_at = "2026-01-01T00:00:00.000Z";
    changes.created = {person};
    changes.checkpoint.counts = {rows, rows, 0, 0, 0};
    changes.checkpoint.next_offset = next_offset;
    changes.checkpoint.next_line = rows + 2;
    return session.write_batch(changes);
  }

  JobRecord job(const Company& company, JobId id) {
    auto found = store->find_job(company.id, id);
    REQUIRE(found.ok());
    REQUIRE(found->has_value());
    return **found;
  }

  bool has_person(const std::string& external) {
    auto found = store->find_person(acme.id, {PersonSelector::Kind::kExternalPersonId, external});
    REQUIRE(found.ok());
    return found->has_value();
  }
};

}  // namespace

TEST_CASE("list_unfinished_jobs lists every company's running jobs, oldest first") {
  Database database;
  // Another connection, as a restarted daemon would have.
  auto observer = open_store(database.spec);
  REQUIRE(observer.ok());
  auto finished = database.begin(database.acme, "done.persons");
  REQUIRE(finished->finish(JobEnd{}).ok());
  JobId acme_job = 0;
  JobId other_job = 0;
  {
    auto session = database.begin(database.acme, "a.persons");
    acme_job = session->job_id();
    REQUIRE(database.write_person(*session, "c-1", 1, 30).ok());
  }  // dropped without finish: a crash
  {
    auto session = database.begin(database.other, "b.persons");
    other_job = session->job_id();
  }
  {
    JobStart start;
    start.file = "dry.persons";
    start.dry_run = true;
    auto dry_run = database.store->begin_import(database.acme, start);
    REQUIRE(dry_run.ok());
    // A dry run's job is never committed, so no other connection can see it.
    auto unfinished = (*observer)->list_unfinished_jobs();
    REQUIRE(unfinished.ok());
    CHECK(unfinished->size() == 2);
  }

  auto unfinished = database.store->list_unfinished_jobs();
  REQUIRE(unfinished.ok());
  REQUIRE(unfinished->size() == 2);
  CHECK((*unfinished)[0].job_id == acme_job);
  CHECK((*unfinished)[0].company == "acme");
  CHECK((*unfinished)[0].source_path == "/queue/a.persons");
  CHECK((*unfinished)[0].checkpoint.counts.rows == 1);
  CHECK((*unfinished)[0].checkpoint.next_offset == 30);
  CHECK((*unfinished)[0].checkpoint.next_line == 3);
  CHECK((*unfinished)[1].job_id == other_job);
  CHECK((*unfinished)[1].company == "other");
  CHECK((*unfinished)[1].checkpoint.next_offset == 0);
}

TEST_CASE("resume_import continues a running job from its checkpoint") {
  Database database;
  JobId job = 0;
  {
    auto session = database.begin(database.acme, "a.persons");
    job = session->job_id();
    CHECK(session->checkpoint().counts.rows == 0);
    CHECK(session->checkpoint().next_offset == 0);
    REQUIRE(database.write_person(*session, "c-1", 1, 30).ok());
    CHECK(session->checkpoint().next_offset == 30);
    REQUIRE(session->load_persons({}).ok());  // the next batch dies with the process
  }
  auto resumed = database.store->resume_import(database.acme, job);
  REQUIRE(resumed.ok());
  auto& session = **resumed;
  CHECK(session.job_id() == job);
  CHECK(session.checkpoint().counts.rows == 1);
  CHECK(session.checkpoint().counts.created == 1);
  CHECK(session.checkpoint().next_offset == 30);
  CHECK(session.checkpoint().next_line == 3);
  REQUIRE(database.write_person(session, "c-2", 2, 40).ok());
  REQUIRE(session.finish(JobEnd{JobStatus::kCompleted, {2, 2, 0, 0, 0}, {}, {}}).ok());
  auto finished = database.job(database.acme, job);
  CHECK(finished.status == JobStatus::kCompleted);
  CHECK(finished.counts.rows == 2);
  CHECK(finished.checkpoint.next_offset == 40);
  CHECK(database.has_person("c-2"));
  auto unfinished = database.store->list_unfinished_jobs();
  REQUIRE(unfinished.ok());
  CHECK(unfinished->empty());
}

TEST_CASE("resume_import refuses finished jobs, unknown jobs and other companies' jobs") {
  Database database;
  auto running = database.begin(database.acme, "a.persons");
  const JobId running_job = running->job_id();
  running.reset();
  auto done = database.begin(database.acme, "b.persons");
  const JobId done_job = done->job_id();
  REQUIRE(done->finish(JobEnd{JobStatus::kFailed, {}, {}, {}}).ok());

  auto finished = database.store->resume_import(database.acme, done_job);
  REQUIRE_FALSE(finished.ok());
  CHECK(finished.error().message ==
        "job " + std::to_string(done_job) + " is failed: only a running job can be resumed");
  auto elsewhere = database.store->resume_import(database.other, running_job);
  REQUIRE_FALSE(elsewhere.ok());
  CHECK(elsewhere.error().message ==
        "job " + std::to_string(running_job) + " not found for company other");
  auto unknown = database.store->resume_import(database.acme, 999);
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().message == "job 999 not found for company acme");
  CHECK(database.job(database.acme, running_job).status == JobStatus::kRunning);
  CHECK(database.job(database.acme, done_job).status == JobStatus::kFailed);
}

TEST_CASE("of two sessions on one job, only the first to write a batch applies it") {
  // A stale process and its replacement both continue the job from the same checkpoint.
  Database database;
  auto stale = database.begin(database.acme, "a.persons");
  const JobId job = stale->job_id();
  REQUIRE(database.write_person(*stale, "c-1", 1, 30).ok());
  auto replacement = database.store->resume_import(database.acme, job);
  REQUIRE(replacement.ok());

  REQUIRE(database.write_person(**replacement, "c-2", 2, 40).ok());
  auto late = database.write_person(*stale, "c-2-again", 2, 40);
  REQUIRE_FALSE(late.ok());
  CHECK(late.error().message.find("another session") != std::string::npos);
  CHECK_FALSE(database.has_person("c-2-again"));  // the late batch rolled back whole
  // Nor can the stale session end the job.
  CHECK_FALSE(stale->finish(JobEnd{JobStatus::kFailed, {1, 1, 0, 0, 0}, {}, {}}).ok());
  CHECK(database.job(database.acme, job).status == JobStatus::kRunning);

  REQUIRE((*replacement)->finish(JobEnd{JobStatus::kCompleted, {2, 2, 0, 0, 0}, {}, {}}).ok());
  auto finished = database.job(database.acme, job);
  CHECK(finished.status == JobStatus::kCompleted);
  CHECK(finished.counts.rows == 2);
  // A session on a job that has ended can write nothing more to it.
  CHECK_FALSE(database.write_person(*stale, "c-3", 2, 50).ok());
  CHECK_FALSE(database.has_person("c-3"));
}
