// The deployment unit systemd/person-import.service, checked offline with the machine's
// systemd-analyze (Debian's systemd package; no running systemd, no root, no installed unit):
// `verify` reports nothing about it, `security` rates its exposure low, and systemd waits
// longer on stop than the daemon's default shutdown_timeout.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <chrono>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/test_support.h"

using test_support::CommandResult;
using test_support::read_file;
using test_support::run_command;
using test_support::shell_quote;
using test_support::TempDirectory;
using test_support::write_file;

namespace {

const std::string kUnitFile =
    std::string(PERSON_IMPORT_SOURCE_DIR) + "/systemd/person-import.service";
const std::string kUnitName = "person-import.service";
const std::string kInstalledBinary = "/usr/bin/person-import";

// The highest `systemd-analyze security` exposure accepted (0 is the best, 10 the worst; the unit
// rates 1.2 with systemd 252). Raise it only for a setting the daemon really needs.
constexpr double kMaxExposure = 2.0;

// Whether systemd-analyze can run here; when it cannot, `why` says so.
bool systemd_analyze_available(std::string& why) {
  const CommandResult version = run_command("systemd-analyze --version");
  if (version.exit_code != 0) {
    why = "systemd-analyze is not available (exit " + std::to_string(version.exit_code) +
          "): " + version.err +
          "\nSKIPPED: the systemd unit is not checked; install Debian's systemd package "
          "(scripts/install-dependencies.sh does)";
    return false;
  }
  return true;
}

// The repository's unit, written as `person-import.service` into `directory`, with ExecStart
// running the built binary: `verify` checks that every command exists, and the tests run where
// /usr/bin/person-import is not installed. Everything else is byte for byte the same,
// except for `extra_lines`, inserted after ExecStart.
std::string write_testable_unit(const TempDirectory& directory,
                                const std::string& extra_lines = "") {
  std::string unit = read_file(kUnitFile);
  const std::string exec_start = "\nExecStart=" + kInstalledBinary + " daemon ";
  const auto at = unit.find(exec_start);
  REQUIRE(at != std::string::npos);
  const std::string binary = "ExecStart=\"" + std::string(PERSON_IMPORT_BINARY) + "\" daemon ";
  unit.replace(at + 1, exec_start.size() - 1, binary);
  const auto line_end = unit.find('\n', at + 1);
  REQUIRE(line_end != std::string::npos);
  unit.insert(line_end + 1, extra_lines);
  const std::string path = directory.file(kUnitName);
  write_file(path, unit);
  return path;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) {
      lines.push_back(line);
    }
  }
  return lines;
}

// The lines of systemd-analyze's output about the unit at `path`: every line except those that
// start with another unit's file or name, which are about the machine's own units (a
// dependency such as network.target) and not judged here.
std::vector<std::string> lines_about_unit(const std::string& output, const std::string& path) {
  static const std::regex other_unit(
      R"(^(/\S*|[A-Za-z0-9@_.\\:-]+\.(service|socket|target|mount|automount|swap|timer|path|slice|scope|device))[: ])");
  std::vector<std::string> about;
  for (const std::string& line : lines_of(output)) {
    std::smatch match;
    const bool names_a_unit = std::regex_search(line, match, other_unit);
    const bool names_this_unit =
        names_a_unit && (match[1].str().rfind(path, 0) == 0 || match[1].str() == kUnitName);
    if (!names_a_unit || names_this_unit) {
      about.push_back(line);
    }
  }
  return about;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) {
    text += line + "\n";
  }
  return text;
}

CommandResult verify(const std::string& path) {
  // --recursive-errors=no: the exit status judges this unit only, not the machine's units it
  // refers to; --man=no: no man pages are installed here; --generators=no: generators need
  // privileges and only add the machine's units.
  return run_command("systemd-analyze verify --man=no --generators=no --recursive-errors=no " +
                     shell_quote(path));
}

// "45s", "1min", "500ms", "2h", or a bare number of seconds: what the unit and the daemon's
// configuration write here.
std::optional<std::chrono::milliseconds> parse_span(const std::string& text) {
  static const std::regex span(R"(^"?([0-9]+)(ms|s|sec|m|min|h)?"?$)");
  std::smatch match;
  if (!std::regex_match(text, match, span)) {
    return std::nullopt;
  }
  const long long amount = std::stoll(match[1].str());
  const std::string unit = match[2].str();
  if (unit == "ms") {
    return std::chrono::milliseconds{amount};
  }
  if (unit == "m" || unit == "min") {
    return std::chrono::minutes{amount};
  }
  if (unit == "h") {
    return std::chrono::hours{amount};
  }
  return std::chrono::seconds{amount};
}

