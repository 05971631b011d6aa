#include "daemon/queueing/upload_queue.h"
#include "core/common/system_error_text.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/common/company_key.h"

namespace person_import::queueing {
namespace {

constexpr std::size_t kSequenceDigits = 20;

std::string format_sequence(std::uint64_t sequence) {
  char text[kSequenceDigits + 1];
  std::snprintf(text, sizeof text, "%020llu", static_cast<unsigned long long>(sequence));
  return text;
}

}  // namespace

std::chrono::system_clock::time_point QueuedFile::received_at() const {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::nanoseconds(static_cast<std::int64_t>(sequence))));
}

Status sync_directory(const std::filesystem::path& directory) {
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return make_error("cannot open " + directory.string() + ": " + system_error_text(errno));
  const int synced = ::fsync(fd);
  const int saved = errno;
  ::close(fd);
  if (synced != 0) {
    return make_error("cannot sync " + directory.string() + ": " + system_error_text(saved));
  }
  return {};
}

UploadQueue::UploadQueue(const std::filesystem::path& state_dir) : root_(state_dir / "queue") {}

Status UploadQueue::open() {
  std::error_code error;
  std::filesystem::create_directories(root_, error);
  if (error) return make_error("cannot create " + root_.string() + ": " + error.message());
  PI_ASSIGN_OR_RETURN(auto files, list());
  std::lock_guard lock(mutex_);
  for (const auto& file : files) last_sequence_ = std::max(last_sequence_, file.sequence);
  return {};
}

std::optional<QueuedFile> UploadQueue::parse(const std::string& company,
                                             const std::filesystem::path& path) {
  const std::string file_name = path.filename().string();
  if (file_name.size() <= kSequenceDigits + 1 || file_name[kSequenceDigits] != '-') {
    return std::nullopt;
  }
  std::uint64_t sequence = 0;
  for (std::size_t index = 0; index < kSequenceDigits; ++index) {
    const char c = file_name[index];
    if (c < '0' || c > '9') return std::nullopt;
    sequence = sequence * 10 + static_cast<std::uint64_t>(c - '0');
  }
  QueuedFile file;
  file.company = company;
  file.name = file_name.substr(kSequenceDigits + 1);
  if (!file.name.ends_with(".persons")) return std::nullopt;
  file.sequence = sequence;
  file.path = path;
  return file;
}

Result<QueuedFile> UploadQueue::take(const std::string& company,
                                     const std::filesystem::path& upload, const std::string& name,
                                     std::chrono::system_clock::time_point finished) {
  PI_RETURN_IF_ERROR(validate_company_key(company));
  const std::filesystem::path folder = root_ / company;
  std::error_code error;
  std::filesystem::create_directories(folder, error);
  if (error) return make_error("cannot create " + folder.string() + ": " + error.message());

  std::lock_guard lock(mutex_);
  const auto nanoseconds =
      std::chrono::duration_cast<std::chrono::nanoseconds>(finished.time_since_epoch()).count();
  std::uint64_t sequence = nanoseconds > 0 ? static_cast<std::uint64_t>(nanoseconds) : 0;
  if (sequence <= last_sequence_) sequence = last_sequence_ + 1;
  QueuedFile file;
  file.company = company;
  file.name = name;
  file.sequence = sequence;
  file.path = folder / (format_sequence(sequence) + "-" + name);
  std::filesystem::rename(upload, file.path, error);
  if (error) {
    return make_error("cannot move " + upload.string() + " to " + file.path.string() + ": " +
                      error.message());
  }
  last_sequence_ = sequence;
  // The queue's entry must survive a power cut before the inbox loses the file for good.
  PI_RETURN_IF_ERROR(sync_directory(folder));
  PI_RETURN_IF_ERROR(sync_directory(upload.parent_path()));
  return file;
}

Result<std::vector<QueuedFile>> UploadQueue::list() const {
  std::vector<QueuedFile> files;
  std::error_code error;
  std::vector<std::string> companies;
  for (std::filesystem::directory_iterator it(root_, error), end; !error && it != end;
       it.increment(error)) {
    if (it->is_directory() && validate_company_key(it->path().filename().string()).ok()) {
      companies.push_back(it->path().filename().string());
    }
  }
  if (error) return make_error("cannot list " + root_.string() + ": " + error.message());
  std::sort(companies.begin(), companies.end());
  for (const auto& company : companies) {
    std::vector<QueuedFile> queued;
    for (std::filesystem::directory_iterator it(root_ / company, error), end; !error && it != end;
         it.increment(error)) {
      if (!it->is_regular_file()) continue;
      if (auto file = parse(company, it->path())) queued.push_back(std::move(*file));
    }
    if (error) {
      return make_error("cannot list " + (root_ / company).string() + ": " + error.message());
    }
    std::sort(queued.begin(), queued.end(),
              [](const QueuedFile& a, const QueuedFile& b) { return a.sequence < b.sequence; });
    for (auto& file : queued) files.push_back(std::move(file));
  }
  return files;
}

Status UploadQueue::remove(const QueuedFile& file) {
  std::error_code error;
  std::filesystem::remove(file.path, error);
  if (error) return make_error("cannot remove " + file.path.string() + ": " + error.message());
  return sync_directory(file.path.parent_path());
}

}  // namespace person_import::queueing
