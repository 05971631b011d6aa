// The daemon's configuration: reading the TOML file, its rules, flags overriding it, and the
// documented example config/person-import.toml.
#include <catch2/catch.hpp>

#include <algorithm>
#include <regex>

#include "daemon/config/daemon_options.h"
#include "tests/support/test_support.h"

using namespace person_import;
using namespace person_import::daemon;
using namespace std::chrono_literals;
using test_support::read_file;
using test_support::TempDirectory;
using test_support::write_file;

namespace {

using test_support::contains;

const std::string kExample = std::string(PERSON_IMPORT_SOURCE_DIR) + "/config/person-import.toml";

// A config file in a fresh directory.
struct ConfigFile {
  TempDirectory directory;
  std::string path = directory.file("daemon.toml");
  explicit ConfigFile(const std::string& content) { write_file(path, content); }
  Result<DaemonOptions> load(const DaemonOverrides& overrides = {}) const {
    return load_daemon_options(path, overrides);
  }
  // The error of a file that must not load.
  std::string error(const DaemonOverrides& overrides = {}) const {
    auto options = load(overrides);
    REQUIRE_FALSE(options.ok());
    return options.error().message;
  }
};

DaemonOptions with_drop_root(const std::string& drop_root) {
  DaemonOptions options;
  options.drop_root = drop_root;
  return options;
}

std::size_t count_lines(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
}

}  // namespace

TEST_CASE("the example config loads, and its defaults are the real ones") {
  auto options = load_daemon_options(kExample);
  INFO((options.ok() ? "" : options.error().message));
  REQUIRE(options.ok());
  // Every value in the example is the default, except the required drop root and the database,
  // which are the systemd unit's.
  DaemonOptions expected = with_drop_root("/srv/person-import/drop");
  expected.database = "/var/lib/person-import/person-import.db";
  CHECK(*options == expected);
}

TEST_CASE("the example config documents every key with its default") {
  const std::string example = read_file(kExample);
  const std::string defaults = "\n" + to_toml(with_drop_root("/srv/person-import/drop"));
  for (const char* key : {"database",
                          "drop_root",
                          "state_dir",
                          "workers",
                          "watch",
                          "poll_interval",
                          "settle_time",
                          "shutdown_timeout",
                          "reconnect_delay",
                          "reconnect_max_delay",
                          "batch_rows",
                          "log_level",
                          "log_format",
                          "progress_log_interval",
                          "manifest_max_row_errors",
                          "sftp_listen",
                          "sftp_host_key",
                          "sftp_max_sessions",
                          "sftp_max_sessions_per_company",
                          "sftp_idle_timeout",
                          "sftp_login_grace_time",
                          "sftp_max_file_size",
                          "sftp_max_auth_tries",
                          "sftp_auth_failure_limit",
                          "sftp_auth_failure_window",
                          "sftp_auth_block_time",
                          "sftp_max_unauthenticated_per_address",
                          "sftp_allow_from"}) {
    INFO(key);
    // Each key appears as `key = …`, set or commented out, after a "# Default:" line.
    const std::regex entry("# (Default|Required)[^\n]*\n(# )?" + std::string(key) + " = ");
    CHECK(std::regex_search(example, entry));
  }
  // Where the default is a value, the comment states it and the key is set to it.
  for (const char* key : {"workers",
                          "watch",
                          "poll_interval",
                          "settle_time",
                          "shutdown_timeout",
                          "reconnect_delay",
                          "reconnect_max_delay",
                          "batch_rows",
                          "log_level",
                          "log_format",
                          "progress_log_interval",
                          "manifest_max_row_errors",
                          "sftp_max_sessions",
                          "sftp_max_sessions_per_company",
                          "sftp_idle_timeout",
                          "sftp_login_grace_time",
                          "sftp_max_file_size",
                          "sftp_max_auth_tries",
                          "sftp_auth_failure_limit",
                          "sftp_auth_failure_window",
                          "sftp_auth_block_time",
                          "sftp_max_unauthenticated_per_address"}) {
    INFO(key);
    std::smatch value;
    REQUIRE(std::regex_search(defaults, value, std::regex(std::string("\n") + key + " = (.*)\n")));
    CHECK(contains(example, "# Default: " + value[1].str() + "\n" + key + " = " + value[1].str()));
  }
  // The database's default is stated; the value set is the systemd unit's.
  CHECK(contains(example,
                 "# Default: \"person-import.db\" (in the working directory)\n"
                 "database = \"/var/lib/person-import/person-import.db\"\n"));
}

