// inotify: one watch on the drop root (company folders coming and going), one per company folder
// (its inbox coming and going) and one per inbox (the files). Anything the events cannot be
// trusted for (start, a queue overflow, a folder that could not be watched) is settled by
// scanning, as polling does.
#include "daemon/watching/inotify_watcher.h"
#include "core/common/system_error_text.h"

#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <unordered_map>

#include <spdlog/spdlog.h>

#include "daemon/watching/drop_folders.h"
#include "daemon/watching/upload_tracker.h"
#include "daemon/watching/watcher_thread.h"

namespace person_import::watching::detail {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr std::uint32_t kFolderMask = IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO |
                                      IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;
constexpr std::uint32_t kInboxMask = IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO |
                                     IN_MOVED_FROM | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF |
                                     IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK;

class InotifyWatcher final : public WatcherThread {
 public:
  InotifyWatcher(const WatcherOptions& options, const Clock& clock, FileDescriptor wake,
                 FileDescriptor inotify)
      : WatcherThread(options, clock, std::move(wake)),
        inotify_(std::move(inotify)),
        tracker_(options.drop_root, options.settle_time, clock),
        buffer_(std::size_t{64} * 1024) {}
  ~InotifyWatcher() override { stop(); }

  WatchMode mode() const override { return WatchMode::kInotify; }

 private:
  enum class Kind { kRoot, kCompany, kInbox };
  struct Watch {
    Kind kind;
    std::string company;  // empty for the root
  };
  struct Company {
    int folder_wd = -1;
    int inbox_wd = -1;
  };
  enum class Rescan { kNone, kStructure, kEverything };

  void initial_scan() override { rescan(/*events_lost=*/true); }
  void run() override;
  void read_events();
  void handle(const inotify_event& event, const std::string& name);
  // Reconciles the watches with the folders; kEverything also rescans every inbox's files (the
  // events may have been lost), otherwise only inboxes not watched before.
  void rescan(bool events_lost);
  void sync_company(const std::string& company, bool events_lost);
  void sync_inbox(const std::string& company, bool events_lost);
  void scan_inbox(const std::string& company);
  void drop_company(const std::string& company);
  void drop_everything();
  Result<int> add_watch(const std::filesystem::path& path, std::uint32_t mask, Watch watch);
  void remove_watch(int& wd);
  void need_retry() { degraded_ = true; }

