#include "daemon/service/state_lock.h"
#include "core/common/system_error_text.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>

namespace person_import::service {
namespace {

std::filesystem::path lock_path(const std::filesystem::path& state_dir) {
  return state_dir / "daemon.lock";
}

// The pid written in the lock file, 0 when it holds none.
pid_t recorded_pid(int fd) {
  char text[32] = {};
  const ssize_t got = ::pread(fd, text, sizeof text - 1, 0);
  if (got <= 0) return 0;
  return static_cast<pid_t>(std::strtol(text, nullptr, 10));
}

}  // namespace

Result<std::unique_ptr<StateDirectoryLock>> StateDirectoryLock::acquire(
    const std::filesystem::path& state_dir) {
  const auto path = lock_path(state_dir);
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
  if (fd < 0) return make_error("cannot open " + path.string() + ": " + system_error_text(errno));
  // A probe (holder()) holds the lock shared for microseconds; another daemon for good.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    if (error != EWOULDBLOCK || std::chrono::steady_clock::now() >= deadline) {
      const pid_t pid = recorded_pid(fd);
      ::close(fd);
      if (error != EWOULDBLOCK) {
        return make_error("cannot lock " + path.string() + ": " + system_error_text(error));
      }
      return make_error("state_dir " + state_dir.string() + " is in use by pid " +
                        (pid > 0 ? std::to_string(pid) : std::string("unknown")) +
                        ": another daemon serves it (give each daemon a state_dir of its own)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 ||
      ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    const int error = errno;
    ::close(fd);
    return make_error("cannot write " + path.string() + ": " + system_error_text(error));
  }
  return std::unique_ptr<StateDirectoryLock>(new StateDirectoryLock(fd));
}

StateDirectoryLock::~StateDirectoryLock() { ::close(fd_); }

Result<std::optional<pid_t>> StateDirectoryLock::holder(const std::filesystem::path& state_dir) {
  const auto path = lock_path(state_dir);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<pid_t>();  // no daemon ever ran there
    return make_error("cannot read " + path.string() + ": " + system_error_text(errno));
  }
  std::optional<pid_t> pid;
  if (::flock(fd, LOCK_SH | LOCK_NB) == 0) {
    ::flock(fd, LOCK_UN);
  } else if (errno == EWOULDBLOCK) {
    pid = recorded_pid(fd);
  } else {
    const int error = errno;
    ::close(fd);
    return make_error("cannot lock " + path.string() + ": " + system_error_text(error));
  }
  ::close(fd);
  return pid;
}

}  // namespace person_import::service