TEST_CASE("only drop_root is required: a file with it alone gives the defaults") {
  ConfigFile file("drop_root = \"/drops\"\n");
  auto options = file.load();
  REQUIRE(options.ok());
  CHECK(*options == with_drop_root("/drops"));
  CHECK(options->database == "person-import.db");
  CHECK(options->workers == 2);
  CHECK(options->watch == WatchMode::kInotify);
  CHECK(options->poll_interval == 2s);
  CHECK(options->settle_time == 2s);
  CHECK(options->shutdown_timeout == 30s);
  CHECK(options->reconnect_delay == 500ms);
  CHECK(options->reconnect_max_delay == 30s);
  CHECK(options->batch_rows == 5000);
  CHECK(options->log_level == LogLevel::kInfo);
  CHECK_FALSE(options->state_dir.has_value());
  CHECK_FALSE(options->sftp_listen.has_value());
  CHECK(effective_state_dir(*options) == "/drops/.person-import");

  ConfigFile empty("# nothing\n");
  CHECK(empty.error() ==
        empty.path + ": drop_root: required: the folder holding one folder per company");
}

TEST_CASE("every key is read") {
  ConfigFile file(R"(
database = "/var/lib/person-import/people.db"
drop_root = "/srv/drops"
state_dir = "/srv/drops-state"
workers = 8
watch = "poll"
poll_interval = "500ms"
settle_time = 5
shutdown_timeout = "1m"
reconnect_delay = "250ms"
reconnect_max_delay = 10
batch_rows = 1000
log_level = "debug"
sftp_listen = "[::]:2222"
)");
  auto options = file.load();
  INFO((options.ok() ? "" : options.error().message));
  REQUIRE(options.ok());
  CHECK(options->database == "/var/lib/person-import/people.db");
  CHECK(options->drop_root == "/srv/drops");
  CHECK(options->state_dir == "/srv/drops-state");
  CHECK(effective_state_dir(*options) == "/srv/drops-state");
  CHECK(options->workers == 8);
  CHECK(options->watch == WatchMode::kPoll);
  CHECK(options->poll_interval == 500ms);
  CHECK(options->settle_time == 5s);
  CHECK(options->shutdown_timeout == 1min);
  CHECK(options->reconnect_delay == 250ms);
  CHECK(options->reconnect_max_delay == 10s);
  CHECK(options->batch_rows == 1000);
  CHECK(options->log_level == LogLevel::kDebug);
  CHECK(options->sftp_listen == "[::]:2222");
}

TEST_CASE("log levels and watch modes are the documented words, case-sensitive") {
  for (const auto& [word, level] :
       std::vector<std::pair<std::string, LogLevel>>{{"trace", LogLevel::kTrace},
                                                     {"debug", LogLevel::kDebug},
                                                     {"info", LogLevel::kInfo},
                                                     {"warn", LogLevel::kWarn},
                                                     {"error", LogLevel::kError}}) {
    ConfigFile file("drop_root = \"/d\"\nlog_level = \"" + word + "\"\n");
    auto options = file.load();
    REQUIRE(options.ok());
    CHECK(options->log_level == level);
    CHECK(to_string(level) == word);
  }
  ConfigFile upper("drop_root = \"/d\"\nlog_level = \"INFO\"\n");
  CHECK(upper.error() == upper.path +
                             ":2: log_level: must be one of \"trace\", \"debug\", \"info\", "
                             "\"warn\", \"error\" (got \"INFO\")");
  ConfigFile warning("drop_root = \"/d\"\nlog_level = \"warning\"\n");
  CHECK(contains(warning.error(), ":2: log_level: must be one of"));
  ConfigFile poll("drop_root = \"/d\"\nwatch = \"poll\"\n");
  CHECK(poll.load()->watch == WatchMode::kPoll);
  ConfigFile fanotify("drop_root = \"/d\"\nwatch = \"fanotify\"\n");
  CHECK(fanotify.error() ==
        fanotify.path + ":2: watch: must be one of \"inotify\", \"poll\" (got \"fanotify\")");
}

TEST_CASE("durations: integer seconds, or a whole number with ms, s, m or h") {
  CHECK(*parse_duration("500ms") == 500ms);
  CHECK(*parse_duration("2s") == 2s);
  CHECK(*parse_duration("1m") == 1min);
  CHECK(*parse_duration("3h") == 3h);
  CHECK(*parse_duration("0s") == 0s);  // parsed; the range check rejects it
  for (const char* bad : {"", "2", "s", "2x", "2 s", " 2s", "2s ", "-1s", "1.5s", "2S", "2sec",
                          "1h30m", "+2s", "2ms2"}) {
    INFO(bad);
    auto parsed = parse_duration(bad);
    REQUIRE_FALSE(parsed.ok());
    CHECK(contains(parsed.error().message, "is not a duration"));
  }
  // Too many digits for any duration: an error, not an overflow.
  CHECK_FALSE(parse_duration("99999999999999999999h").ok());
  CHECK_FALSE(parse_duration("9999999999ms").ok());

  CHECK(format_duration(2000ms) == "2s");
  CHECK(format_duration(1500ms) == "1500ms");
  CHECK(format_duration(90s) == "90s");
  CHECK(format_duration(2min) == "2m");
  CHECK(format_duration(24h) == "24h");
  CHECK(format_duration(0ms) == "0s");

  ConfigFile seconds("drop_root = \"/d\"\nsettle_time = 10\n");
  CHECK(seconds.load()->settle_time == 10s);
  ConfigFile strings("drop_root = \"/d\"\nsettle_time = \"250ms\"\npoll_interval = \"1h\"\n");
  CHECK(strings.load()->settle_time == 250ms);
  CHECK(strings.load()->poll_interval == 1h);
}

