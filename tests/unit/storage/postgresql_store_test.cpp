// What only the PostgreSQL store has: several connections (processes) on one database, person
// id blocks, advisory locks, concurrent migrations, lost connections. Each test does nothing in
// the SQLite run (PERSON_IMPORT_TEST_BACKEND unset).
#include <algorithm>
#include <chrono>
#include <future>
#include <set>
#include <thread>

#include <catch2/catch.hpp>

#include "core/storage/store.h"
#include "tests/support/test_database.h"
#include "tests/support/test_support.h"

using namespace person_import;
using namespace std::chrono_literals;

namespace {

#define PG_ONLY()                                                  \
  if (!test_support::testing_postgresql()) {                       \
    SUCCEED("PostgreSQL only (PERSON_IMPORT_TEST_BACKEND unset)"); \
    return;                                                        \
  }

std::unique_ptr<Store> open(const std::string& spec) {
  auto store = open_store(spec);
  REQUIRE(store.ok());
  return std::move(store).value();
}

// One value from psql (-At: unaligned, no header).
std::string psql_value(const std::string& spec, const std::string& sql) {
  auto result = test_support::run_command("psql -X -At -v ON_ERROR_STOP=1 " +
                                          test_support::shell_quote(spec) + " -c " +
                                          test_support::shell_quote(sql));
  REQUIRE(result.exit_code == 0);
  std::string out = result.out;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

JobStart job_start(const std::string& file) {
  JobStart start;
  start.file = file;
  start.source_path = "/queue/" + file;
  return start;
}

PersonRecord person(PersonId id, const std::string& external) {
  PersonRecord record;
  record.person_id = id;
  record.person_key = "k-" + external;
  record.external_person_id = external;
  record.created_at = record.updated_at = "2026-01-01T00:00:00.000Z";
  return record;
}

// One batch creating one person per external id; the checkpoint moves to `rows`.
Status write_persons(ImportSession& session, const std::vector<std::string>& externals,
                     std::uint64_t rows, std::vector<PersonId>* ids = nullptr) {
  auto snapshot = session.load_persons({});
  if (!snapshot.ok()) return snapshot.error();
  BatchChanges changes;
  for (const auto& external : externals) {
    auto id = session.allocate_person_id();
    if (!id.ok()) return id.error();
    if (ids) ids->push_back(*id);
    changes.created.push_back(person(*id, external));
  }
  changes.checkpoint.counts = {rows, rows, 0, 0, 0};
  changes.checkpoint.next_offset = rows * 10;
  changes.checkpoint.next_line = rows + 2;
  return session.write_batch(changes);
}

std::vector<PersonId> person_ids(Store& store, CompanyId company) {
  std::vector<PersonId> ids;
  REQUIRE(store
              .for_each_person(company,
                               [&](const PersonRecord& p) {
                                 ids.push_back(p.person_id);
                                 return true;
                               })
              .ok());
  return ids;
}

}  // namespace

TEST_CASE("person ids from two connections at once are unique, and increase in each session",
          "[postgresql]") {
  PG_ONLY();
  test_support::TempDirectory directory;
  const auto spec = test_support::fresh_test_database(directory.path());
  auto first = open(spec);
  auto second = open(spec);
  const Company acme = first->ensure_company("acme").value();
  const Company other = second->ensure_company("other").value();

  // Interleaved by hand: both sessions hold a reserved block at once.
  {
    auto a = first->begin_import(acme, job_start("a.persons"));
    auto b = second->begin_import(other, job_start("b.persons"));
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    std::vector<PersonId> a_ids, b_ids;
    REQUIRE((*a)->load_persons({}).ok());
    REQUIRE((*b)->load_persons({}).ok());
    for (int i = 0; i < 3; ++i) {
      a_ids.push_back((*a)->allocate_person_id().value());
      b_ids.push_back((*b)->allocate_person_id().value());
    }
    CHECK(a_ids == std::vector<PersonId>{1, 2, 3});  // a fresh database starts at 1
    std::set<PersonId> all(a_ids.begin(), a_ids.end());
    all.insert(b_ids.begin(), b_ids.end());
    CHECK(all.size() == 6);
    CHECK(std::is_sorted(b_ids.begin(), b_ids.end()));
    REQUIRE((*a)->finish(JobEnd{}).ok());
    REQUIRE((*b)->finish(JobEnd{}).ok());
  }

  // Then two threads, many batches each, on their own connections and companies.
  constexpr int kBatches = 20;
  auto run = [&](Store& store, const Company& company, const std::string& prefix) {
    std::vector<PersonId> ids;
    auto session = store.begin_import(company, job_start(prefix + ".persons"));
    if (!session.ok()) return ids;
    for (int batch = 0; batch < kBatches; ++batch) {
      std::vector<std::string> externals;
      for (int i = 0; i <= batch % 7; ++i) {
        externals.push_back(prefix + "-" + std::to_string(batch) + "-" + std::to_string(i));
      }
      if (!write_persons(**session, externals, static_cast<std::uint64_t>(batch + 1), &ids).ok()) {
        return std::vector<PersonId>{};
      }
    }
    (void)(*session)->finish(JobEnd{});
    return ids;
  };
  auto a_future = std::async(std::launch::async, [&] { return run(*first, acme, "a"); });
  auto b_future = std::async(std::launch::async, [&] { return run(*second, other, "b"); });
  const auto a_ids = a_future.get();
  const auto b_ids = b_future.get();
  REQUIRE_FALSE(a_ids.empty());
  REQUIRE_FALSE(b_ids.empty());
  CHECK(std::is_sorted(a_ids.begin(), a_ids.end()));
  CHECK(std::adjacent_find(a_ids.begin(), a_ids.end()) == a_ids.end());
  CHECK(std::is_sorted(b_ids.begin(), b_ids.end()));
  CHECK(std::adjacent_find(b_ids.begin(), b_ids.end()) == b_ids.end());
  std::set<PersonId> all(a_ids.begin(), a_ids.end());
  all.insert(b_ids.begin(), b_ids.end());
  CHECK(all.size() == a_ids.size() + b_ids.size());
  CHECK(psql_value(spec, "SELECT count(DISTINCT person_id) = count(*) FROM persons") == "t");

  // Alone again, a session continues right after the highest id given out: the unused rest
  // of every block went back.
  const PersonId highest = std::max(a_ids.back(), b_ids.back());
  auto session = first->begin_import(acme, job_start("c.persons"));
  REQUIRE(session.ok());
  std::vector<PersonId> next;
  REQUIRE(write_persons(**session, {"c-1"}, 1, &next).ok());
  CHECK(next == std::vector<PersonId>{highest + 1});
  REQUIRE((*session)->finish(JobEnd{}).ok());
}

TEST_CASE("imports of one company wait for each other, other companies' imports do not",
          "[postgresql]") {
  PG_ONLY();
  test_support::TempDirectory directory;
  const auto spec = test_support::fresh_test_database(directory.path());
  auto first = open(spec);
  auto second = open(spec);
  auto third = open(spec);
  const Company acme = first->ensure_company("acme").value();
  const Company other = first->ensure_company("other").value();

  auto running = first->begin_import(acme, job_start("a.persons"));
  REQUIRE(running.ok());
  REQUIRE(write_persons(**running, {"c-1"}, 1).ok());

  auto waiting = std::async(std::launch::async, [&] {
    auto session = second->begin_import(acme, job_start("b.persons"));
    if (!session.ok()) return false;
    // It starts only after the first import ended, and sees what it wrote.
    auto snapshot = (*session)->load_persons({{}, {}, {"c-1", "c-2"}, {}, {}});
    const bool sees = snapshot.ok() && snapshot->persons.size() == 2;
    return (*session)->finish(JobEnd{}).ok() && sees;
  });
  CHECK(waiting.wait_for(500ms) == std::future_status::timeout);

  // Another company is not held up.
  auto parallel = std::async(std::launch::async, [&] {
    auto session = third->begin_import(other, job_start("o.persons"));
    return session.ok() && write_persons(**session, {"o-1"}, 1).ok() &&
           (*session)->finish(JobEnd{}).ok();
  });
  REQUIRE(parallel.wait_for(10s) == std::future_status::ready);
  CHECK(parallel.get());
  CHECK(waiting.wait_for(0ms) == std::future_status::timeout);

  REQUIRE(write_persons(**running, {"c-2"}, 2).ok());
  REQUIRE((*running)->finish(JobEnd{}).ok());
  REQUIRE(waiting.wait_for(10s) == std::future_status::ready);
  CHECK(waiting.get());
}

TEST_CASE("migrations applied by several starters at once run once", "[postgresql]") {
  PG_ONLY();
  test_support::TempDirectory directory;
  const auto spec = test_support::fresh_test_database(directory.path());
  std::vector<std::future<bool>> starters;
  for (int i = 0; i < 4; ++i) {
    starters.push_back(std::async(std::launch::async, [&] {
      auto store = open_store(spec);
      return store.ok() && (*store)->ensure_company("acme").ok();
    }));
  }
  for (auto& starter : starters) CHECK(starter.get());
  auto again = open(spec);  // and once more, when there is nothing left to do
  auto companies = again->list_companies();
  REQUIRE(companies.ok());
  CHECK(companies->size() == 1);
  CHECK(
      psql_value(spec,
                 "SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_migrations") ==
      "1,2");
}

TEST_CASE(
    "a connection lost mid-batch is a transient error; the batch is not applied and the "
    "job resumes from its checkpoint",
    "[postgresql]") {
  PG_ONLY();
  test_support::TempDirectory directory;
  const auto spec = test_support::fresh_test_database(directory.path());
  auto store = open(spec);
  const Company acme = store->ensure_company("acme").value();
  auto session = store->begin_import(acme, job_start("a.persons"));
  REQUIRE(session.ok());
  const JobId job = (*session)->job_id();
  REQUIRE(write_persons(**session, {"c-1"}, 1).ok());

  // The second batch is loaded, then its connection is terminated before it writes.
  REQUIRE((*session)->load_persons({}).ok());
  auto id = (*session)->allocate_person_id();
  REQUIRE(id.ok());
  CHECK(psql_value(spec,
                   "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname "
                   "= current_database() AND application_name = 'person-import'") == "1");
  BatchChanges changes;
  changes.created = {person(*id, "c-2")};
  changes.checkpoint.counts = {2, 2, 0, 0, 0};
  changes.checkpoint.next_offset = 20;
  auto written = (*session)->write_batch(changes);
  REQUIRE_FALSE(written.ok());
  CHECK(written.error().transient);
  // The store is unusable from then on, and says so the same way.
  auto after = store->list_companies();
  REQUIRE_FALSE(after.ok());
  CHECK(after.error().transient);
  auto finished = (*session)->finish(JobEnd{});
  REQUIRE_FALSE(finished.ok());
  CHECK(finished.error().transient);
  session->reset();
  store.reset();

  // A new store sees the first batch only, and continues the job from its checkpoint (the
  // lost connection released the company lock).
  auto fresh = open(spec);
  auto found = fresh->find_job(acme.id, job);
  REQUIRE(found.ok());
  REQUIRE(found->has_value());
  CHECK((*found)->status == JobStatus::kRunning);
  CHECK((*found)->checkpoint.counts.rows == 1);
  CHECK((*found)->checkpoint.next_offset == 10);
  CHECK(person_ids(*fresh, acme.id).size() == 1);
  auto resumed = fresh->resume_import(acme, job);
  REQUIRE(resumed.ok());
  REQUIRE(write_persons(**resumed, {"c-2"}, 2).ok());
  REQUIRE((*resumed)->finish(JobEnd{JobStatus::kCompleted, {2, 2, 0, 0, 0}, {}, {}}).ok());
  CHECK(person_ids(*fresh, acme.id).size() == 2);
  auto done = fresh->find_job(acme.id, job);
  REQUIRE(done.ok());
  CHECK((*done)->status == JobStatus::kCompleted);
}

TEST_CASE("stored values read back byte for byte", "[postgresql]") {
  PG_ONLY();
  test_support::TempDirectory directory;
  auto store = open(test_support::fresh_test_database(directory.path()));
  const Company acme = store->ensure_company("acme").value();
  auto session = store->begin_import(acme, job_start("a.persons"));
  REQUIRE(session.ok());
  REQUIRE((*session)->load_persons({}).ok());
  PersonRecord record = person((*session)->allocate_person_id().value(), "tab\there \"q\" \\ é 😀");
  record.mdn = "+13125550101";
  record.custom_fields = nlohmann::json::parse(
      R"({"big":1e+20,"half":3.5,"int":3,"list":["b","a"],"text":"line\nnext\u0001"})");
  record.created_at = "2026-11-28T11:28:39.123Z";
  record.updated_at = "2026-11-28T11:28:40.000Z";
  BatchChanges changes;
  changes.created = {record};
  changes.devices = {{"dev\\1", record.person_id}, {"dev 0", record.person_id}};
  changes.row_errors = {RowErrorRecord{3, 2, "C", "multi\nline", "f\t", std::nullopt, true}};
  REQUIRE((*session)->write_batch(changes).ok());
  REQUIRE((*session)->finish(JobEnd{}).ok());
  auto found = store->find_person(
      acme.id, {PersonSelector::Kind::kExternalPersonId, *record.external_person_id});
  REQUIRE(found.ok());
  REQUIRE(found->has_value());
  const PersonRecord& back = **found;
  CHECK(back.custom_fields.dump() == record.custom_fields.dump());
  CHECK(back.created_at == record.created_at);
  CHECK(back.updated_at == record.updated_at);
  CHECK(back.device_ids == std::vector<std::string>{"dev 0", "dev\\1"});
  std::vector<RowErrorRecord> errors;
  REQUIRE(store
              ->for_each_job_row_error(acme.id, (*session)->job_id(),
                                       [&](const RowErrorRecord& e) {
                                         errors.push_back(e);
                                         return true;
                                       })
              .ok());
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].message == "multi\nline");
  CHECK(errors[0].field == "f\t");
  CHECK_FALSE(errors[0].value.has_value());
  CHECK(errors[0].retryable);
}
