#include "daemon/watching/open_writers.h"
#include "core/common/system_error_text.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

namespace person_import::watching::detail {
namespace {

bool all_digits(const char* name) {
  if (*name == '\0') return false;
  for (; *name != '\0'; ++name) {
    if (*name < '0' || *name > '9') return false;
  }
  return true;
}

// The access mode of descriptor `fd` of the process whose /proc folder is `process`, from the
// octal "flags:" line of its fdinfo; -1 when it cannot be read.
int access_mode(const std::string& process, const char* fd) {
  std::ifstream info(process + "/fdinfo/" + fd);
  std::string key;
  while (info >> key) {
    if (key == "flags:") {
      std::string octal;
      info >> octal;
      return static_cast<int>(std::strtol(octal.c_str(), nullptr, 8)) & O_ACCMODE;
    }
  }
  return -1;
}

// Whether the process folder `process` holds a descriptor with write access on (device, inode).
bool process_writes(const std::string& process, dev_t device, ino_t inode) {
  const std::string fds = process + "/fd";
  DIR* folder = ::opendir(fds.c_str());
  if (folder == nullptr) return false;  // gone, or not ours to inspect
  bool writes = false;
  while (const dirent* entry = ::readdir(folder)) {
    if (!all_digits(entry->d_name)) continue;
    struct stat target {};
    // stat follows the fd's link to the open file itself, even when its name was renamed.
    if (::stat((fds + "/" + entry->d_name).c_str(), &target) != 0) continue;
    if (target.st_dev != device || target.st_ino != inode) continue;
    const int mode = access_mode(process, entry->d_name);
    if (mode == O_WRONLY || mode == O_RDWR) {
      writes = true;
      break;
    }
  }
  ::closedir(folder);
  return writes;
}

Error cannot_examine(const std::filesystem::path& path, int error) {
  return make_error("cannot examine " + path.string() + ": " + system_error_text(error));
}

}  // namespace

Result<bool> has_writer_in_proc(const std::filesystem::path& path,
                                const std::filesystem::path& proc) {
  struct stat file {};
  if (::stat(path.c_str(), &file) != 0) return cannot_examine(path, errno);
  DIR* processes = ::opendir(proc.c_str());
  if (processes == nullptr) return false;  // no /proc: nothing can be seen
  bool found = false;
  while (const dirent* entry = ::readdir(processes)) {
    if (!all_digits(entry->d_name)) continue;
    if (process_writes(proc.string() + "/" + entry->d_name, file.st_dev, file.st_ino)) {
      found = true;
      break;
    }
  }
  ::closedir(processes);
  return found;
}

Result<bool> is_open_for_writing(const std::filesystem::path& path) {
  // O_NONBLOCK: a FIFO put in place of the file must not hang the watcher.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return cannot_examine(path, errno);
  if (::fcntl(fd, F_SETLEASE, F_RDLCK) == 0) {
    ::fcntl(fd, F_SETLEASE, F_UNLCK);
    ::close(fd);
    return false;
  }
  const int lease_error = errno;
  ::close(fd);
  if (lease_error == EAGAIN) return true;
  // EACCES (neither the owner nor CAP_LEASE), EINVAL (no leases on this filesystem).
  return has_writer_in_proc(path);
}

}  // namespace person_import::watching::detail
