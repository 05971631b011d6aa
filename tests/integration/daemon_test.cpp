// `person-import daemon`, driven as an administrator and clients would: the real binary on a
// temporary drop root, files dropped by cp, mv and slow writes, SIGTERM, kill -9 and restarts.
// Every wait is bounded.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "tests/support/daemon_fixture.h"
#include "tests/support/postgres_connections.h"
#include "tests/support/test_database.h"
#include "tests/support/test_support.h"

using test_support::read_file;
using test_support::run_command;
using test_support::shell_quote;
using test_support::TempDirectory;
using test_support::write_file;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

using test_support::contains;
using test_support::DropRoot;
using test_support::wait_until;

std::string sha256sum(const std::string& path) {
  auto result = run_command("sha256sum " + shell_quote(path));
  return result.out.substr(0, 64);
}

// `rows` data rows creating persons e-<first>..; every `bad_every`th row has a bad mdn.
std::string persons_file(std::size_t rows, std::size_t first = 1, std::size_t bad_every = 0,
                         const std::string& tier = "gold") {
  std::string text = "external_person_id,mdn,tier\n";
  for (std::size_t index = first; index < first + rows; ++index) {
    text += "e-" + std::to_string(index) + ",";
    if (bad_every != 0 && index % bad_every == 0) {
      text += "not-a-number";
    } else {
      text += "+1312" + std::to_string(2000000 + index);
    }
    text += "," + tier + "\n";
  }
  return text;
}

// The export without what differs between two runs (keys, timestamps), one line per person.
std::string comparable_export(const std::string& jsonl) {
  std::istringstream lines(jsonl);
  std::string line;
  std::string out;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    auto person = nlohmann::json::parse(line);
    person.erase("person_key");
    person.erase("created_at");
    person.erase("updated_at");
    out += person.dump() + "\n";
  }
  return out;
}

// The uninterrupted import of `text` as `large.persons` for company acme (with a string field
// `tier`), by the command line into a database of its own: what an interrupted daemon import
// must end up equal to.
class UninterruptedRun {
 public:
  explicit UninterruptedRun(const std::string& text)
      : database_(test_support::fresh_test_database(directory_.path().string(), "reference.db")) {
    const std::string file = directory_.file("large.persons");
    write_file(file, text);
    REQUIRE(cli("--company acme fields add tier --type string").exit_code == 0);
    auto imported = cli("--company acme import --json " + shell_quote(file));
    REQUIRE(imported.exit_code == 3);
    report_ = nlohmann::json::parse(imported.out);
  }

  // After the daemon's import of the same file finished with `result`: the counts, row errors,
  // export (minus keys and timestamps) and failed rows equal this run's, there is one job, the
  // queue is empty, and the daemon stops cleanly.
  void check_same_as(DropRoot& drops, const nlohmann::json& result) const {
    for (const char* key : {"status", "rows", "created", "updated", "failed", "retryable"}) {
      CHECK(result[key] == report_[key]);
    }
    CHECK(result["row_errors"] == report_["row_errors"]);
    CHECK(drops.jobs("acme").size() == 1);
    CHECK(comparable_export(drops.export_persons("acme")) ==
          comparable_export(cli("--company acme persons export").out));
    const std::string failed =
        read_file((drops.outbox("acme") / "large.persons.failed.persons").string());
    CHECK(std::count(failed.begin(), failed.end(), '\n') ==
          1 + report_["failed"].get<std::int64_t>());
    CHECK(wait_until([&] { return fs::is_empty(drops.queue() / "acme"); }, 5s));
    const auto stopped = drops.stop(SIGTERM, 10s);
    INFO(read_file(drops.log));
    REQUIRE(stopped);
    CHECK(*stopped == 0);
  }

 private:
  test_support::CommandResult cli(const std::string& arguments) const {
    return run_command(test_support::person_import_command(database_, arguments));
  }

  // Declared in this order: the directory exists before the database is made in it.
  TempDirectory directory_;
  std::string database_;
  nlohmann::json report_;
};

}  // namespace

