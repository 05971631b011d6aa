// Runs one data-driven import case (tests/data/import/<case>/, see README.md there) through the
// built binary and compares the report, export, errors CSV and failed rows with the expected
// files beside the input. The case directory comes from PERSON_IMPORT_CASE; ctest registers one
// test per directory and backend (a SQLite file, or a fresh PostgreSQL database when
// PERSON_IMPORT_TEST_BACKEND=postgresql: tests/support/test_database.h). With
// PERSON_IMPORT_UPDATE_EXPECTED=1 the actual outputs are written as the expected files instead
// (review every change before committing it).
#include <cstdlib>
#include <filesystem>
#include <regex>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/support/test_database.h"
#include "tests/support/test_support.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;
using test_support::read_file;
using test_support::shell_quote;

bool updating() {
  const char* update = std::getenv("PERSON_IMPORT_UPDATE_EXPECTED");
  return update && std::string(update) == "1";
}

std::string trim_trailing_newlines(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

// Values the system makes up (keys, times, job ids) are checked for their form, then replaced
// by placeholders so the rest can be compared exactly.
ordered_json normalize_person(ordered_json person) {
  static const std::regex uuid(
      "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  static const std::regex timestamp(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)");
  const std::string key = person.value("person_key", "");
  CHECK(std::regex_match(key, uuid));
  person["person_key"] = "<person_key>";
  for (const char* name : {"created_at", "updated_at"}) {
    const std::string time = person.value(name, "");
    CHECK(std::regex_match(time, timestamp));
    person[name] = "<timestamp>";
  }
  return person;
}

ordered_json normalize_report(ordered_json report) {
  if (report.contains("job_id") && report["job_id"].is_string()) {
    CHECK(std::regex_match(report["job_id"].get<std::string>(), std::regex("[0-9]+")));
    report["job_id"] = "<job_id>";
  }
  return report;
}

std::string export_text(const std::string& jsonl) {
  std::string normalized;
  std::istringstream lines(jsonl);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    normalized += normalize_person(ordered_json::parse(line)).dump() + "\n";
  }
  return normalized;
}

void compare_or_update(const fs::path& expected_path, const std::string& actual) {
  if (updating()) {
    test_support::write_file(expected_path.string(), actual);
    return;
  }
  INFO("expected file: " << expected_path.string());
  REQUIRE(fs::exists(expected_path));
  CHECK(read_file(expected_path.string()) == actual);
}

}  // namespace

TEST_CASE("import case") {
  const char* case_env = std::getenv("PERSON_IMPORT_CASE");
  REQUIRE(case_env != nullptr);
  const fs::path case_dir(case_env);
  INFO("case: " << case_dir.filename().string());
  test_support::TempDirectory work;
  const std::string database = test_support::fresh_test_database(work.path().string(), "case.db");
  auto run = [&](const std::string& arguments) {
    return test_support::run_command(test_support::person_import_command(database, arguments));
  };

  if (fs::exists(case_dir / "fields.json")) {
    auto loaded = run("fields load " + shell_quote((case_dir / "fields.json").string()));
    INFO(loaded.err);
    REQUIRE(loaded.exit_code == 0);
  }
  if (fs::exists(case_dir / "before.persons")) {
    auto before = run("import " + shell_quote((case_dir / "before.persons").string()));
    INFO(before.err);
    REQUIRE(before.exit_code == 0);
  }
  std::string extra_arguments;
  if (fs::exists(case_dir / "args")) {
    extra_arguments = trim_trailing_newlines(read_file((case_dir / "args").string()));
  }
  const std::string report_path = work.file("report.json");
  const std::string errors_path = work.file("errors.csv");
  const std::string failed_path = work.file("failed.persons");
  auto imported =
      run("import " + shell_quote((case_dir / "input.persons").string()) + " --json --report " +
          shell_quote(report_path) + " --errors " + shell_quote(errors_path) + " --failed " +
          shell_quote(failed_path) + " " + extra_arguments);
  INFO("stderr: " << imported.err);

  // The exit status.
  if (updating()) {
    test_support::write_file((case_dir / "expected_exit").string(),
                             std::to_string(imported.exit_code) + "\n");
  } else {
    REQUIRE(fs::exists(case_dir / "expected_exit"));
    CHECK(imported.exit_code ==
          std::stoi(trim_trailing_newlines(read_file((case_dir / "expected_exit").string()))));
  }

  // The report: printed with --json and written with --report, the same both ways.
  REQUIRE_FALSE(imported.out.empty());
  const auto printed = ordered_json::parse(imported.out);
  CHECK(printed == ordered_json::parse(read_file(report_path)));
  compare_or_update(case_dir / "expected_report.json", normalize_report(printed).dump(2) + "\n");

  // The errors CSV always; the failed rows only when rows failed.
  if (updating() || fs::exists(case_dir / "expected_errors.csv")) {
    compare_or_update(case_dir / "expected_errors.csv", read_file(errors_path));
  }
  if (fs::exists(failed_path)) {
    compare_or_update(case_dir / "expected_failed.persons", read_file(failed_path));
  } else {
    CHECK_FALSE(fs::exists(case_dir / "expected_failed.persons"));
  }

  // The export after the import.
  auto exported = run("persons export --format jsonl");
  INFO(exported.err);
  REQUIRE(exported.exit_code == 0);
  compare_or_update(case_dir / "expected_export.jsonl", export_text(exported.out));
}
