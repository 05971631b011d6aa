// ImportRequest::stop_requested, the daemon's SIGTERM drain: an import stops right after a
// committed batch, its job left running at its checkpoint, and resume finishes it.
#include <catch2/catch.hpp>

#include "core/common/clock.h"
#include "core/importing/importer.h"
#include "tests/support/test_support.h"

using namespace person_import;

TEST_CASE("stop_requested stops an import after a batch - resume applies the rest once") {
  test_support::TempDirectory directory;
  auto store = open_store(directory.file("stop.db"));
  REQUIRE(store.ok());
  auto company = (*store)->ensure_company("acme");
  REQUIRE(company.ok());
  const std::string path = directory.file("in.persons");
  std::string text = "external_person_id\n";
  for (int index = 1; index <= 10; ++index) text += "e-" + std::to_string(index) + "\n";
  test_support::write_file(path, text);
  auto carriers = make_builtin_carrier_lookup();
  ImportOptions options;
  options.batch_rows = 3;
  Importer importer(**store, *carriers, system_clock(), options);

  ImportRequest request;
  request.path = path;
  int batches = 0;
  request.stop_requested = [&] { return ++batches == 2; };
  auto stopped = importer.run(*company, request);
  CHECK_FALSE(stopped.ok());
  auto jobs = (*store)->list_jobs(JobQuery::of(company->id));
  REQUIRE(jobs.ok());
  REQUIRE(jobs->size() == 1);
  CHECK(jobs->front().status == JobStatus::kRunning);
  CHECK(jobs->front().checkpoint.counts.rows == 6);

  request.stop_requested = nullptr;
  auto resumed = importer.resume(*company, jobs->front().job_id, request);
  REQUIRE(resumed.ok());
  CHECK(resumed->status == JobStatus::kCompleted);
  CHECK(resumed->counts.rows == 10);
  CHECK(resumed->counts.created == 10);
  std::size_t persons = 0;
  REQUIRE((*store)
              ->for_each_person(company->id,
                                [&](const PersonRecord&) {
                                  ++persons;
                                  return true;
                                })
              .ok());
  CHECK(persons == 10);
}
