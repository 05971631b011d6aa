#include "core/importing/result_files.h"
#include "core/common/ascii.h"
#include "core/common/system_error_text.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <vector>

namespace person_import {
namespace {

Status copy_range(std::ostream& out, InputFile& source, std::uint64_t offset,
                  std::uint64_t length) {
  std::vector<char> buffer(std::min<std::uint64_t>(length, std::uint64_t{1} << 20));
  while (length > 0) {
    const std::size_t wanted = std::min<std::uint64_t>(length, buffer.size());
    PI_ASSIGN_OR_RETURN(std::size_t got, source.read_at(offset, buffer.data(), wanted));
    if (got == 0) return make_error("source file ended early (was it changed during the import?)");
    out.write(buffer.data(), static_cast<std::streamsize>(got));
    offset += got;
    length -= got;
  }
  return {};
}

}  // namespace

StagedFiles::~StagedFiles() {
  for (const Staged& file : staged_) ::unlink(file.temporary.c_str());
}

Status StagedFiles::stage(const std::filesystem::path& path,
                          const std::function<Status(std::ostream&)>& write) {
  const std::filesystem::path directory =
      path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  const std::filesystem::path temporary =
      directory / temporary_name(path.filename().string(), ::getpid());
  // unlink, not remove: whatever else holds the name (a folder) is not ours to delete.
  auto fail = [&](Error error) -> Status {
    ::unlink(temporary.c_str());
    return error;
  };
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) {
      return fail(
          make_error("cannot write " + temporary.string() + ": " + system_error_text(errno)));
    }
    if (auto status = write(out); !status.ok()) return fail(status.error());
    out.flush();
    if (!out)
      return fail(make_error("cannot write " + temporary.string() + " (is the disk full?)"));
  }
  // fsync before rename: after a crash the final name holds the whole file or the old one. A
  // full disk can show only here, on a filesystem that allocates late.
  const int descriptor = ::open(temporary.c_str(), O_RDONLY | O_CLOEXEC);
  if (descriptor < 0) {
    return fail(make_error("cannot open " + temporary.string() + ": " + system_error_text(errno)));
  }
  const bool synced = ::fsync(descriptor) == 0;
  const int sync_error = errno;
  ::close(descriptor);
  if (!synced) {
    return fail(
        make_error("cannot write " + temporary.string() + ": " + system_error_text(sync_error)));
  }
  staged_.push_back({temporary, path});
  return {};
}

Status StagedFiles::commit() {
  std::size_t done = 0;
  for (; done < staged_.size(); ++done) {
    std::error_code error;
    std::filesystem::rename(staged_[done].temporary, staged_[done].final_path, error);
    if (error) {
      const std::string path = staged_[done].final_path.string();
      staged_.erase(staged_.begin(), staged_.begin() + static_cast<std::ptrdiff_t>(done));
      return make_error("cannot rename into " + path + ": " + error.message());
    }
  }
  staged_.clear();
  return {};
}

Status write_file_atomically(const std::string& path,
                             const std::function<Status(std::ostream&)>& write) {
  StagedFiles file;
  PI_RETURN_IF_ERROR(file.stage(path, write));
  return file.commit();
}

std::string temporary_name(const std::string& name, pid_t pid) {
  const std::string suffix = ".tmp-" + std::to_string(pid);
  if (1 + name.size() + suffix.size() <= NAME_MAX) return "." + name + suffix;
  // FNV-1a: short, stable, and no two names of one outbox are written at once anyway.
  std::uint64_t hash = 14695981039346656037ull;
  for (const char c : name) hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  return std::string(".tmp-") + hex + "-" + std::to_string(pid);
}

std::optional<pid_t> temporary_writer(std::string_view file_name) {
  if (file_name.empty() || file_name.front() != '.') return std::nullopt;
  const std::size_t dash = file_name.rfind('-');
  if (dash == std::string_view::npos || dash + 1 == file_name.size()) return std::nullopt;
  const std::string_view digits = file_name.substr(dash + 1);
  if (digits.size() > 10 || !ascii::all_digits(digits)) return std::nullopt;
  const std::string_view before = file_name.substr(0, dash);
  const bool named = before.size() > 5 && before.substr(before.size() - 4) == ".tmp";
  const bool hashed = before.size() == 5 + 16 && before.substr(0, 5) == ".tmp-" &&
                      std::all_of(before.begin() + 5, before.end(), ascii::is_lower_hex_digit);
  if (!named && !hashed) return std::nullopt;
  const long long pid = std::stoll(std::string(digits));
  if (pid <= 0 || pid > std::numeric_limits<pid_t>::max()) return std::nullopt;
  return static_cast<pid_t>(pid);
}

Result<std::size_t> remove_stale_temporaries(const std::filesystem::path& directory) {
  std::error_code error;
  std::size_t removed = 0;
  for (std::filesystem::directory_iterator it(directory, error), end; !error && it != end;
       it.increment(error)) {
    const auto writer = temporary_writer(it->path().filename().string());
    if (!writer || !it->is_regular_file()) continue;
    // ESRCH: no such process any more. Ours, or another live writer's, stays.
    if (::kill(*writer, 0) == 0 || errno != ESRCH) continue;
    std::error_code ignored;
    if (std::filesystem::remove(it->path(), ignored)) ++removed;
  }
  if (error) return make_error("cannot read " + directory.string() + ": " + error.message());
  return removed;
}

Status write_failed_rows(std::ostream& out, InputFile& source, const FileLayout& layout,
                         const FailedRowSource& failed_rows) {
  PI_RETURN_IF_ERROR(
      copy_range(out, source, layout.bom_bytes, layout.body_offset - layout.bom_bytes));
  Status copy_status;
  PI_RETURN_IF_ERROR(failed_rows([&](const FailedRowRange& range) {
    copy_status = copy_range(out, source, range.offset, range.length);
    out << '\n';
    return copy_status.ok() && static_cast<bool>(out);
  }));
  PI_RETURN_IF_ERROR(copy_status);
  if (!out) return make_error("could not write the failed-rows file");
  return {};
}

}  // namespace person_import
