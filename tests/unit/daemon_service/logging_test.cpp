// The daemon's log lines (daemon/service/logging.h).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "daemon/service/logging.h"
#include "tests/support/test_support.h"

using namespace person_import;
using daemon::LogLevel;
using service::format_log_line;
using service::LogLineStyle;

namespace {

std::chrono::system_clock::time_point noon() {
  using namespace std::chrono;
  return sys_days{2026y / 12 / 3} + 12h + 34min + 56s + 789ms;
}

}  // namespace

TEST_CASE("text lines start with a UTC ISO 8601 timestamp and the level") {
  CHECK(format_log_line(LogLineStyle::kText, LogLevel::kInfo, noon(), "serving /srv/drop") ==
        "2026-12-03T12:34:56.789Z [info] serving /srv/drop");
  CHECK(format_log_line(LogLineStyle::kText, LogLevel::kWarn, noon(), "x") ==
        "2026-12-03T12:34:56.789Z [warning] x");
}

TEST_CASE("under journald a line is its sd-daemon priority prefix and the message") {
  CHECK(format_log_line(LogLineStyle::kJournal, LogLevel::kError, noon(), "rejected") ==
        "<3>rejected");
  CHECK(format_log_line(LogLineStyle::kJournal, LogLevel::kWarn, noon(), "failed rows") ==
        "<4>failed rows");
  CHECK(format_log_line(LogLineStyle::kJournal, LogLevel::kInfo, noon(), "done") == "<6>done");
  CHECK(format_log_line(LogLineStyle::kJournal, LogLevel::kDebug, noon(), "d") == "<7>d");
  CHECK(format_log_line(LogLineStyle::kJournal, LogLevel::kTrace, noon(), "t") == "<7>t");
}

TEST_CASE("json lines are one object each, with the priority prefix under journald") {
  const std::string line =
      format_log_line(LogLineStyle::kJson, LogLevel::kWarn, noon(), "acme/a\nb.persons: 2 failed");
  const auto object = nlohmann::json::parse(line);
  CHECK(object["time"] == "2026-12-03T12:34:56.789Z");
  CHECK(object["level"] == "warning");
  CHECK(object["message"] == "acme/a\nb.persons: 2 failed");
  CHECK(line.find('\n') == std::string::npos);
  const std::string journal =
      format_log_line(LogLineStyle::kJournalJson, LogLevel::kError, noon(), "x");
  REQUIRE(journal.rfind("<3>{", 0) == 0);
  CHECK(nlohmann::json::parse(journal.substr(3))["level"] == "error");
}

TEST_CASE("a client's control characters never reach a log line raw") {
  const std::string hostile = "evil\x1b[2J\r\nname\x07.persons";
  for (auto style : {LogLineStyle::kText, LogLineStyle::kJournal}) {
    const std::string line = format_log_line(style, LogLevel::kInfo, noon(), hostile);
    CHECK(line.find('\x1b') == std::string::npos);
    CHECK(line.find('\r') == std::string::npos);
    CHECK(line.find('\n') == std::string::npos);
    CHECK(line.find('\x07') == std::string::npos);
    CHECK(test_support::contains(line, "evil\\x1b[2J\\r\\nname\\x07.persons"));
  }
}

TEST_CASE("journald is recognised only by a JOURNAL_STREAM naming the very stream") {
  test_support::TempDirectory directory;
  const std::string path = directory.file("stream");
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  REQUIRE(fd >= 0);
  struct stat status {};
  REQUIRE(::fstat(fd, &status) == 0);
  const std::string matching = std::to_string(status.st_dev) + ":" + std::to_string(status.st_ino);
  ::setenv("JOURNAL_STREAM", matching.c_str(), 1);
  CHECK(service::is_journal_stream(fd));
  ::setenv("JOURNAL_STREAM", (std::to_string(status.st_dev) + ":1").c_str(), 1);
  CHECK_FALSE(service::is_journal_stream(fd));
  ::setenv("JOURNAL_STREAM", "garbage", 1);
  CHECK_FALSE(service::is_journal_stream(fd));
  ::unsetenv("JOURNAL_STREAM");
  CHECK_FALSE(service::is_journal_stream(fd));
  ::close(fd);
  CHECK(service::log_line_style(daemon::LogFormat::kText, true) == LogLineStyle::kJournal);
  CHECK(service::log_line_style(daemon::LogFormat::kText, false) == LogLineStyle::kText);
  CHECK(service::log_line_style(daemon::LogFormat::kJson, true) == LogLineStyle::kJournalJson);
  CHECK(service::log_line_style(daemon::LogFormat::kJson, false) == LogLineStyle::kJson);
}