TEST_CASE("daemon: uploads by cp, mv and slow writes are imported and get manifests",
          "[database]") {
  DropRoot drops;
  drops.add_company("acme");
  REQUIRE(drops.cli("--company acme fields add tier --type string").exit_code == 0);
  CHECK(fs::is_directory(drops.inbox("acme")));
  CHECK(fs::is_directory(drops.outbox("acme")));
  drops.start();

  // cp: written and closed in the inbox.
  const std::string copied = drops.directory.file("copied.persons");
  write_file(copied, persons_file(3, 1, 2));  // row 2 fails
  REQUIRE(run_command("cp " + shell_quote(copied) + " " + shell_quote(drops.inbox("acme").string()))
              .exit_code == 0);
  // mv: renamed into the inbox.
  const std::string moved = drops.directory.file("moved.persons");
  write_file(moved, persons_file(2, 10));
  const std::string moved_copy = drops.directory.file("moved-copy.persons");
  fs::copy_file(moved, moved_copy);
  fs::rename(moved, drops.inbox("acme") / "moved.persons");
  // Not a .persons name: left alone.
  write_file((drops.inbox("acme") / "notes.txt").string(), "hello\n");
  // Slow chunked writes, the file held open between them (longer than the settle time).
  const std::string slow_text = persons_file(40, 100);
  {
    std::ofstream slow(drops.inbox("acme") / "slow.persons", std::ios::binary);
    for (std::size_t offset = 0; offset < slow_text.size(); offset += 300) {
      slow << slow_text.substr(offset, 300) << std::flush;
      std::this_thread::sleep_for(60ms);
    }
  }

  auto copied_result = drops.wait_for_result("acme", "copied.persons");
  CHECK(copied_result["status"] == "completed");
  CHECK(copied_result["file"] == "copied.persons");
  CHECK(copied_result["company"] == "acme");
  CHECK(copied_result["rows"] == 3);
  CHECK(copied_result["created"] == 2);
  CHECK(copied_result["failed"] == 1);
  CHECK(copied_result["bytes"] == fs::file_size(copied));
  CHECK(copied_result["sha256"] == sha256sum(copied));
  for (const char* key : {"received_at", "started_at", "finished_at"}) {
    CHECK(copied_result[key].is_string());
  }
  CHECK(copied_result["received_at"].get<std::string>() <=
        copied_result["started_at"].get<std::string>());
  CHECK(copied_result["started_at"].get<std::string>() <=
        copied_result["finished_at"].get<std::string>());
  REQUIRE(copied_result["row_errors"].size() == 1);
  CHECK(copied_result["row_errors"][0]["row"] == 2);
  const std::string errors =
      read_file((drops.outbox("acme") / "copied.persons.errors.csv").string());
  CHECK(contains(errors, "line,row,class,message,field,value\n"));
  CHECK(contains(errors, "3,2,MobilePhoneErrors::InvalidMDNFormat"));
  CHECK(read_file((drops.outbox("acme") / "copied.persons.failed.persons").string()) ==
        "external_person_id,mdn,tier\ne-2,not-a-number,gold\n");

  auto moved_result = drops.wait_for_result("acme", "moved.persons");
  CHECK(moved_result["status"] == "completed");
  CHECK(moved_result["created"] == 2);
  CHECK(moved_result["sha256"] == sha256sum(moved_copy));
  CHECK_FALSE(fs::exists(drops.outbox("acme") / "moved.persons.errors.csv"));
  CHECK_FALSE(fs::exists(drops.outbox("acme") / "moved.persons.failed.persons"));

  auto slow_result = drops.wait_for_result("acme", "slow.persons");
  CHECK(slow_result["rows"] == 40);  // never a half-written file
  CHECK(slow_result["created"] == 40);
  CHECK(slow_result["bytes"] == slow_text.size());

  // Picked-up files left the inbox and the queue; the other file stayed.
  CHECK(wait_until([&] { return fs::is_empty(drops.queue() / "acme"); }, 5s));
  CHECK_FALSE(fs::exists(drops.inbox("acme") / "copied.persons"));
  CHECK(fs::exists(drops.inbox("acme") / "notes.txt"));
  CHECK_FALSE(fs::exists(drops.outbox("acme") / "notes.txt.result.json"));
  CHECK(drops.jobs("acme").size() == 3);

  // A later upload under the same name replaces the manifests; both jobs stay in the history.
  write_file(copied, persons_file(3, 1));  // no failures now
  fs::rename(copied, drops.inbox("acme") / "copied.persons");
  CHECK(wait_until(
      [&] {
        return !fs::exists(drops.outbox("acme") / "copied.persons.errors.csv") &&
               drops.jobs("acme").size() == 4;
      },
      10s));
  auto again = drops.wait_for_result("acme", "copied.persons");
  CHECK(wait_until(
      [&] {
        again = nlohmann::json::parse(
            read_file((drops.outbox("acme") / "copied.persons.result.json").string()));
        return again["failed"] == 0;
      },
      5s));
  CHECK(again["updated"] == 2);
  CHECK(again["created"] == 1);
  CHECK_FALSE(fs::exists(drops.outbox("acme") / "copied.persons.failed.persons"));

  const auto stopped = drops.stop(SIGTERM, 10s);
  REQUIRE(stopped);
  CHECK(*stopped == 0);
  CHECK(drops.notify.receive(1s) == "STOPPING=1");
}

