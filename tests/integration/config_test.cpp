// `person-import config check FILE` and the `daemon` command's options, driven as a user would.
#include <catch2/catch.hpp>

#include "tests/support/test_support.h"

using test_support::CommandResult;
using test_support::run_command;
using test_support::shell_quote;
using test_support::TempDirectory;
using test_support::write_file;

namespace {

using test_support::contains;

const std::string kExample = std::string(PERSON_IMPORT_SOURCE_DIR) + "/config/person-import.toml";

struct Program {
  TempDirectory directory;
  CommandResult operator()(const std::string& arguments) const {
    return run_command(test_support::person_import_bare_command(arguments));
  }
  // Writes a file and returns its path.
  std::string file(const std::string& name, const std::string& content) const {
    const std::string path = directory.file(name);
    write_file(path, content);
    return path;
  }
  CommandResult check(const std::string& path) const {
    return (*this)("config check " + shell_quote(path));
  }
};

}  // namespace

TEST_CASE("config check passes the example config/person-import.toml") {
  Program program;
  auto result = program.check(kExample);
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  CHECK(result.err == kExample + ": ok\n");
  // The effective values on stdout, the state directory resolved.
  CHECK(contains(result.out, "drop_root = \"/srv/person-import/drop\"\n"));
  CHECK(contains(result.out, "state_dir = \"/srv/person-import/drop/.person-import\"\n"));
  CHECK(contains(result.out, "workers = 2\n"));
  CHECK(contains(result.out, "settle_time = \"2s\"\n"));
  // ...which are themselves a valid configuration.
  const std::string effective = program.file("effective.toml", result.out);
  auto again = program.check(effective);
  CHECK(again.exit_code == 0);
  CHECK(again.out == result.out);
}

TEST_CASE("config check exits 1 and names the key of each kind of problem") {
  Program program;
  struct Case {
    const char* content;
    const char* expected;  // after "<file>:"
  };
  const Case cases[] = {
      {"drop_root = \"/d\"\nwokers = 3\n", "2: wokers: unknown key; did you mean \"workers\"?"},
      {"drop_root = \"/d\"\nworkers = \"four\"\n", "2: workers: must be an integer (got a string)"},
      {"drop_root = \"/d\"\nworkers = 0\n", "2: workers: must be between 1 and 256 (got 0)"},
      {"drop_root = \"/d\"\nsettle_time = \"2 seconds\"\n",
       "2: settle_time: \"2 seconds\" is not a duration"},
      {"drop_root = \"/d\"\nwatch = \"fanotify\"\n", "2: watch: must be one of"},
      {"drop_root = \"/d\"\nsftp_listen = \"2222\"\n", "2: sftp_listen: \"2222\" is not HOST:PORT"},
      {"workers = 2\n", " drop_root: required"},
      {"drop_root = \"/d\"\nworkers = = 2\n", "2: syntax error: "},
  };
  for (const auto& [content, expected] : cases) {
    INFO(content);
    const std::string path = program.file("bad.toml", content);
    auto result = program.check(path);
    CHECK(result.exit_code == 1);
    CHECK(contains(result.err, path + ":" + expected));
    CHECK(result.out.empty());
  }
}

TEST_CASE("config check lists every problem, one a line") {
  Program program;
  const std::string path = program.file("bad.toml", "workers = 0\ncolour = 1\nbatch_rows = 0\n");
  auto result = program.check(path);
  CHECK(result.exit_code == 1);
  CHECK(result.err ==
        path + ":1: workers: must be between 1 and 256 (got 0)\n" + path +
            ":2: colour: unknown key; known keys: database, drop_root, state_dir, "
            "workers, watch, poll_interval, settle_time, shutdown_timeout, "
            "reconnect_delay, reconnect_max_delay, "
            "batch_rows, log_level, log_format, progress_log_interval, "
            "manifest_max_row_errors, sftp_listen, sftp_host_key, sftp_max_sessions, "
            "sftp_max_sessions_per_company, sftp_idle_timeout, "
            "sftp_login_grace_time, sftp_max_file_size, sftp_max_auth_tries, "
            "sftp_auth_failure_limit, sftp_auth_failure_window, "
            "sftp_auth_block_time, sftp_max_unauthenticated_per_address, sftp_allow_from\n" +
            path + ":3: batch_rows: must be between 1 and 1000000 (got 0)\n" + path +
            ": drop_root: required: the folder holding one folder per "
            "company\n");
}

TEST_CASE("config check: a missing file fails (1), a missing argument is a usage error (2)") {
  Program program;
  auto missing = program.check(program.directory.file("missing.toml"));
  CHECK(missing.exit_code == 1);
  CHECK(contains(missing.err, "missing.toml: cannot read: No such file or directory"));
  CHECK(program.check(program.directory.path().string()).exit_code == 1);
  CHECK(program("config check").exit_code == 2);
  CHECK(program("config").exit_code == 2);
  CHECK(program("config check " + shell_quote(kExample) + " extra.toml").exit_code == 2);
  CHECK(program("config check --no-such-flag " + shell_quote(kExample)).exit_code == 2);
}

TEST_CASE("daemon parses --config, --drop-root, --workers and --sftp-listen") {
  Program program;
  const std::string config = program.file("daemon.toml", "drop_root = \"/srv/drops\"\n");
  // Valid options reach the service, which needs an existing drop root.
  auto valid = program("daemon --config " + shell_quote(config) +
                       " --drop-root /nonexistent/other --workers 4 --sftp-listen 127.0.0.1:2222");
  CHECK(valid.exit_code == 1);
  CHECK(contains(valid.err, "drop_root /nonexistent/other is not a directory"));
  CHECK(program("daemon --drop-root /nonexistent/drops").exit_code == 1);

  // Flag values out of form or range are usage errors.
  CHECK(program("daemon --drop-root /d --workers 0").exit_code == 2);
  CHECK(program("daemon --drop-root /d --workers 257").exit_code == 2);
  CHECK(program("daemon --drop-root /d --workers many").exit_code == 2);
  auto listen = program("daemon --drop-root /d --sftp-listen 2222");
  CHECK(listen.exit_code == 2);
  CHECK(contains(listen.err, "--sftp-listen"));
  CHECK(program("daemon --no-such-flag").exit_code == 2);

  // The configuration is checked: its problems name the file's key or the flag.
  const std::string bad = program.file("bad.toml", "drop_root = \"/d\"\nworkers = 999\n");
  auto from_file = program("daemon --config " + shell_quote(bad));
  CHECK(from_file.exit_code == 1);
  CHECK(contains(from_file.err, bad + ":2: workers: must be between 1 and 256 (got 999)"));
  // A flag replaces the file's value, but a bad value in the file is still an error.
  auto overridden = program("daemon --config " + shell_quote(bad) + " --workers 3");
  CHECK(overridden.exit_code == 1);
  CHECK(contains(overridden.err, bad + ":2: workers: must be between 1 and 256 (got 999)"));
  CHECK_FALSE(contains(overridden.err, "is not a directory"));
  auto no_root = program("daemon");
  CHECK(no_root.exit_code == 1);
  CHECK(contains(no_root.err, "drop_root: required"));
  auto empty_root = program("daemon --config " + shell_quote(config) + " --drop-root ''");
  CHECK(empty_root.exit_code == 1);
  CHECK(contains(empty_root.err, "--drop-root: must not be empty"));
  auto empty_db = program("--db '' daemon --drop-root /d");
  CHECK(empty_db.exit_code == 1);
  CHECK(contains(empty_db.err, "--db: must not be empty"));
}