TEST_CASE("durations lie between 1ms and 24h") {
  ConfigFile smallest("drop_root = \"/d\"\nsettle_time = \"1ms\"\nshutdown_timeout = \"24h\"\n");
  CHECK(smallest.load().ok());
  ConfigFile zero("drop_root = \"/d\"\nsettle_time = 0\n");
  CHECK(zero.error() == zero.path + ":2: settle_time: must be between 1ms and 24h (got 0)");
  ConfigFile zero_string("drop_root = \"/d\"\npoll_interval = \"0ms\"\n");
  CHECK(zero_string.error() ==
        zero_string.path + ":2: poll_interval: must be between 1ms and 24h (got \"0ms\")");
  ConfigFile negative("drop_root = \"/d\"\nshutdown_timeout = -5\n");
  CHECK(negative.error() ==
        negative.path + ":2: shutdown_timeout: must be between 1ms and 24h (got -5)");
  ConfigFile long_wait("drop_root = \"/d\"\nshutdown_timeout = \"25h\"\n");
  CHECK(contains(long_wait.error(), ":2: shutdown_timeout: must be between 1ms and 24h"));
  ConfigFile reconnect("drop_root = \"/d\"\nreconnect_delay = \"1m\"\nreconnect_max_delay = 20\n");
  CHECK(reconnect.error() == reconnect.path +
                                 ":2: reconnect_delay: must not exceed reconnect_max_delay (20s, "
                                 "got 1m)");
  ConfigFile seconds_over("drop_root = \"/d\"\nshutdown_timeout = 86401\n");
  CHECK(contains(seconds_over.error(), "(got 86401)"));
  // TOML integers saturate; still out of range, never wrapped into range.
  ConfigFile huge("drop_root = \"/d\"\nsettle_time = 99999999999999999999999\n");
  CHECK(contains(huge.error(), ":2: settle_time: must be between 1ms and 24h"));
}

TEST_CASE("a duration of another type names the key and suggests the written form") {
  ConfigFile fraction("drop_root = \"/d\"\nsettle_time = 1.5\n");
  CHECK(fraction.error() == fraction.path +
                                ":2: settle_time: must be an integer number of seconds or a "
                                "string such as \"500ms\", \"2s\", \"1m\" (got a float: write "
                                "\"1500ms\")");
  ConfigFile boolean("drop_root = \"/d\"\npoll_interval = true\n");
  CHECK(contains(boolean.error(), ":2: poll_interval: must be an integer number of seconds"));
  CHECK(contains(boolean.error(), "(got a boolean)"));
  ConfigFile bare("drop_root = \"/d\"\npoll_interval = \"2\"\n");
  CHECK(contains(bare.error(), ":2: poll_interval: \"2\" is not a duration"));
}

TEST_CASE("workers are 1 to 256 and batch_rows 1 to 1,000,000") {
  for (int workers : {1, 256}) {
    ConfigFile file("drop_root = \"/d\"\nworkers = " + std::to_string(workers) + "\n");
    CHECK(file.load()->workers == workers);
  }
  ConfigFile none("drop_root = \"/d\"\nworkers = 0\n");
  CHECK(none.error() == none.path + ":2: workers: must be between 1 and 256 (got 0)");
  ConfigFile many("drop_root = \"/d\"\nworkers = 257\n");
  CHECK(many.error() == many.path + ":2: workers: must be between 1 and 256 (got 257)");
  // Beyond int: rejected before it is narrowed.
  ConfigFile wide("drop_root = \"/d\"\nworkers = 4294967298\n");
  CHECK(wide.error() == wide.path + ":2: workers: must be between 1 and 256 (got 4294967298)");

  for (const char* rows : {"1", "1000000"}) {
    ConfigFile file(std::string("drop_root = \"/d\"\nbatch_rows = ") + rows + "\n");
    CHECK(std::to_string(file.load()->batch_rows) == rows);
  }
  ConfigFile zero("drop_root = \"/d\"\nbatch_rows = 0\n");
  CHECK(zero.error() == zero.path + ":2: batch_rows: must be between 1 and 1000000 (got 0)");
  ConfigFile negative("drop_root = \"/d\"\nbatch_rows = -1\n");
  CHECK(contains(negative.error(), ":2: batch_rows: must be between 1 and 1000000 (got -1)"));
  ConfigFile big("drop_root = \"/d\"\nbatch_rows = 1000001\n");
  CHECK(contains(big.error(), ":2: batch_rows: must be between 1 and 1000000"));
}

