// What the fuzz targets share: the input as a file (the reading stage reads InputFiles), held
// in memory (memfd), and a cheap check that aborts so libFuzzer reports a broken invariant.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace person_import::fuzzing {

// The bytes as a file named /proc/self/fd/N, for as long as this lives.
class MemoryFile {
 public:
  MemoryFile(const std::uint8_t* data, std::size_t size) {
    fd_ = ::memfd_create("fuzz-input", MFD_CLOEXEC);
    if (fd_ < 0) std::abort();
    for (std::size_t written = 0; written < size;) {
      const ssize_t result = ::write(fd_, data + written, size - written);
      if (result <= 0) std::abort();
      written += static_cast<std::size_t>(result);
    }
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  ~MemoryFile() { ::close(fd_); }
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  int fd_ = -1;
  std::string path_;
};

// Aborts with `what` when `condition` is false: an invariant the target checks.
inline void require(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "invariant broken: %s\n", what);
    std::abort();
  }
}

}  // namespace person_import::fuzzing