TEST_CASE("daemon: one company's files in upload order, companies in parallel", "[database]") {
  DropRoot drops("batch_rows = 500\n");
  drops.add_company("acme");
  drops.add_company("beta");
  for (const char* company : {"acme", "beta"}) {
    REQUIRE(drops.cli(std::string("--company ") + company + " fields add tier --type string")
                .exit_code == 0);
  }
  drops.start(2);
  // A large first file keeps acme busy while the next two queue behind it; each later file
  // updates what the earlier ones created, so only upload order gives the final state.
  drops.move_in("acme", "1-big.persons", persons_file(20000, 1, 0, "gold"));
  drops.move_in("beta", "big.persons", persons_file(20000, 1, 0, "gold"));
  std::this_thread::sleep_for(300ms);
  drops.move_in("acme", "2-update.persons", persons_file(3, 1, 0, "silver"));
  std::this_thread::sleep_for(300ms);
  drops.move_in("acme", "3-update.persons", persons_file(2, 1, 0, "bronze"));

  auto third = drops.wait_for_result("acme", "3-update.persons", 600s);
  auto second = drops.wait_for_result("acme", "2-update.persons");
  auto first = drops.wait_for_result("acme", "1-big.persons");
  auto other = drops.wait_for_result("beta", "big.persons", 600s);
  CHECK(first["created"] == 20000);
  CHECK(second["updated"] == 3);
  CHECK(third["updated"] == 2);
  CHECK(first["finished_at"].get<std::string>() <= second["started_at"].get<std::string>());
  CHECK(second["finished_at"].get<std::string>() <= third["started_at"].get<std::string>());
  // Both large imports ran at the same time.
  CHECK(first["started_at"].get<std::string>() < other["finished_at"].get<std::string>());
  CHECK(other["started_at"].get<std::string>() < first["finished_at"].get<std::string>());

  auto person = [&](const std::string& id) {
    auto found = drops.cli("--company acme persons get --external-id " + id);
    REQUIRE(found.exit_code == 0);
    return nlohmann::json::parse(found.out);
  };
  CHECK(person("e-1")["custom_fields"]["tier"] == "bronze");
  CHECK(person("e-3")["custom_fields"]["tier"] == "silver");
  CHECK(person("e-4")["custom_fields"]["tier"] == "gold");
  const auto stopped = drops.stop(SIGTERM, 10s);
  REQUIRE(stopped);
  CHECK(*stopped == 0);
}

TEST_CASE("daemon: an upload for a company folder made while running creates the company",
          "[database]") {
  DropRoot drops;
  drops.start(1);
  fs::create_directories(drops.inbox("newco"));
  std::this_thread::sleep_for(300ms);  // the watcher serves the new folder
  write_file((drops.inbox("newco") / "first.persons").string(), "external_person_id\nn-1\n");
  auto result = drops.wait_for_result("newco", "first.persons");
  CHECK(result["status"] == "completed");
  CHECK(result["created"] == 1);
  CHECK(contains(drops.export_persons("newco"), "\"n-1\""));
  const auto stopped = drops.stop(SIGINT, 10s);
  REQUIRE(stopped);
  CHECK(*stopped == 0);
}

