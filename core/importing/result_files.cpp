#include "core/importing/result_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
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

Status write_file_atomically(const std::string& path,
                             const std::function<Status(std::ostream&)>& write) {
  const std::filesystem::path final_path(path);
  const std::filesystem::path directory =
      final_path.has_parent_path() ? final_path.parent_path() : std::filesystem::path(".");
  const std::filesystem::path temporary =
      directory / ("." + final_path.filename().string() + ".tmp-" + std::to_string(getpid()));
  // `write`'s own Error is passed on as it is (a lost database connection stays transient).
  auto fail = [&](Error error) -> Status {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    return error;
  };
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) {
      return fail(make_error("cannot write " + temporary.string() + ": " + std::strerror(errno)));
    }
    if (auto status = write(out); !status.ok()) return fail(status.error());
    out.flush();
    if (!out) return fail(make_error("cannot write " + temporary.string()));
  }
  // fsync before rename: after a crash the final name holds the whole file or the old one.
  const int descriptor = ::open(temporary.c_str(), O_RDONLY | O_CLOEXEC);
  if (descriptor >= 0) {
    ::fsync(descriptor);
    ::close(descriptor);
  }
  std::error_code error;
  std::filesystem::rename(temporary, final_path, error);
  if (error) return fail(make_error("cannot rename into " + path + ": " + error.message()));
  return {};
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