TEST_CASE("a value of the wrong type names the key, its line and both types") {
  ConfigFile workers("drop_root = \"/d\"\nworkers = \"4\"\n");
  CHECK(workers.error() == workers.path + ":2: workers: must be an integer (got a string)");
  ConfigFile rows("drop_root = \"/d\"\n\nbatch_rows = 1.0\n");
  CHECK(rows.error() == rows.path + ":3: batch_rows: must be an integer (got a float)");
  ConfigFile database("drop_root = \"/d\"\ndatabase = 7\n");
  CHECK(database.error() == database.path + ":2: database: must be a string (got an integer)");
  ConfigFile root("drop_root = [\"/a\", \"/b\"]\n");
  CHECK(contains(root.error(), root.path + ":1: drop_root: must be a string (got an array)"));
  ConfigFile level("drop_root = \"/d\"\nlog_level = 3\n");
  CHECK(contains(level.error(), ":2: log_level: must be one of"));
  CHECK(contains(level.error(), "(got an integer)"));
  ConfigFile listen("drop_root = \"/d\"\nsftp_listen = 2222\n");
  CHECK(listen.error() == listen.path + ":2: sftp_listen: must be a string (got an integer)");
}

TEST_CASE("unknown keys are errors that name the key, with a suggestion when one is close") {
  ConfigFile typo("drop_root = \"/d\"\nwokers = 3\n");
  CHECK(typo.error() == typo.path + ":2: wokers: unknown key; did you mean \"workers\"?");
  ConfigFile dashes("drop-root = \"/d\"\n");
  CHECK(contains(dashes.error(), ":1: drop-root: unknown key; did you mean \"drop_root\"?"));
  ConfigFile far("drop_root = \"/d\"\ncolour = \"blue\"\n");
  CHECK(far.error() == far.path +
                           ":2: colour: unknown key; known keys: database, drop_root, state_dir, "
                           "workers, watch, poll_interval, settle_time, shutdown_timeout, "
                           "reconnect_delay, reconnect_max_delay, "
                           "batch_rows, log_level, log_format, progress_log_interval, "
                           "manifest_max_row_errors, sftp_listen, sftp_host_key, "
                           "sftp_max_sessions, sftp_max_sessions_per_company, "
                           "sftp_idle_timeout, sftp_login_grace_time, sftp_max_file_size, "
                           "sftp_max_auth_tries, sftp_auth_failure_limit, "
                           "sftp_auth_failure_window, sftp_auth_block_time, "
                           "sftp_max_unauthenticated_per_address, sftp_allow_from");
  // Keys in a table are not read as top-level keys.
  ConfigFile table("[daemon]\ndrop_root = \"/d\"\n");
  const std::string error = table.error();
  CHECK(contains(error, table.path + ":1: daemon: unknown key (the file has top-level keys only, "
                                     "no tables)"));
  CHECK(contains(error, table.path + ": drop_root: required"));
}

TEST_CASE("every problem is reported, one a line, in line order") {
  ConfigFile file(R"(workers = 0
colour = 1
settle_time = "soon"
watch = "Poll"
)");
  const std::string error = file.error();
  CHECK(count_lines(error) == 5);
  const auto workers = error.find(":1: workers:");
  const auto colour = error.find(":2: colour:");
  const auto settle = error.find(":3: settle_time:");
  const auto watch = error.find(":4: watch:");
  const auto drop_root = error.find(": drop_root: required");
  REQUIRE(drop_root != std::string::npos);
  CHECK(workers < colour);
  CHECK(colour < settle);
  CHECK(settle < watch);
  CHECK(watch < drop_root);  // no line: last
}

TEST_CASE("a syntax error names its line and shows it - nothing throws") {
  ConfigFile file("drop_root = \"/d\"\nworkers 3\n");
  const std::string error = file.error();
  CHECK(error.rfind(file.path + ":2: syntax error: ", 0) == 0);
  CHECK(contains(error, "workers 3"));  // toml11's excerpt
  ConfigFile twice("drop_root = \"/d\"\nworkers = 2\nworkers = 3\n");
  const std::string duplicate = twice.error();
  CHECK(duplicate.rfind(twice.path + ":3: syntax error: ", 0) == 0);
  CHECK(contains(duplicate, "workers"));
  ConfigFile unterminated("drop_root = \"/d\n");
  CHECK(unterminated.error().rfind(unterminated.path + ":1: syntax error: ", 0) == 0);
  ConfigFile binary(std::string("\0\x01\x02", 3));
  CHECK(contains(binary.error(), "syntax error"));
}