  FileDescriptor inotify_;
  UploadTracker tracker_;
  ProblemLog problems_;
  UnservedFolders unserved_;
  std::vector<char> buffer_;
  std::unordered_map<int, Watch> watches_;
  std::map<std::string, Company> companies_;
  int root_wd_ = -1;
  Rescan pending_rescan_ = Rescan::kNone;
  bool degraded_ = false;  // something could not be watched or read: rescan every poll_interval
  SteadyClock::time_point next_retry_;
};

void InotifyWatcher::run() {
  report(tracker_.take_finished(SteadyClock::now()));
  while (!stop_requested()) {
    const auto now = SteadyClock::now();
    std::optional<std::chrono::milliseconds> timeout;
    if (const auto deadline = tracker_.next_deadline()) {
      timeout = std::chrono::ceil<std::chrono::milliseconds>(
          std::max(*deadline - now, SteadyClock::duration::zero()));
    }
    if (degraded_) {
      const auto retry = std::chrono::ceil<std::chrono::milliseconds>(
          std::max(next_retry_ - now, SteadyClock::duration::zero()));
      timeout = timeout ? std::min(*timeout, retry) : retry;
    }
    const Wake wake = wait(inotify_.get(), timeout);
    if (wake == Wake::kStop) break;
    if (wake == Wake::kReadable) read_events();
    if (pending_rescan_ != Rescan::kNone) {
      const bool events_lost = pending_rescan_ == Rescan::kEverything;
      pending_rescan_ = Rescan::kNone;
      rescan(events_lost);
    } else if (degraded_ && SteadyClock::now() >= next_retry_) {
      rescan(/*events_lost=*/false);
    }
    report(tracker_.take_finished(SteadyClock::now()));
  }
}

void InotifyWatcher::read_events() {
  // One buffer per wake-up, so that settled files are reported between bursts of events.
  const ssize_t length = ::read(inotify_.get(), buffer_.data(), buffer_.size());
  if (length < 0) {
    if (errno != EAGAIN && errno != EINTR) {
      spdlog::error("folder watcher: reading inotify events failed: {}; rescanning",
                    system_error_text(errno));
      pending_rescan_ = Rescan::kEverything;
    }
    return;
  }
  std::string name;
  for (std::size_t offset = 0;
       offset + sizeof(inotify_event) <= static_cast<std::size_t>(length);) {
    inotify_event event;
    std::memcpy(&event, buffer_.data() + offset, sizeof event);
    const char* name_bytes = buffer_.data() + offset + sizeof(inotify_event);
    name.assign(name_bytes, ::strnlen(name_bytes, event.len));  // NUL-padded
    offset += sizeof(inotify_event) + event.len;
    handle(event, name);
  }
}

void InotifyWatcher::handle(const inotify_event& event, const std::string& name) {
  if ((event.mask & IN_Q_OVERFLOW) != 0) {
    spdlog::warn("folder watcher: the inotify queue overflowed; rescanning every inbox");
    pending_rescan_ = Rescan::kEverything;
    return;
  }
  const auto found = watches_.find(event.wd);
  if (found == watches_.end()) return;  // a watch already removed
  const Watch watch = found->second;
  const bool self_changed = (event.mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) != 0;
  if ((event.mask & IN_IGNORED) != 0) {
    // The kernel removed the watch (its folder was deleted): forget the descriptor.
    watches_.erase(found);
    if (watch.kind == Kind::kRoot) {
      root_wd_ = -1;
    } else if (const auto company = companies_.find(watch.company); company != companies_.end()) {
      if (company->second.folder_wd == event.wd) company->second.folder_wd = -1;
      if (company->second.inbox_wd == event.wd) company->second.inbox_wd = -1;
    }
  }
  switch (watch.kind) {
    case Kind::kRoot:
      if (self_changed) {
        if (pending_rescan_ == Rescan::kNone) pending_rescan_ = Rescan::kStructure;
      } else if (unserved_.served(options_.drop_root, name)) {
        sync_company(name, /*events_lost=*/false);
      }
      return;
    case Kind::kCompany:
      if (self_changed) {
        sync_company(watch.company, /*events_lost=*/false);
      } else if (name == "inbox") {
        sync_inbox(watch.company, /*events_lost=*/false);
      }
      return;
    case Kind::kInbox:
      if (self_changed) {
        sync_inbox(watch.company, /*events_lost=*/false);
        return;
      }
      if (name.empty()) return;
      if ((event.mask & (IN_DELETE | IN_MOVED_FROM)) != 0) {
        tracker_.removed(watch.company, name);
      } else if ((event.mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) != 0) {
        tracker_.closed(watch.company, name, SteadyClock::now());
      } else if ((event.mask & IN_CREATE) != 0) {
        tracker_.created(watch.company, name, SteadyClock::now());
      } else if ((event.mask & IN_MODIFY) != 0) {
        tracker_.written(watch.company, name, SteadyClock::now());
      }
      return;
  }
}

void InotifyWatcher::rescan(bool events_lost) {
  degraded_ = false;
  next_retry_ = SteadyClock::now() + options_.poll_interval;
  const std::filesystem::path& root = options_.drop_root;
  const std::string root_key = root.string();
  const auto root_is_folder = is_directory(root, FollowSymlinks::kYes);
  if (!root_is_folder.ok()) {
    problems_.report(root_key, root_is_folder.error().message);
    need_retry();
    return;  // keep what is known until the root can be read again
  }
  if (!*root_is_folder) {
    problems_.report(root_key, "drop root " + quote_for_log(root_key) + " is gone");
    drop_everything();
    need_retry();
    return;
  }
  const auto wd = add_watch(root, kFolderMask, Watch{Kind::kRoot, {}});
  if (!wd.ok()) {
    problems_.report(root_key, wd.error().message + "; scanning it every poll interval");
    need_retry();
  } else if (*wd != root_wd_) {
    remove_watch(root_wd_);
    root_wd_ = *wd;
  }
  const auto names = list_directory(root);
  if (!names.ok() || !names->has_value()) {
    problems_.report(root_key, names.ok() ? "drop root " + quote_for_log(root_key) + " is gone"
                                          : names.error().message);
    need_retry();
    return;
  }
  if (wd.ok()) problems_.clear(root_key);
  std::set<std::string> present;
  unserved_.retain(**names);
  for (const std::string& name : **names) {
    if (!unserved_.served(root, name)) continue;
    present.insert(name);
    sync_company(name, events_lost);
  }
  for (auto company = companies_.begin(); company != companies_.end();) {
    const std::string name = company->first;
    ++company;
    if (!present.contains(name)) drop_company(name);
  }
}

void InotifyWatcher::sync_company(const std::string& company, bool events_lost) {
  const std::filesystem::path folder = options_.drop_root / company;
  const std::string key = folder.string();
  const auto is_folder = is_directory(folder, FollowSymlinks::kYes);
  if (!is_folder.ok()) {
    problems_.report(key, is_folder.error().message);
    need_retry();
    return;
  }
  if (!*is_folder) {
    drop_company(company);
    return;
  }
  const bool known = companies_.contains(company);
  Company& state = companies_[company];
  if (!known) spdlog::info("serving company folder {}", quote_for_log(key));
  const auto wd = add_watch(folder, kFolderMask, Watch{Kind::kCompany, company});
  if (!wd.ok()) {
    problems_.report(key, wd.error().message + "; scanning it every poll interval");
    need_retry();
  } else {
    problems_.clear(key);
    if (*wd != state.folder_wd) {
      remove_watch(state.folder_wd);
      state.folder_wd = *wd;
    }
  }
  sync_inbox(company, events_lost);
}

void InotifyWatcher::sync_inbox(const std::string& company, bool events_lost) {
  const auto position = companies_.find(company);
  if (position == companies_.end()) return;
  Company& state = position->second;
  const std::filesystem::path inbox = inbox_path(options_.drop_root, company);
  const std::string key = inbox.string();
  const auto is_folder = is_directory(inbox, FollowSymlinks::kNo);
  if (!is_folder.ok()) {
    problems_.report(key, is_folder.error().message);
    need_retry();
    return;
  }
  if (!*is_folder) {
    // No inbox (yet, or any more; a symlink is not served): nothing to report from it.
    remove_watch(state.inbox_wd);
    tracker_.forget_company(company);
    problems_.clear_under(key);
    return;
  }
  const auto wd = add_watch(inbox, kInboxMask, Watch{Kind::kInbox, company});
  if (!wd.ok()) {
    problems_.report(key, wd.error().message + "; scanning it every poll interval");
    remove_watch(state.inbox_wd);
    need_retry();
    scan_inbox(company);
    return;
  }
  problems_.clear(key);
  if (*wd == state.inbox_wd && !events_lost) return;  // watched already: the events tell
  if (*wd != state.inbox_wd) {
    if (state.inbox_wd >= 0) tracker_.forget_company(company);  // another folder now
    remove_watch(state.inbox_wd);
    state.inbox_wd = *wd;
  }
  scan_inbox(company);
}

void InotifyWatcher::scan_inbox(const std::string& company) {
  const std::filesystem::path inbox = inbox_path(options_.drop_root, company);
  const std::string key = inbox.string() + "/";  // reading it, apart from watching it
  const auto names = list_directory(inbox);
  if (!names.ok()) {
    problems_.report(key, names.error().message);
    need_retry();
    return;
  }
  problems_.clear(key);
  if (!names->has_value()) {
    tracker_.forget_company(company);
    return;
  }
  tracker_.scanned(company, **names, SteadyClock::now());
}

void InotifyWatcher::drop_company(const std::string& company) {
  const auto position = companies_.find(company);
  if (position == companies_.end()) return;
  remove_watch(position->second.inbox_wd);
  remove_watch(position->second.folder_wd);
  companies_.erase(position);
  tracker_.forget_company(company);
  const std::string key = (options_.drop_root / company).string();
  problems_.clear_under(key);
  spdlog::info("company folder {} is gone", quote_for_log(key));
}

void InotifyWatcher::drop_everything() {
  while (!companies_.empty()) drop_company(companies_.begin()->first);
  remove_watch(root_wd_);
}

Result<int> InotifyWatcher::add_watch(const std::filesystem::path& path, std::uint32_t mask,
                                      Watch watch) {
  // IN_MASK_ADD: a folder already watched under another role keeps the events it had.
  const int wd = ::inotify_add_watch(inotify_.get(), path.c_str(), mask | IN_MASK_ADD);
  if (wd < 0) {
    const int error = errno;
    std::string message =
        "cannot watch " + quote_for_log(path.string()) + ": " + system_error_text(error);
    if (error == ENOSPC) message += " (raise fs.inotify.max_user_watches)";
    return make_error(std::move(message));
  }
  const auto [position, inserted] = watches_.try_emplace(wd, watch);
  if (!inserted &&
      (position->second.kind != watch.kind || position->second.company != watch.company)) {
    // Two names for one folder (symlinked company folders): serve it under the first only.
    return make_error(quote_for_log(path.string()) + " is the same folder as one already watched");
  }
  return wd;
}

void InotifyWatcher::remove_watch(int& wd) {
  if (wd < 0) return;
  ::inotify_rm_watch(inotify_.get(), wd);  // fails harmlessly when the kernel removed it already
  watches_.erase(wd);
  wd = -1;
}

}  // namespace

Result<std::unique_ptr<FolderWatcher>> make_inotify_watcher(const WatcherOptions& options,
                                                            const Clock& clock) {
  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return make_error(std::string("inotify_init1: ") + system_error_text(errno));
  FileDescriptor inotify(fd);
  PI_ASSIGN_OR_RETURN(FileDescriptor wake, make_wake_descriptor());
  return std::unique_ptr<FolderWatcher>(
      new InotifyWatcher(options, clock, std::move(wake), std::move(inotify)));
}

}  // namespace person_import::watching::detail
