#include "daemon/watching/upload_tracker.h"

#include <algorithm>
#include <tuple>
#include <unordered_set>

#include <spdlog/spdlog.h>

#include "daemon/queueing/upload_names.h"
#include "daemon/watching/open_writers.h"

namespace person_import::watching::detail {

UploadTracker::UploadTracker(std::filesystem::path drop_root, std::chrono::milliseconds settle_time,
                             const Clock& clock)
    : drop_root_(std::move(drop_root)), settle_time_(settle_time), clock_(clock) {}

std::filesystem::path UploadTracker::file_path(const std::string& company,
                                               const std::string& name) const {
  return inbox_path(drop_root_, company) / name;
}

void UploadTracker::leave_alone(const std::string& company, const std::string& name,
                                const char* reason, spdlog::level::level_enum level) {
  erase_file(company, name);
  if (inboxes_[company].left_alone.insert(name).second) {
    // Hidden names are uploads in progress by convention (the built-in SFTP server's
    // temporaries, a client's `.name` before its rename): one a file would flood the log at
    // info, so they are logged at debug.
    spdlog::log(name.starts_with('.') ? spdlog::level::debug : level,
                "left alone: {} in the inbox of {} ({})", quote_for_log(name), company, reason);
  }
}

bool UploadTracker::is_tracked_name(const std::string& company, const std::string& name) {
  if (name.starts_with('.')) {
    leave_alone(company, name, "hidden or temporary name");
    return false;
  }
  if (!is_upload_name(name)) {
    leave_alone(company, name, "not a .persons name");
    return false;
  }
  if (auto problem = queueing::upload_name_problem(name)) {
    // A client's upload that will never be imported: said where ops look.
    leave_alone(company, name, problem->c_str(), spdlog::level::warn);
    return false;
  }
  return true;
}

void UploadTracker::start_settling(TrackedFile& file, const FileSignature& signature,
                                   SteadyTime now) {
  file.state = State::kSettling;
  file.signature = signature;
  file.last_change = now;
  file.seen_at = clock_.now();
  file.warned = false;
}

void UploadTracker::erase_file(const std::string& company, const std::string& name) {
  const auto inbox = inboxes_.find(company);
  if (inbox != inboxes_.end()) inbox->second.files.erase(name);
}

void UploadTracker::created(const std::string& company, const std::string& name, SteadyTime now) {
  if (!is_tracked_name(company, name)) return;
  const auto entry = stat_entry(file_path(company, name));
  if (!entry.ok() || !entry->has_value()) {
    // Gone already, or unreadable: the next event or scan decides.
    written(company, name, now);
    return;
  }
  if (!(*entry)->regular) {
    leave_alone(company, name, "not a regular file");
    return;
  }
  if ((*entry)->links > 1) {
    // A new hard link to an existing file: nothing is writing through this name.
    inboxes_[company].left_alone.erase(name);
    start_settling(inboxes_[company].files[name], (*entry)->signature, now);
    return;
  }
  written(company, name, now);
}

void UploadTracker::written(const std::string& company, const std::string& name, SteadyTime now) {
  if (!is_tracked_name(company, name)) return;
  Inbox& inbox = inboxes_[company];
  if (inbox.left_alone.contains(name)) return;  // a .persons name that is not a regular file
  TrackedFile& file = inbox.files[name];
  file.state = State::kWriting;
  file.last_change = now;
}

void UploadTracker::closed(const std::string& company, const std::string& name, SteadyTime now) {
  if (!is_tracked_name(company, name)) return;
  const std::filesystem::path path = file_path(company, name);
  const auto entry = stat_entry(path);
  if (!entry.ok()) {
    // Cannot tell yet: settle from what is known; take_finished() looks again.
    spdlog::warn("{}", entry.error().message);
    start_settling(inboxes_[company].files[name], FileSignature{}, now);
    return;
  }
  if (!entry->has_value()) {
    removed(company, name);
    return;
  }
  if (!(*entry)->regular) {
    leave_alone(company, name, "not a regular file");
    return;
  }
  Inbox& inbox = inboxes_[company];
  inbox.left_alone.erase(name);
  auto [position, inserted] = inbox.files.try_emplace(name);
  TrackedFile& file = position->second;
  if (!inserted && file.state == State::kReported && file.signature == (*entry)->signature) {
    return;  // opened for writing and closed without a change: the same upload
  }
  start_settling(file, (*entry)->signature, now);
}

void UploadTracker::removed(const std::string& company, const std::string& name) {
  const auto inbox = inboxes_.find(company);
  if (inbox == inboxes_.end()) return;
  inbox->second.files.erase(name);
  inbox->second.left_alone.erase(name);
  if (inbox->second.files.empty() && inbox->second.left_alone.empty()) inboxes_.erase(inbox);
}

void UploadTracker::scanned(const std::string& company, const std::vector<std::string>& names,
                            SteadyTime now) {
  Inbox& inbox = inboxes_[company];
  for (const std::string& name : names) {
    if (!is_tracked_name(company, name)) continue;
    const auto entry = stat_entry(file_path(company, name));
    if (!entry.ok()) {
      spdlog::debug("{}", entry.error().message);  // kept as it is; the next scan looks again
      continue;
    }
    if (!entry->has_value()) {
      inbox.files.erase(name);
      inbox.left_alone.erase(name);
      continue;
    }
    if (!(*entry)->regular) {
      leave_alone(company, name, "not a regular file");
      continue;
    }
    inbox.left_alone.erase(name);
    auto [position, inserted] = inbox.files.try_emplace(name);
    TrackedFile& file = position->second;
    if (inserted || file.state == State::kWriting || file.signature != (*entry)->signature) {
      start_settling(file, (*entry)->signature, now);
    }
  }
  const std::unordered_set<std::string> listed(names.begin(), names.end());
  std::erase_if(inbox.files, [&](const auto& file) { return !listed.contains(file.first); });
  std::erase_if(inbox.left_alone, [&](const auto& name) { return !listed.contains(name); });
  if (inbox.files.empty() && inbox.left_alone.empty()) inboxes_.erase(company);
}

void UploadTracker::forget_company(const std::string& company) { inboxes_.erase(company); }

void UploadTracker::retain_companies(const std::set<std::string>& companies) {
  std::erase_if(inboxes_, [&](const auto& inbox) { return !companies.contains(inbox.first); });
}

std::optional<UploadTracker::SteadyTime> UploadTracker::next_deadline() const {
  std::optional<SteadyTime> earliest;
  for (const auto& [company, inbox] : inboxes_) {
    for (const auto& [name, file] : inbox.files) {
      if (file.state != State::kSettling) continue;
      const SteadyTime due = file.last_change + settle_time_;
      if (!earliest || due < *earliest) earliest = due;
    }
  }
  return earliest;
}

std::vector<FinishedUpload> UploadTracker::take_finished(SteadyTime now) {
  struct Due {
    SteadyTime last_change;
    FinishedUpload upload;
  };
  std::vector<Due> due;
  for (auto& [company, inbox] : inboxes_) {
    for (auto position = inbox.files.begin(); position != inbox.files.end();) {
      const std::string& name = position->first;
      TrackedFile& file = position->second;
      // Strictly after the last change: a scan's own observation never vouches for itself.
      if (file.state != State::kSettling || now < file.last_change + settle_time_ ||
          now <= file.last_change) {
        ++position;
        continue;
      }
      const std::filesystem::path path = file_path(company, name);
      const auto entry = stat_entry(path);
      if (!entry.ok()) {
        if (!file.warned) spdlog::warn("{}; waiting", entry.error().message);
        start_settling(file, file.signature, now);
        file.warned = true;
        ++position;
        continue;
      }
      if (!entry->has_value() || !(*entry)->regular) {
        const bool irregular = entry->has_value();
        const std::string kept_name = name;
        position = inbox.files.erase(position);
        if (irregular) leave_alone(company, kept_name, "not a regular file");
        continue;
      }
      if ((*entry)->signature != file.signature) {
        start_settling(file, (*entry)->signature, now);
        ++position;
        continue;
      }
      // A writer that paused longer than settle_time still holds the file open: its upload has
      // not finished (polling cannot see a close; files found by a scan neither).
      const auto writing = is_open_for_writing(path);
      if (!writing.ok() || *writing) {
        if (!writing.ok()) {
          if (!file.warned) spdlog::warn("{}; waiting", writing.error().message);
        } else if (!file.writer_logged) {
          spdlog::info(
              "{} in the inbox of {} is still open for writing: waiting until it is "
              "closed",
              quote_for_log(name), company);
        }
        const bool warned = !writing.ok() || file.warned;
        start_settling(file, file.signature, now);
        file.warned = warned;
        file.writer_logged = file.writer_logged || writing.ok();
        ++position;
        continue;
      }
      file.state = State::kReported;
      file.writer_logged = false;
      FinishedUpload upload;
      upload.company = company;
      upload.path = path;
      upload.name = name;
      upload.size = file.signature.size;
      upload.mtime = time_from_ns(file.signature.mtime_ns);
      upload.seen_at = file.seen_at;
      due.push_back(Due{file.last_change, std::move(upload)});
      ++position;
    }
  }
  std::sort(due.begin(), due.end(), [](const Due& a, const Due& b) {
    return std::tie(a.last_change, a.upload.mtime, a.upload.company, a.upload.name) <
           std::tie(b.last_change, b.upload.mtime, b.upload.company, b.upload.name);
  });
  std::vector<FinishedUpload> finished;
  finished.reserve(due.size());
  for (Due& item : due) finished.push_back(std::move(item.upload));
  return finished;
}

std::size_t UploadTracker::size() const {
  std::size_t count = 0;
  for (const auto& [company, inbox] : inboxes_)
    count += inbox.files.size() + inbox.left_alone.size();
  return count;
}

}  // namespace person_import::watching::detail
