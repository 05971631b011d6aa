// What the daemon tells its users: the manifest an ops person reads at any size, the
// created-persons file a client's developer keeps, log lines fit for journald or a log
// collector, and one daemon per state folder.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "tests/support/daemon_fixture.h"
#include "tests/support/test_support.h"

using test_support::contains;
using test_support::DropRoot;
using test_support::read_file;
using test_support::run_command;
using test_support::shell_quote;
using test_support::wait_until;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  return lines;
}

// `rows` rows creating persons m-<n>, each with an mdn that is no number: every row fails.
std::string failing_file(std::size_t rows) {
  std::string text = "external_person_id,mdn\n";
  for (std::size_t row = 1; row <= rows; ++row) text += "m-" + std::to_string(row) + ",x\n";
  return text;
}

// The first log line containing `part` (empty when none).
std::string log_line(const DropRoot& drops, const std::string& part) {
  for (const auto& line : lines_of(read_file(drops.log))) {
    if (contains(line, part)) return line;
  }
  return "";
}

}  // namespace

TEST_CASE("daemon: the manifest of 100,000 failing rows stays under 64 KB and counts them all",
          "[database]") {
  constexpr std::size_t kRows = 100000;
  DropRoot drops;
  drops.add_company("acme");
  drops.start();
  drops.move_in("acme", "bad-mdns.persons", failing_file(kRows));
  const auto manifest = drops.wait_for_result("acme", "bad-mdns.persons", 600s);
  const fs::path path = drops.outbox("acme") / "bad-mdns.persons.result.json";
  INFO("manifest size: " << fs::file_size(path));
  CHECK(fs::file_size(path) < 64 * 1024);

  CHECK(manifest["schema_version"] == 1);
  CHECK(manifest["job_id"].is_number_integer());
  CHECK(manifest["failed"] == kRows);
  CHECK(manifest["row_errors_total"] == kRows);
  CHECK(manifest["row_errors_omitted"] == kRows - 100);
  REQUIRE(manifest["row_errors"].size() == 100);  // manifest_max_row_errors' default
  CHECK(manifest["row_errors"][0]["line"] == 2);
  CHECK(manifest["row_errors"][99]["row"] == 100);
  CHECK(
      manifest["error_summary"]["by_class"] ==
      nlohmann::json::parse(R"([{"class":"MobilePhoneErrors::InvalidMDNFormat","count":100000}])"));
  CHECK(manifest["error_summary"]["by_class_and_field"] ==
        nlohmann::json::parse(
            R"([{"class":"MobilePhoneErrors::InvalidMDNFormat","field":"mdn","count":100000}])"));
  CHECK(manifest["result_files"]["errors"] == "bad-mdns.persons.errors.csv");
  CHECK(manifest["result_files"]["failed_rows"] == "bad-mdns.persons.failed.persons");
  CHECK(manifest["result_files"]["created"].is_null());
  // Times in the order things happened; the errors CSV has every error.
  const std::string received = manifest["received_at"];
  const std::string started = manifest["started_at"];
  const std::string finished = manifest["finished_at"];
  CHECK(received <= started);
  CHECK(started <= finished);
  const std::string errors =
      read_file((drops.outbox("acme") / "bad-mdns.persons.errors.csv").string());
  CHECK(std::count(errors.begin(), errors.end(), '\n') == kRows + 1);
  // The command line's report keeps the full list.
  const std::string file = drops.directory.file("again.persons");
  test_support::write_file(file, failing_file(kRows));
  auto report = drops.cli("--company acme import --json " + shell_quote(file));
  CHECK(report.exit_code == 3);
  CHECK(nlohmann::json::parse(report.out)["row_errors"].size() == kRows);
}

TEST_CASE("daemon: manifest_max_row_errors sets how many errors the manifest lists", "[database]") {
  DropRoot drops("manifest_max_row_errors = 3\n");
  drops.add_company("acme");
  drops.start();
  drops.move_in("acme", "few.persons", failing_file(10));
  const auto manifest = drops.wait_for_result("acme", "few.persons");
  CHECK(manifest["row_errors"].size() == 3);
  CHECK(manifest["row_errors_omitted"] == 7);
  CHECK(manifest["row_errors_total"] == 10);
}

