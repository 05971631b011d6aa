// Internal to the watcher: the settle state of every `.persons` file and every left-alone name
// in the inboxes, fed by inotify events or scans, shared by both implementations. Not
// thread-safe: the watcher thread owns it.
//
// A file is kWriting (inotify saw it created or written, no close yet: never reported),
// kSettling (closed, moved in, or found by a scan: reported once its signature has stayed the
// same for settle_time) or kReported (kept only so it is not reported again while it stays).
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <spdlog/common.h>

#include "core/common/clock.h"
#include "daemon/watching/drop_folders.h"
#include "daemon/watching/folder_watcher.h"

namespace person_import::watching::detail {

class UploadTracker {
 public:
  using SteadyTime = std::chrono::steady_clock::time_point;

  UploadTracker(std::filesystem::path drop_root, std::chrono::milliseconds settle_time,
                const Clock& clock);

  // inotify events on an inbox entry. `name` may be any name: left-alone ones are logged once.
  void created(const std::string& company, const std::string& name, SteadyTime now);
  void written(const std::string& company, const std::string& name, SteadyTime now);
  void closed(const std::string& company, const std::string& name, SteadyTime now);
  void removed(const std::string& company, const std::string& name);

  // A scan listed these names in the company's inbox: each is looked at (a file not seen before,
  // changed since, or kWriting, which a scan cannot vouch for, starts settling) and entries of
  // names not listed are forgotten.
  void scanned(const std::string& company, const std::vector<std::string>& names, SteadyTime now);

  void forget_company(const std::string& company);
  // Forgets every company not in `companies`.
  void retain_companies(const std::set<std::string>& companies);

  // When the earliest settling file is due, if any.
  std::optional<SteadyTime> next_deadline() const;
  // The files due at `now` whose signature is still the one they settled with, in finishing
  // order, now marked kReported. Files that changed start settling again; gone ones are
  // forgotten.
  std::vector<FinishedUpload> take_finished(SteadyTime now);

  // Entries held, files and left-alone names (for tests of the bounds).
  std::size_t size() const;

 private:
  enum class State { kWriting, kSettling, kReported };
  struct TrackedFile {
    State state = State::kWriting;
    FileSignature signature;
    SteadyTime last_change;
    std::chrono::system_clock::time_point seen_at;
    bool warned = false;         // a stat error was logged
    bool writer_logged = false;  // "still open for writing" was logged
  };
  struct Inbox {
    std::map<std::string, TrackedFile> files;
    std::set<std::string> left_alone;
  };

  std::filesystem::path file_path(const std::string& company, const std::string& name) const;
  void leave_alone(const std::string& company, const std::string& name, const char* reason,
                   spdlog::level::level_enum level = spdlog::level::info);
  // False, and the name left alone with the reason, when the watcher does not report files
  // named `name`: hidden, not ending in ".persons", or too long (queueing/upload_names.h).
  bool is_tracked_name(const std::string& company, const std::string& name);
  void start_settling(TrackedFile& file, const FileSignature& signature, SteadyTime now);
  void erase_file(const std::string& company, const std::string& name);

  std::filesystem::path drop_root_;
  std::chrono::milliseconds settle_time_;
  const Clock& clock_;
  std::map<std::string, Inbox> inboxes_;
};

}  // namespace person_import::watching::detail
