// Helpers shared by the unit, data-driven and integration tests: temporary directories, file
// I/O, and running the built binary as a user would.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

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

// A child process running `arguments` (argv[0] the program's path), as a service manager
// would start it: stdin from /dev/null, stdout and stderr appended to `log`, as `user` when
// given (its groups, then its uid), with `environment` added. It does not inherit
// JOURNAL_STREAM: its log is read as a file (give it in `environment` to say otherwise). Exit
// status 126 in the child: the user could not be taken; 127: no such program.
inline pid_t spawn_logged(
    const std::vector<std::string>& arguments, const std::string& log,
    const std::optional<std::string>& user = std::nullopt,
    const std::vector<std::pair<std::string, std::string>>& environment = {}) {
  uid_t uid = 0;
  gid_t gid = 0;
  if (user) {
    const passwd* entry = ::getpwnam(user->c_str());
    if (entry == nullptr) throw std::runtime_error("spawn_logged: no user " + *user);
    uid = entry->pw_uid;
    gid = entry->pw_gid;
  }
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("spawn_logged: fork failed");
  if (pid == 0) {
    const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    const int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, 0);
    ::dup2(out, 1);
    ::dup2(out, 2);
    if (user &&
        (::initgroups(user->c_str(), gid) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0)) {
      ::_exit(126);
    }
    ::unsetenv("JOURNAL_STREAM");
    for (const auto& [name, value] : environment) ::setenv(name.c_str(), value.c_str(), 1);
    std::vector<std::string> copies = arguments;
    std::vector<char*> argv;
    for (auto& argument : copies) argv.push_back(argument.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

// A unix datagram socket standing in for systemd's $NOTIFY_SOCKET. `any_user`: a daemon
// running as another user may send to it too.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path, bool any_user = false) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
      throw std::runtime_error("NotifySocket: cannot bind " + path);
    }
    if (any_user) ::chmod(path.c_str(), 0666);
  }
  ~NotifySocket() { ::close(fd_); }
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;
  const std::string& path() const { return path_; }
  // The next message, or "" after `timeout`.
  std::string receive(std::chrono::milliseconds timeout) {
    pollfd entry{fd_, POLLIN, 0};
    if (::poll(&entry, 1, static_cast<int>(timeout.count())) != 1) return "";
    char buffer[256];
    const auto got = ::recv(fd_, buffer, sizeof buffer, 0);
    return got > 0 ? std::string(buffer, static_cast<std::size_t>(got)) : "";
  }

 private:
  std::string path_;
  int fd_ = -1;
};

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