TEST_CASE("daemon: SIGTERM stops a large import at a batch, exit 0 - the restart finishes it",
          "[database]") {
  DropRoot drops("batch_rows = 1000\n");
  drops.add_company("acme");
  REQUIRE(drops.cli("--company acme fields add tier --type string").exit_code == 0);
  drops.start(1);
  drops.move_in("acme", "large.persons", persons_file(60000, 1, 997));
  const bool running = drops.wait_for_running_job("acme", 1, 20s);
  INFO(read_file(drops.log));
  REQUIRE(running);
  const auto begin = std::chrono::steady_clock::now();
  const auto stopped = drops.stop(SIGTERM, 10s);
  REQUIRE(stopped);
  CHECK(*stopped == 0);
  CHECK(std::chrono::steady_clock::now() - begin < 10s);
  CHECK(drops.notify.receive(1s) == "STOPPING=1");
  auto jobs = drops.jobs("acme");
  REQUIRE(jobs.size() == 1);
  // Stopped before the end (a finished import would be "completed").
  if (jobs[0]["status"] == "running") {
    CHECK(jobs[0]["rows"] < 60000);
    CHECK_FALSE(fs::exists(drops.outbox("acme") / "large.persons.result.json"));
  }
  drops.start(1);
  auto result = drops.wait_for_result("acme", "large.persons", 600s);
  CHECK(result["status"] == "completed");
  CHECK(result["rows"] == 60000);
  CHECK(result["failed"] == 60);
  CHECK(result["created"] == 60000 - 60);
  CHECK(drops.jobs("acme").size() == 1);
  const auto again = drops.stop(SIGTERM, 10s);
  REQUIRE(again);
  CHECK(*again == 0);
}

TEST_CASE("daemon: kill -9 during a large import loses nothing and applies no row twice",
          "[database]") {
  constexpr std::size_t kRows = 100000;
  const std::string text = persons_file(kRows, 1, 991);

  const UninterruptedRun reference(text);

  DropRoot drops("batch_rows = 2000\n");
  drops.add_company("acme");
  REQUIRE(drops.cli("--company acme fields add tier --type string").exit_code == 0);
  drops.start(1);
  drops.move_in("acme", "large.persons", text);
  const bool running = drops.wait_for_running_job("acme", 1, 30s);
  INFO(read_file(drops.log));
  REQUIRE(running);
  const auto killed = drops.stop(SIGKILL, 5s);
  REQUIRE(killed);
  CHECK(*killed == 128 + SIGKILL);
  // The file is in the queue, not in the inbox, and no manifest exists yet.
  CHECK_FALSE(fs::exists(drops.inbox("acme") / "large.persons"));
  CHECK_FALSE(fs::is_empty(drops.queue() / "acme"));

  drops.start(1);
  reference.check_same_as(drops, drops.wait_for_result("acme", "large.persons", 600s));
  // The completion line gives the job's whole duration, and this run's.
  const std::string log = read_file(drops.log);
  const std::regex resumed(
      "acme/large\\.persons: job 1 completed with [0-9]+ failed row\\(s\\) in "
      "([0-9.]+)s \\(resumed; ([0-9.]+)s in this run\\)");
  std::smatch match;
  REQUIRE(std::regex_search(log, match, resumed));
  CHECK(std::stod(match[1]) >= std::stod(match[2]));
}