TEST_CASE("regression: malformed UTF-8 in a literal string made toml11 read past its buffer") {
  // fuzz/config_fuzzer's crasher (fuzz/corpus/config_fuzzer/crash-toml11-literal-string-utf8):
  // toml11 3.7 reports such a string from an iterator into another buffer. The file is refused
  // before toml11 reads it, with the line, the column and the byte.
  ConfigFile literal("'orks2e\"goll\"PPPPPP.0.0.0P\xff\xff\xff\xff\xff\xff\xff'PPPPP\n");
  CHECK(literal.error() == literal.path +
                               ":1: not UTF-8 (byte 0xFF at column 27); save the configuration "
                               "file as UTF-8");
  ConfigFile basic("drop_root = \"/d\"\nworkers = 2\nname = \"caf\xc3\x28\"\n");
  CHECK(basic.error() == basic.path +
                             ":3: not UTF-8 (byte 0xC3 at column 12); save the configuration "
                             "file as UTF-8");
  ConfigFile first_byte(
      "\x80"
      "drop_root = \"/d\"\n");
  CHECK(first_byte.error() == first_byte.path +
                                  ":1: not UTF-8 (byte 0x80 at column 1); save the "
                                  "configuration file as UTF-8");
  ConfigFile valid("drop_root = \"/d/caf\xc3\xa9\"\n");
  CHECK(valid.load().ok());
}

TEST_CASE("regression: deeply nested arrays overflowed toml11's stack") {
  // fuzz/config_fuzzer's crasher (fuzz/corpus/config_fuzzer/crash-toml11-nested-arrays):
  // `drop_root = [[[[…` thousands deep; toml11 recurses once a level.
  ConfigFile deep("workers = 2\ndrop_root = " + std::string(100000, '[') + "\n");
  CHECK(deep.error() == deep.path +
                            ":2: arrays or inline tables nested more than 16 deep; the "
                            "configuration's values are at most lists");
  ConfigFile list("drop_root = \"/d\"\nsftp_allow_from = [\"10.0.0.0/8\", \"::1/128\"]\n");
  CHECK(list.load().ok());
}

TEST_CASE("a file that cannot be read is an error, not an exception") {
  TempDirectory directory;
  auto missing = load_daemon_options(directory.file("missing.toml"));
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message ==
        directory.file("missing.toml") + ": cannot read: No such file or directory");
  auto folder = load_daemon_options(directory.path().string());
  REQUIRE_FALSE(folder.ok());
  CHECK(folder.error().message == directory.path().string() + ": cannot read: is a directory");
}

TEST_CASE("validate checks every rule and lists each broken one") {
  CHECK(validate(with_drop_root("/d")).ok());
  CHECK(validate(DaemonOptions{}).error().message ==
        "drop_root: required: the folder holding one folder per company");

  auto broken = [](auto change) {
    DaemonOptions options = with_drop_root("/d");
    change(options);
    Status status = validate(options);
    REQUIRE_FALSE(status.ok());
    return status.error().message;
  };
  CHECK(broken([](DaemonOptions& o) { o.workers = 0; }) ==
        "workers: must be between 1 and 256 (got 0)");
  CHECK(broken([](DaemonOptions& o) { o.workers = 257; }) ==
        "workers: must be between 1 and 256 (got 257)");
  CHECK(broken([](DaemonOptions& o) { o.batch_rows = 0; }) ==
        "batch_rows: must be between 1 and 1000000 (got 0)");
  CHECK(broken([](DaemonOptions& o) { o.poll_interval = 0ms; }) ==
        "poll_interval: must be between 1ms and 24h (got 0s)");
  CHECK(broken([](DaemonOptions& o) { o.settle_time = -1s; }) ==
        "settle_time: must be between 1ms and 24h (got -1s)");
  CHECK(broken([](DaemonOptions& o) { o.shutdown_timeout = 25h; }) ==
        "shutdown_timeout: must be between 1ms and 24h (got 25h)");
  CHECK(broken([](DaemonOptions& o) { o.database.clear(); }) == "database: must not be empty");
  CHECK(broken([](DaemonOptions& o) { o.reconnect_delay = 0ms; }) ==
        "reconnect_delay: must be between 1ms and 24h (got 0s)");
  CHECK(broken([](DaemonOptions& o) { o.reconnect_max_delay = 25h; }) ==
        "reconnect_max_delay: must be between 1ms and 24h (got 25h)");
  CHECK(broken([](DaemonOptions& o) { o.reconnect_delay = 1min; }) ==
        "reconnect_delay: must not exceed reconnect_max_delay (30s, got 1m)");
  CHECK(broken([](DaemonOptions& o) { o.state_dir = ""; }) ==
        "state_dir: must not be empty (leave it out for the default)");
  CHECK(broken([](DaemonOptions& o) { o.drop_root = std::string("/a\0b", 4); }) ==
        "drop_root: must not contain a NUL character");
  CHECK(contains(broken([](DaemonOptions& o) { o.sftp_listen = "2222"; }),
                 "sftp_listen: \"2222\" is not HOST:PORT"));
  const std::string two = broken([](DaemonOptions& o) {
    o.workers = 0;
    o.batch_rows = 0;
  });
  CHECK(two ==
        "workers: must be between 1 and 256 (got 0)\n"
        "batch_rows: must be between 1 and 1000000 (got 0)");
}

