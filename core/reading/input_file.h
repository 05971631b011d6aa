// A `.persons` file opened for reading in bounded chunks.
//
// The import never holds a whole file in memory: readers pull chunks through `read`, and the
// failed-rows writer copies byte ranges back out with `read_at`. Not thread-safe; one reader
// at a time. Non-copyable; owns its file descriptor.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/common/result.h"

namespace person_import {

class InputFile {
 public:
  // Opens `path` for reading. Errors: the file cannot be opened or is not a regular file.
  static Result<std::unique_ptr<InputFile>> open(const std::string& path);

  ~InputFile();
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  // Reads up to `capacity` bytes at the current position into `buffer` and advances.
  // Returns the number of bytes read: 0 at end of file. Errors: the read failed.
  Result<std::size_t> read(char* buffer, std::size_t capacity);

  // Moves the current position to `offset` bytes from the start.
  Status seek(std::uint64_t offset);

  // Reads up to `capacity` bytes at `offset` without moving the current position.
  Result<std::size_t> read_at(std::uint64_t offset, char* buffer, std::size_t capacity);

  // The file's size in bytes when opened (for progress reporting).
  std::uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }

  // Whether the open file still has the size and modification time it had when opened: the
  // whole-file checks ran on those bytes, so bytes written since must not be imported.
  // Errors: the file changed, or it cannot be examined. Removing its name is not a change.
  Status check_unchanged() const;

 private:
  InputFile(int descriptor, std::uint64_t size, std::int64_t modified, std::string path);
  int descriptor_;
  std::uint64_t size_;
  std::int64_t modified_ns_;
  std::string path_;
};

}  // namespace person_import
