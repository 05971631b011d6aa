// The drop-folder watcher (spec section 10, "Folders" and "Pick-up"): notices every finished
// `.persons` upload under the drop root and reports it once. Two implementations behind one
// small interface: inotify (the default) and polling (network filesystems give no inotify
// events). Picking the reported file up (moving it into the durable queue) is the caller's
// business.
//
// What is watched
// - `<drop_root>/<company>/inbox/` for every company folder under drop_root: an entry whose name
//   is a valid company key (1-64 of [a-z0-9_-], starting with a letter or digit; see
//   validate_company_key) and that is a directory (a symlink to one, made by the administrator,
//   counts). Company folders and inboxes that appear while running are served without a restart;
//   ones that disappear are dropped. Other entries under drop_root (`.person-import`, files,
//   upper-case names) are the daemon's own business and ignored.
// - The inbox itself must be a real directory (not a symlink): it is client territory.
//
// What is reported
// - A regular file (never a symlink, directory or device) in an inbox whose name ends in
//   `.persons`, does not start with `.` and is at most queueing::kMaxUploadNameBytes (200)
//   bytes long. Every other name (`notes.txt`, `.x.persons.part`, a `.persons` directory) is
//   left alone and logged once at info, per appearance; a `.persons` name that is too long is
//   logged at warning, with the limit (hidden names at debug).
// - Only a finished upload. With inotify a file is finished once it was closed after writing
//   (IN_CLOSE_WRITE) or moved or renamed into the inbox (IN_MOVED_TO; a new hard link counts),
//   has not been written since, and its size, mtime and inode have then stayed the same for
//   settle_time. A write after the close (a writer that reopens to append, a resumed SFTP upload)
//   puts it back to "being written" until the next close, and the settle time starts again: a
//   writer holding the file open is never reported, however long it pauses. With polling a file
//   is finished once the scans have seen the same size, mtime and inode for settle_time. In
//   both modes a settled file that a process on this machine still has open for writing
//   (open_writers.h) is not reported: it settles again, logged once at info. A writer on
//   another machine (NFS, SMB) shows no such sign: only settle_time tells its pause from its
//   end. Files already in an inbox at start, or in an inbox found later,
//   or found by a rescan after lost inotify events, are judged like polling (stable for
//   settle_time), and with inotify any later write makes them wait for a close as well.
// - Exactly once per appearance: while the reported file stays in the inbox it is not reported
//   again. Removed (or moved away by the caller) and uploaded again under the same name, it is
//   reported again; written again or replaced in place before the caller moved it away, it is a
//   new upload and reported again once finished.
// - In the order the uploads finished: `seen_at` is when the watcher saw the last change (the
//   close or rename event, or the scan that first saw the final size and mtime), and events
//   are reported in ascending order of it (ties, which polling makes for files finishing within
//   one poll interval, by mtime, then name). Each is reported settle_time after its `seen_at`
//   (with polling, up to one poll_interval later).
//
// Robustness
// - Errors at run time are logged (spdlog), never thrown, and the watcher keeps serving the
//   rest: an inbox or company folder that disappears is forgotten (and served again if it comes
//   back); an unreadable inbox or drop root is retried every poll_interval (logged once per
//   problem); an inbox whose inotify watch cannot be added (watch limit, permissions) is polled
//   every poll_interval until the watch succeeds; an inotify queue overflow (IN_Q_OVERFLOW)
//   triggers a full rescan, after which the files are judged like polling. No file is reported
//   twice because of any of these.
// - Memory is bounded by what is on disk: one small entry per `.persons` file and per
//   left-alone name currently in an inbox, dropped when the file leaves.
//
// Threads
// - start() validates the drop root, scans it (so that when start() returns every inbox there is
//   watched: a file written after that is seen by its events) and starts one watcher thread;
//   on_finished is called on that thread, one event at a time, and should return quickly (a slow
//   callback delays later reports but loses nothing with polling; with inotify a long stall may
//   overflow the kernel queue, which the rescan then repairs). It must not throw.
// - stop() asks the thread to finish and joins it; it returns within a few milliseconds plus
//   the time the callback in progress, if any, takes. After stop() returns no callback runs.
//   stop() is idempotent, is called by the destructor, and may be called from inside the
//   callback (it then only asks: the thread ends when the callback returns). A watcher starts
//   once. Files reported to no one because stop() cut a batch short are still in their inbox
//   and are reported by the next watcher.
// - Other member functions are not thread-safe: call start() and stop() from one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "core/common/clock.h"
#include "core/common/result.h"
#include "daemon/watching/watch_mode.h"

namespace person_import::watching {

// One finished upload.
struct FinishedUpload {
  std::string company;                            // the company folder's name (a valid company key)
  std::filesystem::path path;                     // drop_root / company / "inbox" / name
  std::string name;                               // the file name, ending in ".persons"
  std::uint64_t size = 0;                         // bytes, as it was when found finished
  std::chrono::system_clock::time_point mtime;    // its modification time then
  std::chrono::system_clock::time_point seen_at;  // when seen finished (the injected Clock)
};

struct WatcherOptions {
  // The folder holding one folder per company. Must exist when start() is called.
  std::filesystem::path drop_root;
  WatchMode mode = WatchMode::kInotify;
  // kPoll: the time between scans. kInotify: how often a folder that could not be watched (or
  // read) is tried again and, while it cannot be watched, scanned. Must be positive.
  std::chrono::milliseconds poll_interval{std::chrono::seconds(2)};
  // How long a finished file's size, mtime and inode must stay the same before it is reported.
  // Zero is allowed: reported at the close with inotify, at the next scan that sees the file
  // unchanged with polling. Must not be negative.
  std::chrono::milliseconds settle_time{std::chrono::seconds(2)};
};

// Watches the drop root's inboxes. Non-copyable; see the header comment for the contract.
class FolderWatcher {
 public:
  using Callback = std::function<void(const FinishedUpload&)>;

  FolderWatcher() = default;
  FolderWatcher(const FolderWatcher&) = delete;
  FolderWatcher& operator=(const FolderWatcher&) = delete;
  virtual ~FolderWatcher() = default;

  // Checks and scans the drop root and starts the watcher thread, which calls on_finished for
  // every finished upload. Fails when the drop root is not a readable directory, when the watcher
  // was started before, or when the thread cannot be created.
  virtual Status start(Callback on_finished) = 0;
  // Stops and joins the watcher thread (see "Threads" above). Idempotent.
  virtual void stop() = 0;
  // The implementation in use: kPoll when kInotify was asked for but inotify is unavailable.
  virtual WatchMode mode() const = 0;
};

// Checks the options and makes the watcher for options.mode, falling back from inotify to
// polling (with a warning in the log) when inotify cannot be initialised. `clock` stamps
// `seen_at` and must outlive the watcher; settling is timed with the monotonic clock, so
// wall-clock jumps neither delay nor hasten a report.
Result<std::unique_ptr<FolderWatcher>> make_folder_watcher(const WatcherOptions& options,
                                                           const Clock& clock);

}  // namespace person_import::watching