TEST_CASE("daemon: SIGHUP reloads the configuration - an invalid one keeps the running one",
          "[database]") {
  DropRoot drops("log_level = \"info\"\nbatch_rows = 500\n");
  drops.add_company("acme");
  drops.start(1);
  auto log_since = [&](std::size_t offset) { return read_file(drops.log).substr(offset); };
  auto hangup_and_wait_for = [&](const std::string& line) {
    const std::size_t offset = read_file(drops.log).size();
    REQUIRE(::kill(drops.pid, SIGHUP) == 0);
    const bool logged = wait_until([&] { return contains(log_since(offset), line); }, 5s);
    INFO(read_file(drops.log));
    REQUIRE(logged);
    return offset;
  };

  drops.move_in("acme", "1.persons", "external_person_id\nh-1\n");
  CHECK(drops.wait_for_result("acme", "1.persons")["status"] == "completed");
  CHECK_FALSE(contains(read_file(drops.log), "[debug]"));

  // Live keys apply at once; another key changed is logged as needing a restart.
  write_file(drops.config,
             "settle_time = \"200ms\"\npoll_interval = \"300ms\"\nshutdown_timeout = \"10s\"\n"
             "log_level = \"debug\"\nbatch_rows = 700\nworkers = 3\n");
  const std::size_t reloaded = hangup_and_wait_for("SIGHUP: log_level \"info\" -> \"debug\"");
  const std::string reload_lines = log_since(reloaded);
  CHECK(contains(reload_lines, "[info] SIGHUP: log_level \"info\" -> \"debug\" (applied)"));
  CHECK(contains(reload_lines, "[info] SIGHUP: batch_rows 500 -> 700 (applied)"));
  CHECK(contains(reload_lines,
                 "[warning] SIGHUP: poll_interval \"200ms\" -> \"300ms\" (takes effect after a "
                 "restart)"));
  // The same flags as at start: --workers 1 still overrides the file, so workers is unchanged.
  CHECK_FALSE(contains(reload_lines, "workers"));

  // Debug lines appear from now on.
  drops.move_in("acme", "2.persons", "external_person_id\nh-2\n");
  CHECK(drops.wait_for_result("acme", "2.persons")["status"] == "completed");
  CHECK(contains(log_since(reloaded), "[debug] finished upload:"));

  // An invalid file is logged and ignored: the running configuration (debug) stays, serving goes
  // on. Had its log_level been applied, the info and debug lines below would not be written.
  write_file(drops.config,
             "settle_time = \"200ms\"\npoll_interval = \"300ms\"\nshutdown_timeout = \"10s\"\n"
             "log_level = \"error\"\nbatch_rows = 0\n");
  const std::size_t invalid = hangup_and_wait_for("SIGHUP: configuration not reloaded");
  drops.move_in("acme", "3.persons", "external_person_id\nh-3\n");
  CHECK(drops.wait_for_result("acme", "3.persons")["status"] == "completed");
  const std::string after_invalid = log_since(invalid);
  CHECK(contains(after_invalid, "[error] SIGHUP: configuration not reloaded"));
  CHECK(contains(after_invalid, "batch_rows"));
  CHECK(contains(after_invalid, "[debug] finished upload:"));
  CHECK(contains(after_invalid, "[info] acme/3.persons: picked up"));
  CHECK(contains(drops.export_persons("acme"), "\"h-3\""));
  const auto stopped = drops.stop(SIGTERM, 10s);
  REQUIRE(stopped);
  CHECK(*stopped == 0);
}

TEST_CASE("daemon: shutdown_timeout forces the exit during a long batch - the restart finishes",
          "[database]") {
  constexpr std::size_t kRows = 200000;
  // One batch holds the whole file, so it runs far longer than the shutdown timeout.
  DropRoot drops("shutdown_timeout = \"100ms\"\nbatch_rows = 1000000\n");
  drops.add_company("acme");
  REQUIRE(drops.cli("--company acme fields add tier --type string").exit_code == 0);
  drops.start(1);
  drops.move_in("acme", "huge.persons", persons_file(kRows));
  // Started, and its job recorded (a job not yet recorded when the daemon is forced out would
  // leave only the queued file, a different case: the restart imports it from the start).
  const bool started = wait_until(
      [&] {
        return contains(read_file(drops.log), "acme/huge.persons: import started") &&
               drops.jobs("acme").size() == 1;
      },
      10s);
  INFO(read_file(drops.log));
  REQUIRE(started);

  const auto begin = std::chrono::steady_clock::now();
  const auto stopped = drops.stop(SIGTERM, 10s);
  const auto took = std::chrono::steady_clock::now() - begin;
  INFO(read_file(drops.log));
  REQUIRE(stopped);
  CHECK(*stopped == 0);
  CHECK(took < 1500ms);  // 100ms and a margin; the batch itself takes seconds
  CHECK(drops.notify.receive(1s) == "STOPPING=1");
  CHECK(contains(read_file(drops.log), "imports still running after shutdown_timeout (100ms)"));
  // Forced out mid-batch: nothing of it committed, the job waits at its checkpoint.
  auto jobs = drops.jobs("acme");
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0]["status"] == "running");
  CHECK(jobs[0]["rows"] == 0);
  CHECK_FALSE(fs::exists(drops.outbox("acme") / "huge.persons.result.json"));

  drops.start(1);
  // One batch of 200,000 rows: seconds when the machine is idle, minutes under ASan with the
  // other heavy tests beside it. The wait ends as soon as the result appears.
  auto result = drops.wait_for_result("acme", "huge.persons", 600s);
  CHECK(result["status"] == "completed");
  CHECK(result["rows"] == kRows);
  CHECK(result["created"] == kRows);
  jobs = drops.jobs("acme");
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0]["status"] == "completed");
  const std::string exported = drops.export_persons("acme");
  CHECK(static_cast<std::size_t>(std::count(exported.begin(), exported.end(), '\n')) == kRows);
  const auto again = drops.stop(SIGTERM, 10s);
  REQUIRE(again);
  CHECK(*again == 0);
}