// The value of the first `key=value` line of the unit.
std::string unit_setting(const std::string& unit, const std::string& key) {
  for (const std::string& line : lines_of(unit)) {
    if (line.rfind(key + "=", 0) == 0) {
      return line.substr(key.size() + 1);
    }
  }
  return "";
}

}  // namespace

TEST_CASE("systemd-analyze verify reports nothing about systemd/person-import.service") {
  std::string why;
  if (!systemd_analyze_available(why)) {
    WARN(why);
    return;
  }
  TempDirectory directory;
  const std::string path = write_testable_unit(directory);
  const CommandResult result = verify(path);
  const std::vector<std::string> about = lines_about_unit(result.out + result.err, path);
  INFO("systemd-analyze verify " << path << " (exit " << result.exit_code << "):\n"
                                 << result.out << result.err);
  CHECK(about.empty());
  CHECK(result.exit_code == 0);

  // systemd warns about unit files marked executable; the copy above is not, the original must
  // not be either.
  struct stat status {};
  REQUIRE(::stat(kUnitFile.c_str(), &status) == 0);
  CHECK((status.st_mode & 0111) == 0);
}

TEST_CASE("systemd-analyze verify reports a broken copy of the unit, so the check above works") {
  std::string why;
  if (!systemd_analyze_available(why)) {
    WARN(why);
    return;
  }
  TempDirectory directory;
  // An unknown key and a command that does not exist, inserted into [Service].
  const std::string path =
      write_testable_unit(directory, "ProtectSystemm=strict\nExecStartPre=/nonexistent/x\n");
  const CommandResult result = verify(path);
  const std::string about = joined(lines_about_unit(result.out + result.err, path));
  INFO("systemd-analyze verify " << path << " (exit " << result.exit_code << "):\n"
                                 << result.out << result.err);
  CHECK(result.exit_code != 0);
  CHECK(about.find("Unknown key 'ProtectSystemm'") != std::string::npos);
  CHECK(about.find("/nonexistent/x") != std::string::npos);
}

TEST_CASE("systemd-analyze security rates the unit's exposure low") {
  std::string why;
  if (!systemd_analyze_available(why)) {
    WARN(why);
    return;
  }
  TempDirectory directory;
  const std::string path = write_testable_unit(directory);
  // --offline=yes: the unit file alone, no running systemd asked.
  const CommandResult result =
      run_command("systemd-analyze security --offline=yes --no-pager " + shell_quote(path));
  INFO("systemd-analyze security " << path << " (exit " << result.exit_code << "):\n"
                                   << result.out << result.err);
  REQUIRE(result.exit_code == 0);
  static const std::regex overall(
      R"(Overall exposure level for person-import\.service: ([0-9]+\.[0-9]+))");
  std::smatch match;
  const std::string output = result.out + result.err;
  REQUIRE(std::regex_search(output, match, overall));
  const double exposure = std::stod(match[1].str());
  INFO("exposure " << exposure);
  CHECK(exposure <= kMaxExposure);
}

TEST_CASE("the unit waits longer on stop than the daemon's default shutdown_timeout") {
  // The default, as `config check` reports it for a file that sets only the drop root.
  TempDirectory directory;
  const std::string config = directory.file("minimal.toml");
  write_file(config, "drop_root = \"/srv/person-import/drop\"\n");
  const CommandResult check =
      run_command(shell_quote(PERSON_IMPORT_BINARY) + " config check " + shell_quote(config));
  INFO(check.err);
  REQUIRE(check.exit_code == 0);
  static const std::regex shutdown_line(R"(\nshutdown_timeout = (\S+)\n)");
  std::smatch match;
  REQUIRE(std::regex_search(check.out, match, shutdown_line));
  const auto shutdown_timeout = parse_span(match[1].str());
  REQUIRE(shutdown_timeout);

  const std::string stop = unit_setting(read_file(kUnitFile), "TimeoutStopSec");
  INFO("TimeoutStopSec=" << stop << ", shutdown_timeout = " << match[1].str());
  const auto timeout_stop = parse_span(stop);
  REQUIRE(timeout_stop);
  // Room for the daemon to write its checkpoints and exit after the drain deadline.
  CHECK(*timeout_stop >= *shutdown_timeout + std::chrono::seconds{10});
}