TEST_CASE("daemon: the created-persons file gives each created person's row, line, ids",
          "[database]") {
  DropRoot drops;
  drops.add_company("acme");
  drops.start();
  drops.move_in("acme", "first.persons", "external_person_id\nc-1\n");
  REQUIRE(drops.wait_for_result("acme", "first.persons")["created"] == 1);
  drops.move_in("acme", "weekly.persons", "external_person_id\nc-1\nc-2\n\nc-3\n");
  const auto manifest = drops.wait_for_result("acme", "weekly.persons");
  CHECK(manifest["created"] == 2);
  CHECK(manifest["result_files"]["created"] == "weekly.persons.created.csv");
  std::map<std::string, nlohmann::json> persons;
  for (const auto& line : lines_of(drops.export_persons("acme"))) {
    auto person = nlohmann::json::parse(line);
    persons[person["external_person_id"]] = person;
  }
  const std::string created =
      read_file((drops.outbox("acme") / "weekly.persons.created.csv").string());
  CHECK(created ==
        "row,line,person_id,person_key,external_person_id\n"
        "2,3," +
            persons["c-2"]["person_id"].dump() + "," +
            persons["c-2"]["person_key"].get<std::string>() + ",c-2\n" + "3,5," +
            persons["c-3"]["person_id"].dump() + "," +
            persons["c-3"]["person_key"].get<std::string>() + ",c-3\n");
  // A later upload of the name that creates no one replaces the results: no created file.
  fs::remove(drops.outbox("acme") / "weekly.persons.result.json");
  drops.move_in("acme", "weekly.persons", "external_person_id\nc-1\n");
  CHECK(drops.wait_for_result("acme", "weekly.persons")["result_files"]["created"].is_null());
  CHECK_FALSE(fs::exists(drops.outbox("acme") / "weekly.persons.created.csv"));
}

TEST_CASE("daemon: under journald each line starts with its priority, without a timestamp",
          "[database]") {
  DropRoot drops;
  drops.add_company("acme");
  REQUIRE(drops.cli("--company acme fields add tier --type string").exit_code == 0);
  drops.start(2, /*journald=*/true);
  drops.move_in("acme", "good.persons", "external_person_id\nc-1\n");
  drops.wait_for_result("acme", "good.persons");
  drops.move_in("acme", "rows.persons", "person_id\n99\n");
  drops.wait_for_result("acme", "rows.persons");
  drops.move_in("acme", "bad.persons", "first_name\nAnn\n");
  drops.wait_for_result("acme", "bad.persons");
  REQUIRE(drops.stop(SIGTERM, 10s) == 0);
  const auto lines = lines_of(read_file(drops.log));
  REQUIRE_FALSE(lines.empty());
  const std::regex prefixed("<[3467]>[^<].*");
  const std::regex timestamp(".*[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}.*");
  for (const auto& line : lines) {
    INFO(line);
    CHECK(std::regex_match(line, prefixed));
    // Only a manifest's own times could look like one; no line carries one of its own.
    if (!contains(line, "received")) CHECK_FALSE(std::regex_match(line.substr(0, 40), timestamp));
  }
  CHECK(log_line(drops, "acme/good.persons: job ").rfind("<6>acme/good.persons: job ", 0) == 0);
  CHECK(log_line(drops, "acme/rows.persons: job ")
            .rfind("<4>acme/rows.persons: job 2 completed with 1 failed row(s) in ", 0) == 0);
  CHECK(log_line(drops, "acme/bad.persons: job ")
            .rfind("<3>acme/bad.persons: job 3 rejected in ", 0) == 0);
}

TEST_CASE("daemon: text lines start with a UTC ISO 8601 time, log_format json is JSON lines",
          "[database]") {
  DropRoot drops;
  drops.add_company("acme");
  drops.start();
  drops.move_in("acme", "rows.persons", "person_id\n99\n");
  drops.wait_for_result("acme", "rows.persons");
  REQUIRE(drops.stop(SIGTERM, 10s) == 0);
  const std::regex text_line(
      "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z "
      "\\[(trace|debug|info|warning|error)\\] .+");
  for (const auto& line : lines_of(read_file(drops.log))) {
    INFO(line);
    CHECK(std::regex_match(line, text_line));
  }
  CHECK(contains(log_line(drops, "acme/rows.persons: job 1 completed"), "Z [warning] acme/"));

  fs::remove(drops.log);
  drops.write_config("log_format = \"json\"\n");
  drops.start();
  drops.move_in("acme", "bad.persons", "first_name\nAnn\n");
  drops.wait_for_result("acme", "bad.persons");
  REQUIRE(drops.stop(SIGTERM, 10s) == 0);
  bool rejected_seen = false;
  for (const auto& line : lines_of(read_file(drops.log))) {
    INFO(line);
    const auto object = nlohmann::json::parse(line);
    REQUIRE(object.is_object());
    CHECK(object.size() == 3);
    CHECK(object["time"].is_string());
    CHECK(object["level"].is_string());
    if (contains(object["message"].get<std::string>(), "acme/bad.persons: job 2 rejected")) {
      rejected_seen = true;
      CHECK(object["level"] == "error");
    }
  }
  CHECK(rejected_seen);
}

