// Helpers shared by the unit, data-driven and integration tests: temporary directories, file
// I/O, and running the built binary as a user would.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

namespace test_support {

// A fresh directory removed (with its contents) when the object goes away.
class TempDirectory {
 public:
  TempDirectory() {
    static std::atomic<unsigned> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("person_import_test_" + std::to_string(::getpid()) + "_" +
             std::to_string(counter.fetch_add(1)));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDirectory(const TempDirectory&) = delete;
  TempDirectory& operator=(const TempDirectory&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline void write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs `command` through /bin/sh with stdin from /dev/null, capturing stdout and stderr.
inline CommandResult run_command(const std::string& command) {
  TempDirectory capture;
  const std::string out_path = capture.file("stdout");
  const std::string err_path = capture.file("stderr");
  const std::string full =
      command + " </dev/null >" + shell_quote(out_path) + " 2>" + shell_quote(err_path);
  const int status = std::system(full.c_str());
  CommandResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = read_file(out_path);
  result.err = read_file(err_path);
  return result;
}

// The built binary with `arguments` (already shell-quoted as needed), reading no daemon
// configuration unless the arguments name one: a /etc/person-import/person-import.toml of the
// machine running the tests must not change what they see.
inline std::string person_import_bare_command(const std::string& arguments) {
  return "env PERSON_IMPORT_CONFIG= " + shell_quote(PERSON_IMPORT_BINARY) + " " + arguments;
}

// The same, with `--db database` first.
inline std::string person_import_command(const std::string& database,
                                         const std::string& arguments) {
  return person_import_bare_command("--db " + shell_quote(database) + " " + arguments);
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Polls `done` every 20 ms until it is true (true) or `timeout` passes (false).
inline bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  }
}

// Child `pid`'s exit status once it has ended (reaping it): its exit code, or 128 + the signal
// that ended it, as a shell reports it. nullopt while it still runs.
inline std::optional<int> try_reap(pid_t pid) {
  int status = 0;
  if (::waitpid(pid, &status, WNOHANG) != pid) return std::nullopt;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Waits up to `timeout` for child `pid` to end: its status as try_reap gives it, or nullopt.
inline std::optional<int> wait_for_exit(pid_t pid, std::chrono::milliseconds timeout) {
  std::optional<int> result;
  wait_until([&] { return (result = try_reap(pid)).has_value(); }, timeout);
  return result;
}

// A loopback TCP port nobody listens on right now (the kernel picks it). Throws when no socket
// can be bound.
inline int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("free_port: no socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  const bool bound = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                     ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  ::close(fd);
  if (!bound) throw std::runtime_error("free_port: cannot bind a loopback port");
  return ntohs(address.sin_port);
}

}  // namespace test_support
