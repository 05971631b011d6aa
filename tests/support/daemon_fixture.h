// A drop root, a database and a configuration with short timings, and the daemon run on them as
// a sysadmin would run it (the built binary, stderr to a log file, a stand-in for systemd's
// notification socket): what the daemon's integration tests drive.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/test_database.h"
#include "tests/support/test_support.h"

namespace test_support {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A drop root, a database and a configuration with short timings; runs the daemon on them.
struct DropRoot {
  TempDirectory directory;
  fs::path root = directory.path() / "drops";
  std::string database = test_support::fresh_test_database(directory.path().string(), "daemon.db");
  std::string config = directory.file("daemon.toml");
  std::string log = directory.file("daemon.log");
  NotifySocket notify{directory.file("notify.sock")};
  pid_t pid = -1;

  explicit DropRoot(const std::string& extra_config = "") {
    fs::create_directories(root);
    write_config(extra_config);
  }
  // The configuration file: short timings (shutdown_timeout unless `extra` sets it) and `extra`.
  void write_config(const std::string& extra) const {
    std::string text = "settle_time = \"200ms\"\npoll_interval = \"200ms\"\n";
    if (!contains(extra, "shutdown_timeout")) text += "shutdown_timeout = \"10s\"\n";
    write_file(config, text + extra);
  }
  ~DropRoot() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }

  test_support::CommandResult cli(const std::string& arguments) const {
    return run_command(test_support::person_import_command(database, arguments));
  }
  void add_company(const std::string& key) const {
    REQUIRE(cli("companies add " + key + " --drop-root " + shell_quote(root.string())).exit_code ==
            0);
  }
  fs::path inbox(const std::string& company) const { return root / company / "inbox"; }
  fs::path outbox(const std::string& company) const { return root / company / "outbox"; }
  fs::path queue() const { return root / ".person-import" / "queue"; }

  // An upload as `mv` makes it: written beside the drop root, then renamed into the inbox.
  void move_in(const std::string& company, const std::string& name, const std::string& text) const {
    const fs::path aside = directory.path() / (company + "-" + name);
    write_file(aside.string(), text);
    fs::rename(aside, inbox(company) / name);
  }

  // Starts the daemon and waits for READY=1. `journald`: stderr (the log file) is announced as
  // the journal's stream, as systemd does (JOURNAL_STREAM).
  void start(int workers = 2, bool journald = false) {
    REQUIRE(pid < 0);
    const std::string binary = PERSON_IMPORT_BINARY;
    const std::vector<std::string> arguments = {
        binary, "--db",        database,      "daemon",    "--config",
        config, "--drop-root", root.string(), "--workers", std::to_string(workers)};
    std::vector<std::pair<std::string, std::string>> environment = {
        {"NOTIFY_SOCKET", notify.path()}};
    if (journald) {
      // The log file is the child's stderr: the stream systemd would name.
      { std::ofstream touch(log, std::ios::app); }
      struct stat stream {};
      REQUIRE(::stat(log.c_str(), &stream) == 0);
      environment.emplace_back("JOURNAL_STREAM",
                               std::to_string(stream.st_dev) + ":" + std::to_string(stream.st_ino));
    }
    pid = spawn_logged(arguments, log, std::nullopt, environment);
    // A previous run's STOPPING=1 may still wait in the socket.
    std::string ready;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (ready != "READY=1" && std::chrono::steady_clock::now() < deadline) {
      ready = notify.receive(std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now()));
    }
    INFO(read_file(log));
    REQUIRE(ready == "READY=1");
  }

  // Sends `signal` and waits for the exit status (nullopt after `timeout`).
  std::optional<int> stop(int signal, std::chrono::milliseconds timeout) {
    REQUIRE(pid > 0);
    ::kill(pid, signal);
    const auto result = test_support::wait_for_exit(pid, timeout);
    if (result) pid = -1;
    return result;
  }

  // Waits for `<name>.result.json` in the company's outbox and returns it parsed.
  nlohmann::json wait_for_result(const std::string& company, const std::string& name,
                                 std::chrono::milliseconds timeout = 20s) const {
    const fs::path path = outbox(company) / (name + ".result.json");
    const bool found = wait_until([&] { return fs::exists(path); }, timeout);
    INFO(read_file(log));
    REQUIRE(found);
    return nlohmann::json::parse(read_file(path.string()));
  }

  // Waits until the company's latest job is running with at least `rows` rows done.
  bool wait_for_running_job(const std::string& company, std::int64_t rows,
                            std::chrono::milliseconds timeout) const {
    return wait_until(
        [&] {
          auto listed = jobs(company);
          return !listed.empty() && listed[0]["status"] == "running" && listed[0]["rows"] >= rows;
        },
        timeout);
  }

  std::vector<nlohmann::json> jobs(const std::string& company) const {
    auto listed = cli("--company " + company + " jobs list --json");
    if (listed.exit_code != 0 || listed.out.empty()) return {};
    return nlohmann::json::parse(listed.out).get<std::vector<nlohmann::json>>();
  }

  std::string export_persons(const std::string& company) const {
    return cli("--company " + company + " persons export").out;
  }
};

}  // namespace test_support
