// One daemon per state directory (DaemonOptions::state_dir): the daemon holds an exclusive
// flock(2) on `<state_dir>/daemon.lock`, which holds its pid, for as long as it runs. The
// kernel releases the lock when the process ends, however it ends (kill -9 included), so a
// stale file never blocks a start.
//
// Two daemons on one state directory would take each other's queued files; the second one
// therefore stops at its start with "state_dir DIR is in use by pid N".
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <optional>

#include "core/common/result.h"

namespace person_import::service {

class StateDirectoryLock {
 public:
  // Takes the lock of `state_dir` (which must exist) and writes this process's pid into it.
  // A `holder` probe holds it shared for an instant: that is waited out (half a second at
  // most). Errors: another process holds it ("state_dir DIR is in use by pid N"), or the file
  // cannot be opened.
  static Result<std::unique_ptr<StateDirectoryLock>> acquire(
      const std::filesystem::path& state_dir);
  ~StateDirectoryLock();  // releases the lock
  StateDirectoryLock(const StateDirectoryLock&) = delete;
  StateDirectoryLock& operator=(const StateDirectoryLock&) = delete;

  // The pid of the daemon serving `state_dir` (0 while it has not written it yet), or none when
  // none runs there. Never blocks; changes nothing. Errors: the lock file cannot be read.
  static Result<std::optional<pid_t>> holder(const std::filesystem::path& state_dir);

 private:
  explicit StateDirectoryLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace person_import::service