TEST_CASE("empty paths in the file are errors") {
  ConfigFile state("drop_root = \"/d\"\nstate_dir = \"\"\n");
  CHECK(state.error() ==
        state.path + ":2: state_dir: must not be empty (leave it out for the default)");
  ConfigFile database("drop_root = \"/d\"\ndatabase = \"\"\n");
  CHECK(database.error() == database.path + ":2: database: must not be empty");
  ConfigFile root("drop_root = \"\"\n");
  CHECK(root.error() ==
        root.path + ":1: drop_root: required: the folder holding one folder per company");
}

TEST_CASE("sftp_listen is HOST:PORT") {
  for (const char* good : {"0.0.0.0:2222", "localhost:22", "[::]:2222", "[::1]:65535", "h:1"}) {
    INFO(good);
    CHECK(check_listen_address(good).ok());
  }
  for (const char* bad : {"", "2222", ":2222", "host:", "host:0", "host:65536", "host:22a",
                          "::1:22", "[::1:22", "[]:22", "host:-1", "ho st:22", "host:123456"}) {
    INFO(bad);
    CHECK_FALSE(check_listen_address(bad).ok());
  }
  ConfigFile file("drop_root = \"/d\"\nsftp_listen = \"0.0.0.0\"\n");
  CHECK(contains(file.error(), ":2: sftp_listen: \"0.0.0.0\" is not HOST:PORT"));
}

TEST_CASE("the state directory defaults to <drop_root>/.person-import") {
  CHECK(effective_state_dir(with_drop_root("/srv/drops")) == "/srv/drops/.person-import");
  CHECK(effective_state_dir(with_drop_root("/srv/drops/")) == "/srv/drops/.person-import");
  CHECK(effective_state_dir(with_drop_root("drops")) == "drops/.person-import");
  DaemonOptions options = with_drop_root("/srv/drops");
  options.state_dir = "/var/lib/person-import/state";
  CHECK(effective_state_dir(options) == "/var/lib/person-import/state");
}

TEST_CASE("flags override the file, and their problems name the flag") {
  ConfigFile file("drop_root = \"/from-file\"\nworkers = 4\ndatabase = \"file.db\"\n");
  DaemonOverrides overrides;
  overrides.drop_root = "/from-flag";
  overrides.workers = 16;
  overrides.database = "flag.db";
  overrides.sftp_listen = "127.0.0.1:2222";
  auto options = file.load(overrides);
  REQUIRE(options.ok());
  CHECK(options->drop_root == "/from-flag");
  CHECK(options->workers == 16);
  CHECK(options->database == "flag.db");
  CHECK(options->sftp_listen == "127.0.0.1:2222");
  // Unset overrides leave the file's values.
  auto plain = file.load(DaemonOverrides{});
  CHECK(plain->workers == 4);
  CHECK(plain->drop_root == "/from-file");

  // A flag supplies what the file lacks.
  ConfigFile partial("workers = 3\n");
  DaemonOverrides root_only;
  root_only.drop_root = "/flag";
  CHECK(partial.load(root_only)->drop_root == "/flag");

  // A bad flag value is reported against the flag, not the file's line.
  DaemonOverrides bad;
  bad.workers = 0;
  bad.database = "";
  bad.drop_root = "";
  bad.sftp_listen = "nowhere";
  const std::string error = file.error(bad);
  CHECK(contains(error, "--workers: must be between 1 and 256 (got 0)"));
  CHECK(contains(error, "--db: must not be empty"));
  CHECK(contains(error, "--drop-root: must not be empty"));
  CHECK(contains(error, "--sftp-listen: \"nowhere\" is not HOST:PORT"));
  CHECK_FALSE(contains(error, file.path + ":2"));

  // The file's values are checked even where a flag replaces them: the file stays valid alone.
  ConfigFile bad_file("drop_root = \"\"\nworkers = 999\ndatabase = \"\"\n");
  const std::string file_error = bad_file.error(overrides);
  CHECK(file_error == bad_file.path +
                          ":1: drop_root: required: the folder holding one folder per company\n" +
                          bad_file.path + ":2: workers: must be between 1 and 256 (got 999)\n" +
                          bad_file.path + ":3: database: must not be empty");

  DaemonOptions applied = with_drop_root("/d");
  apply_overrides(overrides, applied);
  CHECK(applied.workers == 16);
  CHECK(applied.drop_root == "/from-flag");
}

