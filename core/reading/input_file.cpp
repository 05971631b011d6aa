#include "core/reading/input_file.h"
#include "core/common/system_error_text.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace person_import {
namespace {

std::string describe_errno(const std::string& what, const std::string& path, int error) {
  return what + " " + path + ": " + system_error_text(error);
}

std::int64_t modified_ns(const struct stat& status) {
  return static_cast<std::int64_t>(status.st_mtim.tv_sec) * 1'000'000'000 + status.st_mtim.tv_nsec;
}

}  // namespace

Result<std::unique_ptr<InputFile>> InputFile::open(const std::string& path) {
  int descriptor;
  do {
    descriptor = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  } while (descriptor < 0 && errno == EINTR);
  if (descriptor < 0) {
    return make_error(describe_errno("cannot open", path, errno));
  }
  struct stat status {};
  if (::fstat(descriptor, &status) != 0) {
    const int error = errno;
    ::close(descriptor);
    return make_error(describe_errno("cannot stat", path, error));
  }
  if (!S_ISREG(status.st_mode)) {
    ::close(descriptor);
    return make_error("cannot open " + path + ": not a regular file");
  }
  // Sequential access is the common case; the hint lets the kernel read ahead further.
  (void)::posix_fadvise(descriptor, 0, 0, POSIX_FADV_SEQUENTIAL);
  return std::unique_ptr<InputFile>(new InputFile(
      descriptor, static_cast<std::uint64_t>(status.st_size), modified_ns(status), path));
}

InputFile::InputFile(int descriptor, std::uint64_t size, std::int64_t modified, std::string path)
    : descriptor_(descriptor), size_(size), modified_ns_(modified), path_(std::move(path)) {}

Status InputFile::check_unchanged() const {
  struct stat status {};
  if (::fstat(descriptor_, &status) != 0) {
    return make_error(describe_errno("cannot stat", path_, errno));
  }
  if (static_cast<std::uint64_t>(status.st_size) != size_ || modified_ns(status) != modified_ns_) {
    return make_error("the file " + path_ +
                      " changed during the import (was it still being written?): rows after the "
                      "last committed batch were not applied; upload the whole file again, "
                      "moved into the inbox only once it is complete");
  }
  return Status::success();
}

InputFile::~InputFile() { ::close(descriptor_); }

Result<std::size_t> InputFile::read(char* buffer, std::size_t capacity) {
  // A short read is not end of file (pipes, signals): only 0 is, so loop until full or 0.
  std::size_t total = 0;
  while (total < capacity) {
    const ssize_t got = ::read(descriptor_, buffer + total, capacity - total);
    if (got < 0) {
      if (errno == EINTR) continue;
      return make_error(describe_errno("cannot read", path_, errno));
    }
    if (got == 0) break;
    total += static_cast<std::size_t>(got);
  }
  return total;
}

Status InputFile::seek(std::uint64_t offset) {
  if (::lseek(descriptor_, static_cast<off_t>(offset), SEEK_SET) < 0) {
    return make_error(describe_errno("cannot seek in", path_, errno));
  }
  return Status::success();
}

Result<std::size_t> InputFile::read_at(std::uint64_t offset, char* buffer, std::size_t capacity) {
  std::size_t total = 0;
  while (total < capacity) {
    const ssize_t got =
        ::pread(descriptor_, buffer + total, capacity - total, static_cast<off_t>(offset + total));
    if (got < 0) {
      if (errno == EINTR) continue;
      return make_error(describe_errno("cannot read", path_, errno));
    }
    if (got == 0) break;
    total += static_cast<std::size_t>(got);
  }
  return total;
}

}  // namespace person_import
