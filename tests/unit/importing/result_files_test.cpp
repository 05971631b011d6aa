// Result files written aside and renamed into place (core/importing/result_files.h): their
// temporary names, the clean-up of temporaries a killed process left, and sets of files that
// appear together or not at all.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <climits>
#include <filesystem>
#include <set>

#include "core/importing/result_files.h"
#include "tests/support/test_support.h"

using namespace person_import;
namespace fs = std::filesystem;

namespace {

// A pid above any kernel's pid_max (4,194,304): no process has it.
constexpr pid_t kNoSuchProcess = 2147483647;

std::set<std::string> names_in(const fs::path& directory) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(directory)) {
    names.insert(entry.path().filename().string());
  }
  return names;
}

Status write_text(std::ostream& out, const std::string& text) {
  out << text;
  return {};
}

}  // namespace

TEST_CASE("a temporary name is the hidden final name with the writer's pid") {
  CHECK(temporary_name("weekly.persons.result.json", 4242) ==
        ".weekly.persons.result.json.tmp-4242");
  CHECK(temporary_writer(".weekly.persons.result.json.tmp-4242") == pid_t{4242});
}

TEST_CASE("regression: long file names lose results - a temporary name never passes NAME_MAX") {
  for (const std::size_t length : {230u, 231u, 239u, 240u, 243u, 255u}) {
    const std::string name = std::string(length - 12, 'n') + ".result.json";
    INFO(length);
    const std::string temporary = temporary_name(name, kNoSuchProcess);
    CHECK(temporary.size() <= NAME_MAX);
    CHECK(temporary_writer(temporary) == kNoSuchProcess);
  }
  // Two long names get two temporaries.
  CHECK(temporary_name(std::string(250, 'a'), 1) != temporary_name(std::string(250, 'b'), 1));
}

TEST_CASE("names that are not temporaries have no writer") {
  for (const char* name :
       {"weekly.persons.result.json", ".weekly.persons", ".x.tmp-", ".x.tmp-abc", "x.tmp-12",
        ".x.tmp-0", ".x.tmp-99999999999", ".tmp-123-45", ".hidden-12"}) {
    INFO(name);
    CHECK_FALSE(temporary_writer(name).has_value());
  }
}

TEST_CASE("regression: kill -9 while results are written - stale temporaries are removed") {
  test_support::TempDirectory directory;
  const fs::path outbox = directory.path();
  const std::string stale = temporary_name("big.persons.errors.csv", kNoSuchProcess);
  const std::string stale_long = temporary_name(std::string(250, 'x'), kNoSuchProcess);
  const std::string ours = temporary_name("mine.persons.result.json", ::getpid());
  const std::string init = temporary_name("init.persons.result.json", 1);
  for (const auto& name : {stale, stale_long, ours, init, std::string("a.persons.result.json"),
                           std::string(".a.persons.tmp-notapid")}) {
    test_support::write_file((outbox / name).string(), "content");
  }
  // A folder is never removed, whatever its name.
  fs::create_directory(outbox / temporary_name("folder", kNoSuchProcess));

  auto removed = remove_stale_temporaries(outbox);
  REQUIRE(removed.ok());
  CHECK(*removed == 2);
  CHECK(names_in(outbox) == std::set<std::string>{ours, init, "a.persons.result.json",
                                                  ".a.persons.tmp-notapid",
                                                  temporary_name("folder", kNoSuchProcess)});
  CHECK_FALSE(remove_stale_temporaries(outbox / "missing").ok());
}

TEST_CASE("staged files appear together when every one was written") {
  test_support::TempDirectory directory;
  const fs::path dir = directory.path();
  StagedFiles staged;
  REQUIRE(staged.stage(dir / "a.errors.csv", [](auto& out) { return write_text(out, "e"); }).ok());
  REQUIRE(staged.stage(dir / "a.result.json", [](auto& out) { return write_text(out, "r"); }).ok());
  // Nothing is in place before commit(): only the hidden temporaries.
  CHECK_FALSE(fs::exists(dir / "a.errors.csv"));
  CHECK(names_in(dir).size() == 2);
  REQUIRE(staged.commit().ok());
  CHECK(names_in(dir) == std::set<std::string>{"a.errors.csv", "a.result.json"});
  CHECK(test_support::read_file((dir / "a.result.json").string()) == "r");
}

TEST_CASE("regression: a full outbox mixes result sets - a failed stage changes nothing") {
  test_support::TempDirectory directory;
  const fs::path dir = directory.path();
  test_support::write_file((dir / "a.result.json").string(), "old result");
  test_support::write_file((dir / "a.failed.persons").string(), "old failed rows");
  {
    StagedFiles staged;
    REQUIRE(staged
                .stage(dir / "a.failed.persons",
                       [](auto& out) { return write_text(out, "new failed rows"); })
                .ok());
    // The errors CSV cannot be written: its temporary's name is taken by a folder (as a full
    // disk fails the write).
    fs::create_directory(dir / temporary_name("a.errors.csv", ::getpid()));
    const Status failed =
        staged.stage(dir / "a.errors.csv", [](auto& out) { return write_text(out, "e"); });
    CHECK_FALSE(failed.ok());
    fs::remove(dir / temporary_name("a.errors.csv", ::getpid()));
    // The caller gives up: the staged failed-rows file is never renamed.
  }
  CHECK(names_in(dir) == std::set<std::string>{"a.result.json", "a.failed.persons"});
  CHECK(test_support::read_file((dir / "a.failed.persons").string()) == "old failed rows");
}

TEST_CASE("a stage whose writer fails passes its error on and leaves no temporary") {
  test_support::TempDirectory directory;
  StagedFiles staged;
  const Status failed = staged.stage(directory.path() / "a.result.json", [](auto&) -> Status {
    return make_transient_error("connection lost");
  });
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.error().transient);
  CHECK(names_in(directory.path()).empty());
}