// PostgreSQL only (registered as "postgresql: integration: …"): the server ends the daemon's
// sessions mid-import, as a restart or an administrator would.
TEST_CASE(
    "daemon: a lost PostgreSQL connection mid-import: it reconnects and imports the file once",
    "[database][postgresql]") {
  if (!test_support::testing_postgresql()) {
    SUCCEED("PostgreSQL only");
    return;
  }
  constexpr std::size_t kRows = 50000;
  const std::string text = persons_file(kRows, 1, 991);

  const UninterruptedRun reference(text);

  DropRoot drops("batch_rows = 1000\nreconnect_delay = \"100ms\"\nreconnect_max_delay = \"1s\"\n");
  drops.add_company("acme");
  REQUIRE(drops.cli("--company acme fields add tier --type string").exit_code == 0);
  drops.start(1);
  drops.move_in("acme", "large.persons", text);
  // Twice: once early in the file, once further on (the second reconnection resumes again).
  for (const std::int64_t after_rows : {1, 20000}) {
    const bool running = drops.wait_for_running_job("acme", after_rows, 60s);
    INFO(read_file(drops.log));
    REQUIRE(running);
    CHECK(test_support::terminate_postgres_connections(drops.database) >= 1);
  }

  auto result = drops.wait_for_result("acme", "large.persons", 600s);
  const std::string log = read_file(drops.log);
  INFO(log);
  CHECK(contains(log, "acme/large.persons: database connection lost"));
  CHECK(contains(log, "acme/large.persons: resuming job"));
  reference.check_same_as(drops, result);
}

// PostgreSQL only: two daemons, each with its own drop root and state folder, share one
// database (a SQLite file is not meant to be shared by daemons on several machines).
TEST_CASE("daemon: two daemons on one PostgreSQL database import each upload once",
          "[database][postgresql]") {
  if (!test_support::testing_postgresql()) {
    SUCCEED("PostgreSQL only");
    return;
  }
  constexpr std::size_t kRows = 6000;
  DropRoot first("batch_rows = 500\n");
  DropRoot second("batch_rows = 500\n");
  second.database = first.database;
  first.add_company("acme");
  second.add_company("acme");  // the same company: its folders under the second drop root
  REQUIRE(first.cli("--company acme fields add tier --type string").exit_code == 0);
  first.start(2);
  second.start(2);

  // Uploads for the same company into both at once, naming the same persons (e-3001..e-6000)
  // with the same mdns: whichever daemon comes second updates them.
  first.move_in("acme", "a.persons", persons_file(kRows, 1));
  second.move_in("acme", "b.persons", persons_file(kRows, kRows / 2 + 1));
  first.move_in("acme", "c.persons", persons_file(kRows / 2, kRows / 4 + 1, 0, "silver"));
  second.move_in("acme", "d.persons", persons_file(kRows / 2, kRows + 1, 0, "silver"));

  std::int64_t created = 0;
  std::int64_t updated = 0;
  for (auto [drops, name] : {std::pair{&first, "a.persons"}, std::pair{&second, "b.persons"},
                             std::pair{&first, "c.persons"}, std::pair{&second, "d.persons"}}) {
    INFO(name);
    auto result = drops->wait_for_result("acme", name, 600s);
    CHECK(result["status"] == "completed");
    CHECK(result["failed"] == 0);
    CHECK(result["rows"] ==
          result["created"].get<std::int64_t>() + result["updated"].get<std::int64_t>());
    created += result["created"].get<std::int64_t>();
    updated += result["updated"].get<std::int64_t>();
  }
  // Each file once: four jobs, one per file, all completed; every person created once.
  const auto jobs = first.jobs("acme");
  REQUIRE(jobs.size() == 4);
  std::set<std::string> files;
  for (const auto& job : jobs) {
    CHECK(job["status"] == "completed");
    files.insert(job["file"].get<std::string>());
  }
  CHECK(files == std::set<std::string>{"a.persons", "b.persons", "c.persons", "d.persons"});
  const std::int64_t persons = kRows * 3 / 2;  // e-1 .. e-9000
  CHECK(created == persons);
  CHECK(updated == 2 * kRows + kRows - persons);

  // Uniqueness: no external id or mdn twice.
  std::istringstream lines(first.export_persons("acme"));
  std::string line;
  std::set<std::string> external_ids;
  std::set<std::string> mdns;
  std::int64_t count = 0;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    const auto person = nlohmann::json::parse(line);
    ++count;
    external_ids.insert(person["external_person_id"].get<std::string>());
    mdns.insert(person["mdn"].get<std::string>());
  }
  CHECK(count == persons);
  CHECK(static_cast<std::int64_t>(external_ids.size()) == persons);
  CHECK(static_cast<std::int64_t>(mdns.size()) == persons);
  for (DropRoot* drops : {&first, &second}) {
    CHECK(wait_until([&] { return fs::is_empty(drops->queue() / "acme"); }, 5s));
    const auto stopped = drops->stop(SIGTERM, 10s);
    REQUIRE(stopped);
    CHECK(*stopped == 0);
  }
}