TEST_CASE("daemon: a long import logs its progress every progress_log_interval", "[database]") {
  DropRoot drops("batch_rows = 20\nprogress_log_interval = \"1ms\"\n");
  drops.add_company("acme");
  drops.start();
  std::string text = "external_person_id\n";
  for (int row = 1; row <= 2000; ++row) text += "p-" + std::to_string(row) + "\n";
  drops.move_in("acme", "long.persons", text);
  drops.wait_for_result("acme", "long.persons", 600s);
  const std::regex progress(
      ".*\\[info\\] acme/long\\.persons: importing: [0-9]+ rows done, [0-9]+ rows/s, "
      "[0-9]+\\.[0-9]% of the file read");
  int seen = 0;
  for (const auto& line : lines_of(read_file(drops.log))) {
    if (std::regex_match(line, progress)) ++seen;
  }
  CHECK(seen >= 1);
}

TEST_CASE("daemon: names and values from clients are escaped in log lines", "[database]") {
  DropRoot drops;
  drops.add_company("acme");
  drops.start();
  const std::string name = "evil\x1b[2J\rname\x07.persons";
  drops.move_in("acme", name, "external_person_id\nc-1\n");
  drops.wait_for_result("acme", name);
  REQUIRE(drops.stop(SIGTERM, 10s) == 0);
  const std::string log = read_file(drops.log);
  CHECK(log.find('\x1b') == std::string::npos);
  CHECK(log.find('\r') == std::string::npos);
  CHECK(log.find('\x07') == std::string::npos);
  CHECK(contains(log, "acme/evil\\x1b[2J\\rname\\x07.persons: job 1 completed"));
}

TEST_CASE("daemon: a second daemon on the same state_dir exits 1 at once, naming the first",
          "[database]") {
  DropRoot drops;
  drops.start();
  // Bounded: a second daemon that did start would run until killed.
  auto second = run_command(
      "timeout 30 " + test_support::person_import_command(
                          drops.database, "daemon --config " + shell_quote(drops.config) +
                                              " --drop-root " + shell_quote(drops.root.string())));
  CHECK(second.exit_code == 1);
  CHECK(contains(second.err, "cannot start: state_dir " + (drops.root / ".person-import").string() +
                                 " is in use by pid " + std::to_string(drops.pid)));
  // The first one serves on, undisturbed.
  drops.add_company("acme");
  drops.move_in("acme", "still.persons", "external_person_id\nc-1\n");
  CHECK(drops.wait_for_result("acme", "still.persons")["status"] == "completed");
}

TEST_CASE(
    "regression: kill -9 while results are written - the daemon removes stale temporaries at "
    "start-up",
    "[database]") {
  DropRoot drops;
  drops.add_company("acme");
  fs::create_directories(drops.outbox("acme"));
  // What a daemon killed while writing leaves: a pid no process has (above any pid_max).
  const fs::path stale = drops.outbox("acme") / ".big.persons.errors.csv.tmp-2147483647";
  const fs::path stale_long = drops.outbox("acme") / ".tmp-0123456789abcdef-2147483647";
  const fs::path kept = drops.outbox("acme") / "notes.txt";
  {
    std::ofstream out(stale, std::ios::binary);
    const std::string chunk(1 << 20, 'x');
    for (int megabyte = 0; megabyte < 8; ++megabyte) out << chunk;
  }
  test_support::write_file(stale_long.string(), "x");
  test_support::write_file(kept.string(), "the client's own file");
  drops.start();
  CHECK_FALSE(fs::exists(stale));
  CHECK_FALSE(fs::exists(stale_long));
  CHECK(fs::exists(kept));
  CHECK(contains(read_file(drops.log),
                 "removed 2 temporary file(s) left by a process that no "
                 "longer runs"));
}
