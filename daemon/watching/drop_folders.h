// Internal to the watcher: names, directory listings and file signatures under the drop root,
// with the POSIX calls' errors as values.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.h"

namespace person_import::watching::detail {

// What must stay the same while a file settles.
struct FileSignature {
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;  // since the epoch
  std::uint64_t inode = 0;
  std::uint64_t device = 0;
  bool operator==(const FileSignature&) const = default;
};

// One inbox entry, not following symlinks.
struct EntryStat {
  bool regular = false;  // a regular file (not a symlink, directory, FIFO, ...)
  std::uint64_t links = 0;
  FileSignature signature;
};

// A name the watcher reports: ends in ".persons", does not start with '.'.
bool is_upload_name(std::string_view name);

std::filesystem::path inbox_path(const std::filesystem::path& drop_root, std::string_view company);

// lstat(): nullopt when the entry (or a folder on its path) does not exist.
Result<std::optional<EntryStat>> stat_entry(const std::filesystem::path& path);

// The names in a directory (not "." and ".."): nullopt when it does not exist or is no longer a
// directory.
Result<std::optional<std::vector<std::string>>> list_directory(const std::filesystem::path& path);

enum class FollowSymlinks { kNo, kYes };
// Whether `path` is a directory: false when missing or something else.
Result<bool> is_directory(const std::filesystem::path& path, FollowSymlinks follow);

std::chrono::system_clock::time_point time_from_ns(std::int64_t nanoseconds);

// `name` quoted for a log line, control characters and other bytes below 0x20 or 0x7f escaped.
std::string quote_for_log(std::string_view name);

// The drop root's entries that are not served because their name is no company key: a folder
// named `Acme` or `acme.old` (an administrator's typo) is said once, at warning, with the rule
// it breaks, instead of being ignored in silence. Hidden names (the daemon's own state folder,
// ".person-import") and plain files are left unsaid. A name is said again once it was gone.
class UnservedFolders {
 public:
  // Whether `name` under `root` is a company folder name; when not, and it is a folder, logs it
  // the first time.
  bool served(const std::filesystem::path& root, const std::string& name);
  // Forgets the names not in `listed` (a scan of the root).
  void retain(const std::vector<std::string>& listed);

 private:
  std::set<std::string> said_;
};

// Logs a problem with a folder once (at warning) and its end once (at info), instead of on
// every retry. One entry per folder that currently has a problem.
class ProblemLog {
 public:
  void report(const std::string& folder, const std::string& message);
  void clear(const std::string& folder);
  // Clears every folder at or under `prefix` (a company folder that went away).
  void clear_under(const std::string& prefix);

 private:
  std::map<std::string, std::string> problems_;
};

}  // namespace person_import::watching::detail
