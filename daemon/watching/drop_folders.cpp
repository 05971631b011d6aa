#include "daemon/watching/drop_folders.h"
#include "core/common/system_error_text.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include <spdlog/spdlog.h>

#include "core/common/company_key.h"

namespace person_import::watching::detail {
namespace {

constexpr std::string_view kUploadSuffix = ".persons";

Error system_error(const std::string& what, const std::filesystem::path& path, int error) {
  return make_error(what + " " + quote_for_log(path.string()) + ": " + system_error_text(error));
}

bool is_missing(int error) { return error == ENOENT || error == ENOTDIR; }

}  // namespace

bool is_upload_name(std::string_view name) {
  return name.size() > kUploadSuffix.size() && name.front() != '.' &&
         name.substr(name.size() - kUploadSuffix.size()) == kUploadSuffix;
}

std::filesystem::path inbox_path(const std::filesystem::path& drop_root, std::string_view company) {
  return drop_root / std::string(company) / "inbox";
}

Result<std::optional<EntryStat>> stat_entry(const std::filesystem::path& path) {
  struct stat status {};
  if (::lstat(path.c_str(), &status) != 0) {
    const int error = errno;
    if (is_missing(error)) return std::optional<EntryStat>();
    return system_error("cannot stat", path, error);
  }
  EntryStat entry;
  entry.regular = S_ISREG(status.st_mode);
  entry.links = static_cast<std::uint64_t>(status.st_nlink);
  entry.signature.size = static_cast<std::uint64_t>(status.st_size);
  entry.signature.mtime_ns =
      static_cast<std::int64_t>(status.st_mtim.tv_sec) * 1'000'000'000 + status.st_mtim.tv_nsec;
  entry.signature.inode = static_cast<std::uint64_t>(status.st_ino);
  entry.signature.device = static_cast<std::uint64_t>(status.st_dev);
  return std::optional<EntryStat>(entry);
}

Result<std::optional<std::vector<std::string>>> list_directory(const std::filesystem::path& path) {
  using Names = std::optional<std::vector<std::string>>;
  std::unique_ptr<DIR, int (*)(DIR*)> directory(::opendir(path.c_str()), &::closedir);
  if (!directory) {
    const int error = errno;
    if (is_missing(error)) return Names();
    return system_error("cannot read folder", path, error);
  }
  std::vector<std::string> names;
  for (;;) {
    errno = 0;
    const dirent* entry = ::readdir(directory.get());
    if (entry == nullptr) {
      const int error = errno;
      if (error == 0) break;
      if (is_missing(error)) return Names();
      return system_error("cannot read folder", path, error);
    }
    const std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    names.emplace_back(name);
  }
  return Names(std::move(names));
}

Result<bool> is_directory(const std::filesystem::path& path, FollowSymlinks follow) {
  struct stat status {};
  const int result = follow == FollowSymlinks::kYes ? ::stat(path.c_str(), &status)
                                                    : ::lstat(path.c_str(), &status);
  if (result != 0) {
    const int error = errno;
    if (is_missing(error) || error == ELOOP) return false;
    return system_error("cannot stat", path, error);
  }
  return S_ISDIR(status.st_mode);
}

std::chrono::system_clock::time_point time_from_ns(std::int64_t nanoseconds) {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::nanoseconds(nanoseconds)));
}

std::string quote_for_log(std::string_view name) {
  std::string text = "\"";
  for (const char c : name) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      text += '\\';
      text += c;
    } else if (byte < 0x20 || byte == 0x7f) {
      char escape[8];
      std::snprintf(escape, sizeof escape, "\\x%02x", byte);
      text += escape;
    } else {
      text += c;
    }
  }
  return text + "\"";
}

bool UnservedFolders::served(const std::filesystem::path& root, const std::string& name) {
  const Status valid = validate_company_key(name);
  if (valid.ok()) return true;
  if (name.empty() || name.front() == '.' || said_.contains(name)) return false;
  const auto folder = is_directory(root / name, FollowSymlinks::kYes);
  if (!folder.ok() || !*folder) return false;
  said_.insert(name);
  spdlog::warn(
      "drop folder {} is not served: its name is no company key (company keys are 1-64 "
      "lowercase letters, digits, '-' or '_', starting with a letter or digit)",
      quote_for_log((root / name).string()));
  return false;
}

void UnservedFolders::retain(const std::vector<std::string>& listed) {
  std::erase_if(said_, [&](const std::string& name) {
    return std::find(listed.begin(), listed.end(), name) == listed.end();
  });
}

void ProblemLog::report(const std::string& folder, const std::string& message) {
  auto [position, inserted] = problems_.try_emplace(folder, message);
  if (!inserted && position->second == message) return;
  position->second = message;
  spdlog::warn("drop folder: {} (retrying)", message);
}

void ProblemLog::clear(const std::string& folder) {
  if (problems_.erase(folder) > 0)
    spdlog::info("drop folder: {} is fine again", quote_for_log(folder));
}

void ProblemLog::clear_under(const std::string& prefix) {
  clear(prefix);
  const std::string folder_prefix = prefix + "/";
  for (auto position = problems_.lower_bound(folder_prefix);
       position != problems_.end() && position->first.starts_with(folder_prefix);) {
    position = problems_.erase(position);
  }
}

}  // namespace person_import::watching::detail