TEST_CASE("without a file: the defaults, the flags, and the same rules") {
  DaemonOverrides overrides;
  auto missing = resolve_daemon_options(std::nullopt, overrides);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message ==
        "drop_root: required: the folder holding one folder per company (give --drop-root DIR, "
        "or --config FILE)");
  overrides.drop_root = "/drops";
  auto options = resolve_daemon_options(std::nullopt, overrides);
  REQUIRE(options.ok());
  CHECK(*options == with_drop_root("/drops"));

  ConfigFile file("drop_root = \"/file\"\n");
  CHECK(resolve_daemon_options(file.path, overrides)->drop_root == "/drops");
  CHECK(resolve_daemon_options(file.path, DaemonOverrides{})->drop_root == "/file");
}

TEST_CASE("to_toml writes a file that loads back to the same options") {
  DaemonOptions options = with_drop_root("/srv/with \"quotes\" and \\ backslash\tand tab");
  options.database = "/var/lib/people.db";
  options.workers = 7;
  options.watch = WatchMode::kPoll;
  options.poll_interval = 1500ms;
  options.settle_time = 3min;
  options.shutdown_timeout = 1h;
  options.batch_rows = 250;
  options.log_level = LogLevel::kWarn;
  options.sftp_listen = "[::]:2222";
  ConfigFile file(to_toml(options));
  auto loaded = file.load();
  INFO(to_toml(options));
  INFO((loaded.ok() ? "" : loaded.error().message));
  REQUIRE(loaded.ok());
  // state_dir and sftp_host_key come back explicit, with the values they had implicitly.
  DaemonOptions expected = options;
  expected.state_dir = effective_state_dir(options);
  expected.sftp_host_key = effective_sftp_host_key(options);
  CHECK(*loaded == expected);

  const std::string defaults = to_toml(with_drop_root("/d"));
  CHECK(contains(defaults, "settle_time = \"2s\"\n"));
  CHECK(contains(defaults, "state_dir = \"/d/.person-import\"\n"));
  CHECK(contains(defaults, "# sftp_listen is unset"));
  CHECK(ConfigFile(defaults).load().ok());
}

TEST_CASE("the SFTP keys: defaults, every key read, and the host key beside the state") {
  ConfigFile defaults("drop_root = \"/drops\"\n");
  auto options = defaults.load();
  REQUIRE(options.ok());
  CHECK_FALSE(options->sftp_host_key.has_value());
  CHECK(effective_sftp_host_key(*options) == "/drops/.person-import/ssh_host_ed25519_key");
  CHECK(options->sftp_max_sessions == 64);
  CHECK(options->sftp_max_sessions_per_company == 4);
  CHECK(options->sftp_idle_timeout == 10min);
  CHECK(options->sftp_login_grace_time == 10s);
  CHECK(options->sftp_max_file_size == 4294967296ULL);
  CHECK(options->sftp_max_auth_tries == 6);
  CHECK(options->sftp_auth_failure_limit == 5);
  CHECK(options->sftp_auth_failure_window == 1min);
  CHECK(options->sftp_auth_block_time == 1min);
  CHECK(options->sftp_max_unauthenticated_per_address == 8);
  CHECK(options->sftp_allow_from.empty());

  ConfigFile every(R"(
drop_root = "/drops"
state_dir = "/state"
sftp_listen = "0.0.0.0:2222"
sftp_max_sessions = 10
sftp_max_sessions_per_company = 2
sftp_idle_timeout = "90s"
sftp_login_grace_time = 5
sftp_max_file_size = 1000
sftp_max_auth_tries = 3
sftp_auth_failure_limit = 7
sftp_auth_failure_window = "10m"
sftp_auth_block_time = "1h"
sftp_max_unauthenticated_per_address = 3
sftp_allow_from = ["10.0.0.0/8", "2001:db8::/32", "192.0.2.7"]
)");
  auto loaded = every.load();
  INFO((loaded.ok() ? "" : loaded.error().message));
  REQUIRE(loaded.ok());
  CHECK(effective_sftp_host_key(*loaded) == "/state/ssh_host_ed25519_key");
  CHECK(loaded->sftp_max_sessions == 10);
  CHECK(loaded->sftp_max_sessions_per_company == 2);
  CHECK(loaded->sftp_idle_timeout == 90s);
  CHECK(loaded->sftp_login_grace_time == 5s);
  CHECK(loaded->sftp_max_file_size == 1000);
  CHECK(loaded->sftp_max_auth_tries == 3);
  CHECK(loaded->sftp_auth_failure_limit == 7);
  CHECK(loaded->sftp_auth_failure_window == 10min);
  CHECK(loaded->sftp_auth_block_time == 1h);
  CHECK(loaded->sftp_max_unauthenticated_per_address == 3);
  CHECK(loaded->sftp_allow_from ==
        std::vector<std::string>{"10.0.0.0/8", "2001:db8::/32", "192.0.2.7"});
  // config check writes the list back as TOML.
  CHECK(contains(to_toml(*loaded),
                 "\nsftp_allow_from = [\"10.0.0.0/8\", \"2001:db8::/32\", \"192.0.2.7\"]\n"));
  CHECK(contains(to_toml(*options), "\nsftp_allow_from = []\n"));
  ConfigFile key("drop_root = \"/drops\"\nsftp_host_key = \"/etc/pi/host_key\"\n");
  CHECK(effective_sftp_host_key(*key.load()) == "/etc/pi/host_key");
}

