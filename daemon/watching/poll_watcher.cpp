// Polling: every poll_interval, list the drop root, each company folder's inbox and stat each
// `.persons` file; the tracker reports those whose size, mtime and inode stayed the same for
// settle_time.
#include "daemon/watching/poll_watcher.h"

#include <set>
#include <string>

#include <spdlog/spdlog.h>

#include "daemon/watching/drop_folders.h"
#include "daemon/watching/upload_tracker.h"
#include "daemon/watching/watcher_thread.h"

namespace person_import::watching::detail {
namespace {

using SteadyClock = std::chrono::steady_clock;

class PollWatcher final : public WatcherThread {
 public:
  PollWatcher(const WatcherOptions& options, const Clock& clock, FileDescriptor wake)
      : WatcherThread(options, clock, std::move(wake)),
        tracker_(options.drop_root, options.settle_time, clock) {}
  ~PollWatcher() override { stop(); }

  WatchMode mode() const override { return WatchMode::kPoll; }

 private:
  void initial_scan() override { scan(SteadyClock::now()); }
  void run() override {
    while (wait(-1, options_.poll_interval) != Wake::kStop) {
      // One instant for the scan and the check: what this scan saw changing waits for the next.
      const auto now = SteadyClock::now();
      scan(now);
      report(tracker_.take_finished(now));
    }
  }

  void scan(SteadyClock::time_point now);
  // Scans one company's inbox; false when the company has no inbox to serve.
  bool scan_company(const std::string& company, SteadyClock::time_point now);

  UploadTracker tracker_;
  ProblemLog problems_;
  UnservedFolders unserved_;
  std::set<std::string> companies_;  // served at the last scan
};

void PollWatcher::scan(SteadyClock::time_point now) {
  const std::filesystem::path& root = options_.drop_root;
  const std::string root_key = root.string();
  const auto names = list_directory(root);
  if (!names.ok()) {
    problems_.report(root_key, names.error().message);
    return;  // keep what is known until the root can be read again
  }
  if (!names->has_value()) {
    problems_.report(root_key, "drop root " + quote_for_log(root_key) + " is gone");
  } else {
    problems_.clear(root_key);
  }
  std::set<std::string> served;
  if (names->has_value()) {
    unserved_.retain(**names);
    for (const std::string& name : **names) {
      if (unserved_.served(root, name) && scan_company(name, now)) served.insert(name);
    }
  }
  tracker_.retain_companies(served);
  for (const std::string& company : companies_) {
    if (served.contains(company)) continue;
    const std::string key = (root / company).string();
    problems_.clear_under(key);
    spdlog::info("company folder {} is gone", quote_for_log(key));
  }
  for (const std::string& company : served) {
    if (!companies_.contains(company)) {
      spdlog::info("serving company folder {}", quote_for_log((root / company).string()));
    }
  }
  companies_ = std::move(served);
}

bool PollWatcher::scan_company(const std::string& company, SteadyClock::time_point now) {
  const std::filesystem::path folder = options_.drop_root / company;
  const auto is_folder = is_directory(folder, FollowSymlinks::kYes);
  if (!is_folder.ok()) {
    problems_.report(folder.string(), is_folder.error().message);
    return companies_.contains(company);  // keep what is known
  }
  if (!*is_folder) return false;
  problems_.clear(folder.string());
  const std::filesystem::path inbox = inbox_path(options_.drop_root, company);
  const std::string key = inbox.string();
  const auto inbox_is_folder = is_directory(inbox, FollowSymlinks::kNo);
  if (!inbox_is_folder.ok()) {
    problems_.report(key, inbox_is_folder.error().message);
    return true;
  }
  if (!*inbox_is_folder) {
    // No inbox (yet, or any more; a symlink is not served): the company is known, nothing to do.
    tracker_.forget_company(company);
    problems_.clear_under(key);
    return true;
  }
  const auto names = list_directory(inbox);
  if (!names.ok()) {
    problems_.report(key, names.error().message);
    return true;  // keep what is known until it can be read again
  }
  problems_.clear(key);
  if (!names->has_value()) {
    tracker_.forget_company(company);
    return true;
  }
  tracker_.scanned(company, **names, now);
  return true;
}

}  // namespace

Result<std::unique_ptr<FolderWatcher>> make_poll_watcher(const WatcherOptions& options,
                                                         const Clock& clock) {
  PI_ASSIGN_OR_RETURN(FileDescriptor wake, make_wake_descriptor());
  return std::unique_ptr<FolderWatcher>(new PollWatcher(options, clock, std::move(wake)));
}

}  // namespace person_import::watching::detail
