#include "daemon/config/daemon_options.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <sstream>
#include <utility>
#include <vector>

#include <toml.hpp>

#include "core/common/address_range.h"
#include "core/common/closest_name.h"
#include "core/common/listen_address.h"
#include "core/common/text_file.h"
#include "daemon/config/toml_guard.h"

namespace person_import::daemon {
namespace {

using std::chrono::milliseconds;

// A problem found, or none.
using Outcome = std::optional<std::string>;

constexpr std::array<std::pair<std::string_view, LogFormat>, 2> kLogFormats{{
    {"text", LogFormat::kText},
    {"json", LogFormat::kJson},
}};
constexpr std::array<std::pair<std::string_view, LogLevel>, 5> kLogLevels{{
    {"trace", LogLevel::kTrace},
    {"debug", LogLevel::kDebug},
    {"info", LogLevel::kInfo},
    {"warn", LogLevel::kWarn},
    {"error", LogLevel::kError},
}};

// ----- the rules, shared by the file reader and validate() -----

Outcome workers_problem(std::int64_t workers) {
  if (workers >= kMinWorkers && workers <= kMaxWorkers) return std::nullopt;
  return "must be between " + std::to_string(kMinWorkers) + " and " + std::to_string(kMaxWorkers) +
         " (got " + std::to_string(workers) + ")";
}

Outcome batch_rows_problem(std::int64_t rows) {
  if (rows >= static_cast<std::int64_t>(kMinBatchRows) &&
      rows <= static_cast<std::int64_t>(kMaxBatchRows)) {
    return std::nullopt;
  }
  return "must be between " + std::to_string(kMinBatchRows) + " and " +
         std::to_string(kMaxBatchRows) + " (got " + std::to_string(rows) + ")";
}

// `written` is the value as the user wrote it, for the message.
Outcome duration_problem(milliseconds duration, const std::string& written) {
  if (duration >= kMinDuration && duration <= kMaxDuration) return std::nullopt;
  return "must be between " + format_duration(kMinDuration) + " and " +
         format_duration(kMaxDuration) + " (got " + written + ")";
}

// An integer in [low, high].
Outcome range_problem(std::int64_t value, std::int64_t low, std::int64_t high) {
  if (value >= low && value <= high) return std::nullopt;
  return "must be between " + std::to_string(low) + " and " + std::to_string(high) + " (got " +
         std::to_string(value) + ")";
}
Outcome sftp_sessions_problem(std::int64_t sessions) {
  return range_problem(sessions, 1, kMaxSftpSessions);
}
Outcome sftp_auth_tries_problem(std::int64_t tries) {
  return range_problem(tries, 1, kMaxSftpAuthTries);
}
Outcome sftp_failure_limit_problem(std::int64_t failures) {
  return range_problem(failures, 1, kMaxSftpAuthFailureLimit);
}
Outcome sftp_file_size_problem(std::int64_t bytes) {
  return range_problem(bytes, 1, static_cast<std::int64_t>(kMaxSftpFileSize));
}

Outcome manifest_row_errors_problem(std::int64_t count) {
  return range_problem(count, 0, static_cast<std::int64_t>(kMaxManifestRowErrors));
}

Outcome path_problem(const std::string& path) {
  if (path.empty()) return "must not be empty";
  if (path.find('\0') != std::string::npos) return "must not contain a NUL character";
  return std::nullopt;
}

struct Problem {
  std::string key;
  std::string message;
};

std::vector<Problem> check_values(const DaemonOptions& options) {
  std::vector<Problem> problems;
  auto note = [&](const char* key, Outcome outcome) {
    if (outcome) problems.push_back({key, std::move(*outcome)});
  };
  note("database", path_problem(options.database));
  if (options.drop_root.empty()) {
    note("drop_root", "required: the folder holding one folder per company");
  } else {
    note("drop_root", path_problem(options.drop_root));
  }
  if (options.state_dir) {
    Outcome outcome = path_problem(*options.state_dir);
    if (outcome && options.state_dir->empty()) *outcome += " (leave it out for the default)";
    note("state_dir", std::move(outcome));
  }
  note("workers", workers_problem(options.workers));
  note("poll_interval",
       duration_problem(options.poll_interval, format_duration(options.poll_interval)));
  note("settle_time", duration_problem(options.settle_time, format_duration(options.settle_time)));
  note("shutdown_timeout",
       duration_problem(options.shutdown_timeout, format_duration(options.shutdown_timeout)));
  note("reconnect_delay",
       duration_problem(options.reconnect_delay, format_duration(options.reconnect_delay)));
  note("reconnect_max_delay",
       duration_problem(options.reconnect_max_delay, format_duration(options.reconnect_max_delay)));
  if (options.reconnect_delay > options.reconnect_max_delay) {
    note("reconnect_delay", "must not exceed reconnect_max_delay (" +
                                format_duration(options.reconnect_max_delay) + ", got " +
                                format_duration(options.reconnect_delay) + ")");
  }
  note("batch_rows", batch_rows_problem(static_cast<std::int64_t>(
                         std::min<std::size_t>(options.batch_rows, INT64_MAX))));
  note("progress_log_interval", duration_problem(options.progress_log_interval,
                                                 format_duration(options.progress_log_interval)));
  note("manifest_max_row_errors",
       manifest_row_errors_problem(static_cast<std::int64_t>(
           std::min<std::size_t>(options.manifest_max_row_errors, INT64_MAX))));
  if (options.sftp_listen) {
    Status address = check_listen_address(*options.sftp_listen);
    if (!address.ok()) note("sftp_listen", address.error().message);
  }
  if (options.sftp_host_key) {
    Outcome outcome = path_problem(*options.sftp_host_key);
    if (outcome && options.sftp_host_key->empty()) *outcome += " (leave it out for the default)";
    note("sftp_host_key", std::move(outcome));
  }
  note("sftp_max_sessions", sftp_sessions_problem(options.sftp_max_sessions));
  Outcome per_company = sftp_sessions_problem(options.sftp_max_sessions_per_company);
  if (!per_company && options.sftp_max_sessions_per_company > options.sftp_max_sessions) {
    per_company =
        "must not be above sftp_max_sessions (" + std::to_string(options.sftp_max_sessions) + ")";
  }
  note("sftp_max_sessions_per_company", std::move(per_company));
  for (const auto& [key, duration] :
       {std::pair{"sftp_idle_timeout", options.sftp_idle_timeout},
        std::pair{"sftp_login_grace_time", options.sftp_login_grace_time},
        std::pair{"sftp_auth_failure_window", options.sftp_auth_failure_window},
        std::pair{"sftp_auth_block_time", options.sftp_auth_block_time}}) {
    note(key, duration_problem(duration, format_duration(duration)));
  }
  note("sftp_max_file_size", sftp_file_size_problem(static_cast<std::int64_t>(
                                 std::min<std::uint64_t>(options.sftp_max_file_size, INT64_MAX))));
  note("sftp_max_auth_tries", sftp_auth_tries_problem(options.sftp_max_auth_tries));
  note("sftp_auth_failure_limit", sftp_failure_limit_problem(options.sftp_auth_failure_limit));
  note("sftp_max_unauthenticated_per_address",
       sftp_sessions_problem(options.sftp_max_unauthenticated_per_address));
  for (const auto& range : options.sftp_allow_from) {
    if (auto parsed = AddressRange::parse(range); !parsed.ok()) {
      note("sftp_allow_from", parsed.error().message);
    }
  }
  return problems;
}

// ----- reading TOML values -----

std::string describe_type(const toml::value& value) {
  switch (value.type()) {
    case toml::value_t::boolean:
      return "a boolean";
    case toml::value_t::integer:
      return "an integer";
    case toml::value_t::floating:
      return "a float";
    case toml::value_t::string:
      return "a string";
    case toml::value_t::offset_datetime:
    case toml::value_t::local_datetime:
    case toml::value_t::local_date:
    case toml::value_t::local_time:
      return "a date or time";
    case toml::value_t::array:
      return "an array";
    case toml::value_t::table:
      return "a table";
    default:
      return "nothing";
  }
}

std::string in_quotes(std::string_view text) { return "\"" + std::string(text) + "\""; }

Outcome read_string(const toml::value& value, std::string& out) {
  if (!value.is_string()) return "must be a string (got " + describe_type(value) + ")";
  out = value.as_string(std::nothrow).str;
  return std::nullopt;
}

Outcome read_optional_string(const toml::value& value, std::optional<std::string>& out) {
  std::string text;
  if (Outcome problem = read_string(value, text)) return problem;
  out = std::move(text);
  return std::nullopt;
}

Outcome read_string_list(const toml::value& value, std::vector<std::string>& out) {
  if (!value.is_array()) {
    return "must be a list of strings, [\"10.0.0.0/8\"] (got " + describe_type(value) + ")";
  }
  std::vector<std::string> items;
  for (const auto& item : value.as_array(std::nothrow)) {
    std::string text;
    if (Outcome problem = read_string(item, text)) return "each item " + *problem;
    items.push_back(std::move(text));
  }
  out = std::move(items);
  return std::nullopt;
}

// An integer checked by `rule` before it is narrowed into `out`.
template <class T>
Outcome read_integer(const toml::value& value, Outcome (*rule)(std::int64_t), T& out) {
  if (!value.is_integer()) return "must be an integer (got " + describe_type(value) + ")";
  const std::int64_t number = value.as_integer(std::nothrow);
  if (Outcome problem = rule(number)) return problem;
  out = static_cast<T>(number);
  return std::nullopt;
}

Outcome read_duration(const toml::value& value, milliseconds& out) {
  const std::string expected =
      "must be an integer number of seconds or a string such as \"500ms\", \"2s\", \"1m\"";
  milliseconds duration{0};
  std::string written;
  if (value.is_integer()) {
    const std::int64_t seconds = value.as_integer(std::nothrow);
    written = std::to_string(seconds);
    constexpr std::int64_t kLimit =
        std::chrono::duration_cast<std::chrono::seconds>(kMaxDuration).count();
    // Out of range either way; clamped so that the conversion cannot overflow.
    duration = std::chrono::seconds{std::clamp<std::int64_t>(seconds, -1, kLimit + 1)};
  } else if (value.is_string()) {
    written = in_quotes(value.as_string(std::nothrow).str);
    auto parsed = parse_duration(value.as_string(std::nothrow).str);
    if (!parsed.ok()) return parsed.error().message;
    duration = *parsed;
  } else if (value.is_floating()) {
    std::string problem = expected + " (got a float";
    const double seconds = value.as_floating(std::nothrow);
    if (std::isfinite(seconds) && seconds > 0 && seconds <= 86400) {
      problem += ": write \"" + std::to_string(std::llround(seconds * 1000)) + "ms\"";
    }
    return problem + ")";
  } else {
    return expected + " (got " + describe_type(value) + ")";
  }
  if (Outcome problem = duration_problem(duration, written)) return problem;
  out = duration;
  return std::nullopt;
}

template <class E, std::size_t N>
Outcome read_choice(const toml::value& value,
                    const std::array<std::pair<std::string_view, E>, N>& choices, E& out) {
  std::string names;
  for (const auto& [name, choice] : choices) names += (names.empty() ? "" : ", ") + in_quotes(name);
  if (!value.is_string()) {
    return "must be one of " + names + " (got " + describe_type(value) + ")";
  }
  const std::string& text = value.as_string(std::nothrow).str;
  for (const auto& [name, choice] : choices) {
    if (text == name) {
      out = choice;
      return std::nullopt;
    }
  }
  return "must be one of " + names + " (got " + in_quotes(text) + ")";
}

// ----- the file's keys -----

using KeyReader = std::function<Outcome(const toml::value&, DaemonOptions&)>;

const std::vector<std::pair<std::string_view, KeyReader>>& key_readers() {
  static const std::vector<std::pair<std::string_view, KeyReader>> readers{
      {"database", [](auto& v, auto& o) { return read_string(v, o.database); }},
      {"drop_root", [](auto& v, auto& o) { return read_string(v, o.drop_root); }},
      {"state_dir", [](auto& v, auto& o) { return read_optional_string(v, o.state_dir); }},
      {"workers", [](auto& v, auto& o) { return read_integer(v, &workers_problem, o.workers); }},
      {"watch",
       [](auto& v, auto& o) { return read_choice(v, watching::kWatchModeNames, o.watch); }},
      {"poll_interval", [](auto& v, auto& o) { return read_duration(v, o.poll_interval); }},
      {"settle_time", [](auto& v, auto& o) { return read_duration(v, o.settle_time); }},
      {"shutdown_timeout", [](auto& v, auto& o) { return read_duration(v, o.shutdown_timeout); }},
      {"reconnect_delay", [](auto& v, auto& o) { return read_duration(v, o.reconnect_delay); }},
      {"reconnect_max_delay",
       [](auto& v, auto& o) { return read_duration(v, o.reconnect_max_delay); }},
      {"batch_rows",
       [](auto& v, auto& o) { return read_integer(v, &batch_rows_problem, o.batch_rows); }},
      {"log_level", [](auto& v, auto& o) { return read_choice(v, kLogLevels, o.log_level); }},
      {"log_format", [](auto& v, auto& o) { return read_choice(v, kLogFormats, o.log_format); }},
      {"progress_log_interval",
       [](auto& v, auto& o) { return read_duration(v, o.progress_log_interval); }},
      {"manifest_max_row_errors",
       [](auto& v, auto& o) {
         return read_integer(v, &manifest_row_errors_problem, o.manifest_max_row_errors);
       }},
      {"sftp_listen", [](auto& v, auto& o) { return read_optional_string(v, o.sftp_listen); }},
      {"sftp_host_key", [](auto& v, auto& o) { return read_optional_string(v, o.sftp_host_key); }},
      {"sftp_max_sessions",
       [](auto& v, auto& o) {
         return read_integer(v, &sftp_sessions_problem, o.sftp_max_sessions);
       }},
      {"sftp_max_sessions_per_company",
       [](auto& v, auto& o) {
         return read_integer(v, &sftp_sessions_problem, o.sftp_max_sessions_per_company);
       }},
      {"sftp_idle_timeout", [](auto& v, auto& o) { return read_duration(v, o.sftp_idle_timeout); }},
      {"sftp_login_grace_time",
       [](auto& v, auto& o) { return read_duration(v, o.sftp_login_grace_time); }},
      {"sftp_max_file_size",
       [](auto& v, auto& o) {
         return read_integer(v, &sftp_file_size_problem, o.sftp_max_file_size);
       }},
      {"sftp_max_auth_tries",
       [](auto& v, auto& o) {
         return read_integer(v, &sftp_auth_tries_problem, o.sftp_max_auth_tries);
       }},
      {"sftp_auth_failure_limit",
       [](auto& v, auto& o) {
         return read_integer(v, &sftp_failure_limit_problem, o.sftp_auth_failure_limit);
       }},
      {"sftp_auth_failure_window",
       [](auto& v, auto& o) { return read_duration(v, o.sftp_auth_failure_window); }},
      {"sftp_auth_block_time",
       [](auto& v, auto& o) { return read_duration(v, o.sftp_auth_block_time); }},
      {"sftp_max_unauthenticated_per_address",
       [](auto& v, auto& o) {
         return read_integer(v, &sftp_sessions_problem, o.sftp_max_unauthenticated_per_address);
       }},
      {"sftp_allow_from", [](auto& v, auto& o) { return read_string_list(v, o.sftp_allow_from); }},
  };
  return readers;
}

std::string unknown_key_message(const std::string& key, const toml::value& value) {
  std::string message = "unknown key";
  std::vector<std::string> names;
  for (const auto& [name, reader] : key_readers()) names.emplace_back(name);
  if (auto suggestion = closest_name(key, names)) {
    return message + "; did you mean " + in_quotes(*suggestion) + "?";
  }
  if (value.is_table()) message += " (the file has top-level keys only, no tables)";
  std::string known;
  for (const auto& name : names) known += (known.empty() ? "" : ", ") + name;
  return message + "; known keys: " + known;
}

// "[error] toml::parse_key_value_pair: missing key-value separator `=`\n --> f.toml\n..." →
// "missing key-value separator `=`" and the excerpt that follows it.
std::pair<std::string, std::string> split_syntax_error(std::string_view what) {
  const std::size_t line_end = std::min(what.find('\n'), what.size());
  std::string_view first = what.substr(0, line_end);
  const std::string_view rest = what.substr(line_end);
  constexpr std::string_view kTag = "[error] ";
  if (first.substr(0, kTag.size()) == kTag) first.remove_prefix(kTag.size());
  // The toml11 function that failed: one word before ": ".
  const std::size_t colon = first.find(": ");
  if (colon != std::string_view::npos && first.substr(0, colon).find(' ') == std::string::npos) {
    first.remove_prefix(colon + 2);
  }
  return {std::string(first), std::string(rest)};
}

const char* flag_of(std::string_view key) {
  if (key == "database") return "--db";
  if (key == "drop_root") return "--drop-root";
  if (key == "workers") return "--workers";
  if (key == "sftp_listen") return "--sftp-listen";
  return nullptr;
}

bool overridden(std::string_view key, const DaemonOverrides& overrides) {
  if (key == "database") return overrides.database.has_value();
  if (key == "drop_root") return overrides.drop_root.has_value();
  if (key == "workers") return overrides.workers.has_value();
  if (key == "sftp_listen") return overrides.sftp_listen.has_value();
  return false;
}

void append_escaped(std::string& out, std::string_view text) {
  out += '"';
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (byte < 0x20 || byte == 0x7f) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04X", static_cast<unsigned>(byte));
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

// What reading a file found: problems by line, and the line of every known key.
struct Findings {
  std::vector<std::pair<std::uint64_t, std::string>> problems;
  std::map<std::string, std::uint64_t> lines;
};

constexpr std::uint64_t kNoLine = std::numeric_limits<std::uint64_t>::max();

// Checks the file's values (each written value must be valid, even one a flag overrides),
// applies the overrides and checks the flags' values, and lists every problem: sorted by line,
// those without one (a missing key, a flag) last. `path` is null when there is no file.
Result<DaemonOptions> finish(DaemonOptions options, const DaemonOverrides& overrides,
                             const std::string* path, Findings findings) {
  auto& problems = findings.problems;
  for (auto& [key, message] : check_values(options)) {
    if (const auto line = findings.lines.find(key); line != findings.lines.end()) {
      problems.emplace_back(
          line->second, *path + ":" + std::to_string(line->second) + ": " + key + ": " + message);
    } else if (overridden(key, overrides)) {
      continue;  // a default (drop_root: none) the flag replaces; checked below
    } else if (!path) {
      if (key == "drop_root") message += " (give --drop-root DIR, or --config FILE)";
      problems.emplace_back(kNoLine, key + ": " + message);
    } else {
      problems.emplace_back(kNoLine, *path + ": " + key + ": " + message);
    }
  }
  apply_overrides(overrides, options);
  for (auto& [key, message] : check_values(options)) {
    if (!overridden(key, overrides)) continue;  // reported above
    // A flag given empty: "required" would mislead.
    if (key == "drop_root" && options.drop_root.empty()) message = "must not be empty";
    problems.emplace_back(kNoLine, std::string(flag_of(key)) + ": " + message);
  }
  if (problems.empty()) return options;
  std::stable_sort(problems.begin(), problems.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string message;
  for (const auto& [line, problem] : problems) message += (message.empty() ? "" : "\n") + problem;
  return make_error(std::move(message));
}

}  // namespace

Result<DaemonOptions> load_daemon_options(const std::string& path,
                                          const DaemonOverrides& overrides) {
  PI_ASSIGN_OR_RETURN(const std::string text, read_text_file(path));
  if (const auto problem = toml_text_problem(text)) {
    return make_error(path + ":" + std::to_string(problem->line) + ": " + problem->message);
  }
  toml::value root;
  try {
    std::istringstream stream(text);
    root = toml::parse(stream, path);
  } catch (const toml::exception& error) {
    auto [message, excerpt] = split_syntax_error(error.what());
    return make_error(path + ":" + std::to_string(error.location().line()) +
                      ": syntax error: " + message + excerpt);
  } catch (const std::exception& error) {
    return make_error(path + ": cannot parse: " + error.what());
  }

  Findings findings;
  DaemonOptions options;
  try {
    for (const auto& [key, value] : root.as_table()) {
      const std::uint64_t line = value.location().line();
      const std::string where = path + ":" + std::to_string(line) + ": " + key + ": ";
      const auto& readers = key_readers();
      // By name: clang before 16 cannot capture a structured binding.
      const std::string& name = key;
      const auto reader = std::find_if(readers.begin(), readers.end(),
                                       [&](const auto& entry) { return entry.first == name; });
      if (reader == readers.end()) {
        findings.problems.emplace_back(line, where + unknown_key_message(key, value));
        continue;
      }
      findings.lines[key] = line;
      if (Outcome problem = reader->second(value, options)) {
        findings.problems.emplace_back(line, where + *problem);
      }
    }
  } catch (const std::exception& error) {
    return make_error(path + ": cannot read the configuration: " + error.what());
  }
  return finish(std::move(options), overrides, &path, std::move(findings));
}

Result<DaemonOptions> resolve_daemon_options(const std::optional<std::string>& config_path,
                                             const DaemonOverrides& overrides) {
  if (config_path) return load_daemon_options(*config_path, overrides);
  return finish(DaemonOptions{}, overrides, nullptr, Findings{});
}

void apply_overrides(const DaemonOverrides& overrides, DaemonOptions& options) {
  if (overrides.database) options.database = *overrides.database;
  if (overrides.drop_root) options.drop_root = *overrides.drop_root;
  if (overrides.workers) options.workers = *overrides.workers;
  if (overrides.sftp_listen) options.sftp_listen = *overrides.sftp_listen;
}

Status validate(const DaemonOptions& options) {
  std::string message;
  for (const auto& [key, problem] : check_values(options)) {
    message += (message.empty() ? "" : "\n") + key + ": " + problem;
  }
  if (message.empty()) return Status::success();
  return make_error(std::move(message));
}

std::string effective_state_dir(const DaemonOptions& options) {
  if (options.state_dir) return *options.state_dir;
  return (std::filesystem::path(options.drop_root) / ".person-import").string();
}

std::string effective_sftp_host_key(const DaemonOptions& options) {
  if (options.sftp_host_key) return *options.sftp_host_key;
  return (std::filesystem::path(effective_state_dir(options)) / "ssh_host_ed25519_key").string();
}

Result<milliseconds> parse_duration(std::string_view text) {
  auto invalid = [&] {
    return make_error(in_quotes(text) +
                      " is not a duration: write a whole number followed by ms, s, m or h "
                      "(\"500ms\", \"2s\", \"1m\", \"1h\"), or an integer number of seconds");
  };
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0) return invalid();
  // Nine digits of hours still fit in 64-bit milliseconds.
  if (digits > 9) {
    return make_error(in_quotes(text) + " is too long: durations are at most " +
                      format_duration(kMaxDuration));
  }
  std::int64_t number = 0;
  for (std::size_t index = 0; index < digits; ++index) number = number * 10 + (text[index] - '0');
  const std::string_view unit = text.substr(digits);
  if (unit == "ms") return milliseconds{number};
  if (unit == "s") return milliseconds{std::chrono::seconds{number}};
  if (unit == "m") return milliseconds{std::chrono::minutes{number}};
  if (unit == "h") return milliseconds{std::chrono::hours{number}};
  return invalid();
}

std::string format_duration(milliseconds duration) {
  const std::int64_t ms = duration.count();
  if (ms == 0) return "0s";
  if (ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms % 60'000 == 0) return std::to_string(ms / 60'000) + "m";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

Status check_listen_address(std::string_view address) {
  if (auto parsed = parse_listen_address(address); !parsed.ok()) return parsed.error();
  return Status::success();
}

std::string_view to_string(LogFormat format) {
  for (const auto& [name, value] : kLogFormats) {
    if (value == format) return name;
  }
  return "?";
}

std::string_view to_string(LogLevel level) {
  for (const auto& [name, value] : kLogLevels) {
    if (value == level) return name;
  }
  return "?";
}

std::string to_toml(const DaemonOptions& options) {
  std::string out;
  auto key = [&](std::string_view name) {
    out += name;
    out += " = ";
  };
  auto string = [&](std::string_view name, std::string_view value) {
    key(name);
    append_escaped(out, value);
    out += '\n';
  };
  auto number = [&](std::string_view name, auto value) {
    key(name);
    out += std::to_string(value) + '\n';
  };
  string("database", options.database);
  string("drop_root", options.drop_root);
  string("state_dir", effective_state_dir(options));
  number("workers", options.workers);
  string("watch", to_string(options.watch));
  string("poll_interval", format_duration(options.poll_interval));
  string("settle_time", format_duration(options.settle_time));
  string("shutdown_timeout", format_duration(options.shutdown_timeout));
  string("reconnect_delay", format_duration(options.reconnect_delay));
  string("reconnect_max_delay", format_duration(options.reconnect_max_delay));
  number("batch_rows", options.batch_rows);
  string("log_level", to_string(options.log_level));
  string("log_format", to_string(options.log_format));
  string("progress_log_interval", format_duration(options.progress_log_interval));
  number("manifest_max_row_errors", options.manifest_max_row_errors);
  if (options.sftp_listen) {
    string("sftp_listen", *options.sftp_listen);
  } else {
    out += "# sftp_listen is unset: no built-in SFTP server\n";
  }
  string("sftp_host_key", effective_sftp_host_key(options));
  number("sftp_max_sessions", options.sftp_max_sessions);
  number("sftp_max_sessions_per_company", options.sftp_max_sessions_per_company);
  string("sftp_idle_timeout", format_duration(options.sftp_idle_timeout));
  string("sftp_login_grace_time", format_duration(options.sftp_login_grace_time));
  number("sftp_max_file_size", options.sftp_max_file_size);
  number("sftp_max_auth_tries", options.sftp_max_auth_tries);
  number("sftp_auth_failure_limit", options.sftp_auth_failure_limit);
  string("sftp_auth_failure_window", format_duration(options.sftp_auth_failure_window));
  string("sftp_auth_block_time", format_duration(options.sftp_auth_block_time));
  number("sftp_max_unauthenticated_per_address", options.sftp_max_unauthenticated_per_address);
  key("sftp_allow_from");
  out += '[';
  for (std::size_t index = 0; index < options.sftp_allow_from.size(); ++index) {
    if (index > 0) out += ", ";
    append_escaped(out, options.sftp_allow_from[index]);
  }
  out += "]\n";
  return out;
}

}  // namespace person_import::daemon
