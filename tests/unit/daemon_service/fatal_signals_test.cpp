// The SIGBUS report (daemon/service/fatal_signals.h), in a child process that makes a real bus
// error: a mapped page of a file truncated under it.
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <regex>
#include <string>

#include "core/common/clock.h"
#include "daemon/service/fatal_signals.h"
#include "daemon/service/logging.h"
#include "tests/support/test_support.h"

using namespace person_import;

namespace {

struct Child {
  int status = 0;
  std::string stderr_text;
};

// Runs `body` in a child whose stderr goes to a file; returns how it ended and what it wrote.
Child run_child(const std::string& stderr_path, const std::function<void()>& body) {
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const int fd = ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || ::dup2(fd, STDERR_FILENO) < 0) ::_exit(99);
    body();
    ::_exit(0);
  }
  Child child;
  REQUIRE(::waitpid(pid, &child.status, 0) == pid);
  child.stderr_text = test_support::read_file(stderr_path);
  return child;
}

// Maps a file, truncates it and touches the mapping: the kernel sends SIGBUS.
void make_a_bus_error(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || ::ftruncate(fd, 65536) != 0) ::_exit(98);
  auto* page = static_cast<volatile char*>(
      ::mmap(nullptr, 65536, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
  if (page == MAP_FAILED || ::ftruncate(fd, 0) != 0) ::_exit(97);
  page[4096] = 1;
  ::_exit(96);  // not reached
}

}  // namespace

TEST_CASE("regression: the database vanishing under the daemon - a bus error is logged, status 1") {
  test_support::TempDirectory directory;
  const auto style = GENERATE(service::LogLineStyle::kText, service::LogLineStyle::kJournal,
                              service::LogLineStyle::kJson);
  const auto before = std::chrono::system_clock::now();
  const Child child = run_child(directory.file("stderr"), [&] {
    service::report_bus_errors([style](std::chrono::system_clock::time_point time) {
      return service::format_log_line(style, daemon::LogLevel::kError, time,
                                      service::kBusErrorMessage);
    });
    make_a_bus_error(directory.file("mapped"));
  });
  INFO(child.stderr_text);
  REQUIRE(WIFEXITED(child.status));
  CHECK(WEXITSTATUS(child.status) == 1);
  CHECK(test_support::contains(child.stderr_text, "fatal: bus error (SIGBUS): a memory-mapped"));
  CHECK(child.stderr_text.back() == '\n');
  CHECK(std::count(child.stderr_text.begin(), child.stderr_text.end(), '\n') == 1);
  if (style == service::LogLineStyle::kJournal) {
    CHECK(child.stderr_text.starts_with("<3>fatal: bus error"));
  } else {
    // The time of the fault, not of the installation (the epoch stands in until then).
    std::smatch time;
    REQUIRE(std::regex_search(child.stderr_text, time,
                              std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
    const auto stamped = parse_timestamp(time.str());
    REQUIRE(stamped);
    CHECK(*stamped >= std::chrono::floor<std::chrono::milliseconds>(before));
    CHECK(*stamped <= std::chrono::system_clock::now());
  }
}

TEST_CASE("without the handler a bus error kills silently - what the handler replaces") {
  test_support::TempDirectory directory;
  const Child child = run_child(directory.file("stderr"), [&] {
    ::signal(SIGBUS, SIG_DFL);  // a sanitizer's own report would stand in for the default
    make_a_bus_error(directory.file("mapped"));
  });
  REQUIRE(WIFSIGNALED(child.status));
  CHECK(WTERMSIG(child.status) == SIGBUS);
  CHECK(child.stderr_text.empty());
}