TEST_CASE(
    "daemon: regression: poll mode imports half-written files - a writer pausing past "
    "settle_time with the file open gets all 4,000 rows imported",
    "[database]") {
  DropRoot drops("watch = \"poll\"\n");
  drops.add_company("acme");
  REQUIRE(drops.cli("--company acme fields add tier --type string").exit_code == 0);
  drops.start();
  const std::string text = persons_file(4000);
  const std::size_t first_part = text.find("e-1001,");  // the first 1,000 rows
  const fs::path path = drops.inbox("acme") / "slow.persons";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, text.data(), first_part) == static_cast<ssize_t>(first_part));
  // The pause outlasts the settle time: the daemon sees the file still open and waits.
  CHECK(wait_until(
      [&] {
        return contains(read_file(drops.log),
                        "\"slow.persons\" in the inbox of acme is still open for writing");
      },
      20s));
  CHECK(fs::exists(path));  // not picked up
  const std::size_t rest = text.size() - first_part;
  REQUIRE(::write(fd, text.data() + first_part, rest) == static_cast<ssize_t>(rest));
  ::close(fd);
  const auto result = drops.wait_for_result("acme", "slow.persons", 60s);
  INFO(read_file(drops.log));
  CHECK(result["status"] == "completed");
  CHECK(result["rows"] == 4000);
  CHECK(result["created"] == 4000);
  CHECK(result["bytes"] == text.size());
}

TEST_CASE(
    "daemon: regression: the database vanishing under the daemon - a truncated -shm file is "
    "logged as a bus error, exit 1, and the restart finishes the file") {
  constexpr std::size_t kRows = 100000;
  const std::string text = persons_file(kRows, 1, 991);
  const UninterruptedRun reference(text);

  DropRoot drops("batch_rows = 2000\n");
  if (!contains(drops.database, "/") || contains(drops.database, "://")) return;  // SQLite only
  drops.add_company("acme");
  REQUIRE(drops.cli("--company acme fields add tier --type string").exit_code == 0);
  drops.start(1);
  drops.move_in("acme", "large.persons", text);
  const bool running = drops.wait_for_running_job("acme", 1, 30s);
  INFO(read_file(drops.log));
  REQUIRE(running);
  // The WAL index SQLite maps into memory: its pages are gone under the mapping.
  REQUIRE(::truncate((drops.database + "-shm").c_str(), 0) == 0);
  const auto ended = test_support::wait_for_exit(drops.pid, 120s);
  if (ended) drops.pid = -1;
  INFO(read_file(drops.log));
  REQUIRE(ended);
  CHECK(*ended == 1);
  CHECK(contains(read_file(drops.log),
                 "[error] fatal: bus error (SIGBUS): a memory-mapped file went away under the "
                 "process"));

  drops.start(1);
  reference.check_same_as(drops, drops.wait_for_result("acme", "large.persons", 600s));
}