TEST_CASE("the SFTP limits are checked, each problem naming its key and line") {
  ConfigFile file(R"(drop_root = "/drops"
sftp_max_sessions = 0
sftp_max_sessions_per_company = 2000
sftp_idle_timeout = "0s"
sftp_login_grace_time = "25h"
sftp_max_file_size = 0
sftp_max_auth_tries = 101
sftp_auth_failure_limit = -1
sftp_auth_failure_window = 1.5
sftp_auth_block_time = "soon"
sftp_host_key = ""
)");
  const std::string error = file.error();
  CHECK(count_lines(error) == 10);
  CHECK(contains(error, ":2: sftp_max_sessions: must be between 1 and 1024 (got 0)"));
  CHECK(contains(error, ":3: sftp_max_sessions_per_company: must be between 1 and 1024"));
  CHECK(contains(error, ":4: sftp_idle_timeout: must be between 1ms and 24h"));
  CHECK(contains(error, ":5: sftp_login_grace_time: must be between 1ms and 24h"));
  CHECK(contains(error, ":6: sftp_max_file_size: must be between 1 and 1099511627776 (got 0)"));
  CHECK(contains(error, ":7: sftp_max_auth_tries: must be between 1 and 100 (got 101)"));
  CHECK(contains(error, ":8: sftp_auth_failure_limit: must be between 1 and 1000 (got -1)"));
  CHECK(contains(error, ":9: sftp_auth_failure_window: must be an integer number of seconds"));
  CHECK(contains(error, ":10: sftp_auth_block_time: \"soon\" is not a duration"));
  CHECK(contains(error, ":11: sftp_host_key: must not be empty"));

  ConfigFile ranges(
      "drop_root = \"/drops\"\nsftp_allow_from = [\"10.0.0.1/8\", \"example.com\"]\n"
      "sftp_max_unauthenticated_per_address = 0\n");
  const std::string range_error = ranges.error();
  CHECK(contains(range_error,
                 ":2: sftp_allow_from: \"10.0.0.1/8\" has bits set past its prefix; "
                 "did you mean 10.0.0.0/8?"));
  CHECK(contains(range_error, "\"example.com\" is no IP address range"));
  CHECK(contains(range_error,
                 ":3: sftp_max_unauthenticated_per_address: must be between 1 and 1024 (got 0)"));
  ConfigFile not_a_list("drop_root = \"/drops\"\nsftp_allow_from = \"10.0.0.0/8\"\n");
  CHECK(contains(not_a_list.error(), ":2: sftp_allow_from: must be a list of strings"));

  // The per-company limit may not exceed the total.
  ConfigFile above(
      "drop_root = \"/drops\"\nsftp_max_sessions = 3\n"
      "sftp_max_sessions_per_company = 4\n");
  CHECK(contains(above.error(),
                 ":3: sftp_max_sessions_per_company: must not be above sftp_max_sessions (3)"));
  DaemonOptions options = with_drop_root("/d");
  options.sftp_max_sessions_per_company = 100;
  options.sftp_max_file_size = 0;
  auto status = validate(options);
  REQUIRE_FALSE(status.ok());
  CHECK(contains(status.error().message, "sftp_max_sessions_per_company: must not be above"));
  CHECK(contains(status.error().message, "sftp_max_file_size: must be between"));
}
