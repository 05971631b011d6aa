#include "daemon/sftp/company_folder.h"
#include "core/common/system_error_text.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

#include "core/common/company_key.h"
#include "daemon/queueing/upload_names.h"

namespace person_import::sftp {
namespace {

using Kind = FolderStatus::Kind;

constexpr int kDirectoryFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

// A folder, opened relative to `parent` without following a symlink; created when missing.
int open_folder(int parent, const char* name) {
  int fd = ::openat(parent, name, kDirectoryFlags);
  if (fd < 0 && errno == ENOENT) {
    if (::mkdirat(parent, name, 0750) != 0 && errno != EEXIST) return -1;
    fd = ::openat(parent, name, kDirectoryFlags);
  }
  return fd;
}

// The regular file `name` in `folder_fd`, not following a symlink.
FolderStatus stat_file(int folder_fd, const std::string& name, struct stat& status) {
  if (::fstatat(folder_fd, name.c_str(), &status, AT_SYMLINK_NOFOLLOW) != 0) {
    return FolderStatus::from_errno(errno, name);
  }
  // Symlinks, folders, FIFOs... do not exist for a client.
  if (!S_ISREG(status.st_mode))
    return FolderStatus::error(Kind::kNoSuchFile, name + ": no such file");
  return {};
}

FolderStatus denied(const std::string& what) {
  return FolderStatus::error(Kind::kPermissionDenied, what + ": permission denied");
}

}  // namespace

EntryInfo entry_info(const std::string& name, const struct stat& status) {
  EntryInfo entry;
  entry.name = name;
  entry.directory = S_ISDIR(status.st_mode);
  entry.size = static_cast<std::uint64_t>(status.st_size);
  entry.mode = status.st_mode;
  entry.uid = status.st_uid;
  entry.gid = status.st_gid;
  entry.atime = status.st_atim.tv_sec;
  entry.mtime = status.st_mtim.tv_sec;
  return entry;
}

FolderStatus FolderStatus::from_errno(int error, const std::string& what) {
  const std::string message = what + ": " + system_error_text(error);
  switch (error) {
    case ENOENT:
    case ENOTDIR:
      return FolderStatus::error(Kind::kNoSuchFile, message);
    case EACCES:
    case EPERM:
    case ELOOP:  // a symlink met with O_NOFOLLOW: refused, never followed
    case EROFS:
      return FolderStatus::error(Kind::kPermissionDenied, message);
    case EEXIST:
      return FolderStatus::error(Kind::kAlreadyExists, message);
    case EFBIG:
      return FolderStatus::error(Kind::kTooLarge, message);
    default:
      return FolderStatus::error(Kind::kFailure, message);
  }
}

// ---- Upload ----------------------------------------------------------------------------------

Upload::Upload(int inbox_fd, int fd, std::string temporary, std::string name,
               std::uint64_t max_size)
    : inbox_fd_(inbox_fd),
      fd_(fd),
      temporary_(std::move(temporary)),
      name_(std::move(name)),
      max_size_(max_size) {}

Upload::~Upload() { discard(); }

FolderStatus Upload::write(std::uint64_t offset, const void* data, std::size_t size) {
  if (done_) return FolderStatus::error(Kind::kFailure, name_ + ": upload already ended");
  if (offset > max_size_ || size > max_size_ - offset) {
    return FolderStatus::error(Kind::kTooLarge, "file too large");
  }
  const char* bytes = static_cast<const char*>(data);
  std::size_t written = 0;
  while (written < size) {
    const ssize_t wrote =
        ::pwrite(fd_, bytes + written, size - written, static_cast<off_t>(offset + written));
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) return FolderStatus::from_errno(wrote < 0 ? errno : EIO, name_);
    written += static_cast<std::size_t>(wrote);
  }
  bytes_ = std::max(bytes_, offset + size);
  return {};
}

FolderStatus Upload::finish() {
  if (done_) return FolderStatus::error(Kind::kFailure, name_ + ": upload already ended");
  // Durable before it is visible: the watcher may pick the file up right after the rename.
  if (::fsync(fd_) != 0) {
    FolderStatus status = FolderStatus::from_errno(errno, name_);
    discard();
    return status;
  }
  struct stat status {};
  if (::fstat(fd_, &status) == 0) bytes_ = static_cast<std::uint64_t>(status.st_size);
  if (::renameat(inbox_fd_, temporary_.c_str(), inbox_fd_, name_.c_str()) != 0) {
    FolderStatus failed = FolderStatus::from_errno(errno, name_);
    discard();
    return failed;
  }
  done_ = true;
  ::close(fd_);
  fd_ = -1;
  (void)::fsync(inbox_fd_);  // the rename itself; the file's data is synced already
  return {};
}

void Upload::discard() {
  if (done_) return;
  done_ = true;
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  ::unlinkat(inbox_fd_, temporary_.c_str(), 0);
}

// ---- CompanyFolder ---------------------------------------------------------------------------

CompanyFolder::CompanyFolder(int inbox_fd, int outbox_fd)
    : inbox_fd_(inbox_fd), outbox_fd_(outbox_fd) {}

CompanyFolder::~CompanyFolder() {
  ::close(inbox_fd_);
  ::close(outbox_fd_);
}

FolderStatus CompanyFolder::open(const std::filesystem::path& drop_root, const std::string& company,
                                 std::unique_ptr<CompanyFolder>& out) {
  // The company key is checked again here although authentication already did: it becomes a
  // path component.
  if (!validate_company_key(company).ok()) return denied(company);
  const int root_fd = ::open(drop_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) return FolderStatus::from_errno(errno, drop_root.string());
  // The company folder may be an administrator's symlink (as for the watcher), so it is
  // followed; inbox and outbox below it are not.
  int company_fd = ::openat(root_fd, company.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (company_fd < 0 && errno == ENOENT) {
    if (::mkdirat(root_fd, company.c_str(), 0750) == 0 || errno == EEXIST) {
      company_fd = ::openat(root_fd, company.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    }
  }
  const int saved = errno;
  ::close(root_fd);
  if (company_fd < 0) return FolderStatus::from_errno(saved, company);
  const int inbox_fd = open_folder(company_fd, "inbox");
  const int inbox_errno = errno;
  const int outbox_fd = open_folder(company_fd, "outbox");
  const int outbox_errno = errno;
  ::close(company_fd);
  if (inbox_fd < 0 || outbox_fd < 0) {
    if (inbox_fd >= 0) ::close(inbox_fd);
    if (outbox_fd >= 0) ::close(outbox_fd);
    return inbox_fd < 0 ? FolderStatus::from_errno(inbox_errno, company + "/inbox")
                        : FolderStatus::from_errno(outbox_errno, company + "/outbox");
  }
  out.reset(new CompanyFolder(inbox_fd, outbox_fd));
  return {};
}

FolderStatus CompanyFolder::stat(const VirtualLocation& location, EntryInfo& out) const {
  struct stat status {};
  switch (location.kind) {
    case VirtualLocation::Kind::kRoot:
      // The company folder's own attributes are not the client's business: `/` looks like the
      // inbox (a directory it may write into).
      if (::fstat(inbox_fd_, &status) != 0) return FolderStatus::from_errno(errno, "/");
      out = entry_info("/", status);
      return {};
    case VirtualLocation::Kind::kFolder:
      if (::fstat(folder_fd(location.folder), &status) != 0) {
        return FolderStatus::from_errno(errno, std::string(to_string(location.folder)));
      }
      out = entry_info(std::string(to_string(location.folder)), status);
      return {};
    case VirtualLocation::Kind::kFile: {
      FolderStatus found = stat_file(folder_fd(location.folder), location.name, status);
      if (!found.ok()) return found;
      out = entry_info(location.name, status);
      return {};
    }
    case VirtualLocation::Kind::kNone:
      break;
  }
  return FolderStatus::error(Kind::kNoSuchFile, "no such file");
}

FolderStatus CompanyFolder::list(const VirtualLocation& location,
                                 std::vector<EntryInfo>& out) const {
  out.clear();
  if (location.kind == VirtualLocation::Kind::kRoot) {
    for (const Folder folder : {Folder::kInbox, Folder::kOutbox}) {
      VirtualLocation child{VirtualLocation::Kind::kFolder, folder, ""};
      EntryInfo entry;
      FolderStatus status = stat(child, entry);
      if (!status.ok()) return status;
      out.push_back(std::move(entry));
    }
    return {};
  }
  if (location.kind != VirtualLocation::Kind::kFolder) return denied("list");
  const int fd = folder_fd(location.folder);
  // fdopendir takes ownership of its descriptor: give it a fresh one on the same folder
  // (a dup would share the read position with later listings).
  const int listing = ::openat(fd, ".", kDirectoryFlags);
  if (listing < 0) return FolderStatus::from_errno(errno, std::string(to_string(location.folder)));
  DIR* directory = ::fdopendir(listing);
  if (directory == nullptr) {
    ::close(listing);
    return FolderStatus::from_errno(errno, std::string(to_string(location.folder)));
  }
  while (const dirent* entry = ::readdir(directory)) {
    const std::string name = entry->d_name;
    if (!is_client_file_name(name)) continue;  // ".", "..", hidden temporaries
    struct stat status {};
    if (!stat_file(fd, name, status).ok()) continue;  // gone, or not a regular file
    out.push_back(entry_info(name, status));
  }
  ::closedir(directory);
  return {};
}

FolderStatus CompanyFolder::open_for_reading(const VirtualLocation& location, int& fd) const {
  if (!is_allowed(Operation::kRead, location)) return denied(location.name);
  fd = ::openat(folder_fd(location.folder), location.name.c_str(),
                O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return FolderStatus::from_errno(errno, location.name);
  struct stat status {};
  if (::fstat(fd, &status) != 0 || !S_ISREG(status.st_mode)) {
    ::close(fd);
    fd = -1;
    return FolderStatus::error(Kind::kNoSuchFile, location.name + ": no such file");
  }
  return {};
}

FolderStatus CompanyFolder::begin_upload(const VirtualLocation& location, std::uint64_t session_id,
                                         std::uint64_t max_size, std::unique_ptr<Upload>& out) {
  if (!is_allowed(Operation::kWrite, location)) return denied(location.name);
  if (auto problem = queueing::upload_name_problem(location.name)) {
    return FolderStatus::error(Kind::kFailure, *problem);
  }
  // Unique per session and upload: several sessions may upload the same name at once, and
  // the last to close wins, as with a local `cp`.
  static std::atomic<std::uint64_t> counter{0};
  const std::string temporary = std::string(kUploadTemporaryPrefix) + std::to_string(session_id) +
                                "." + std::to_string(counter.fetch_add(1)) + "." + location.name;
  const int fd = ::openat(inbox_fd_, temporary.c_str(),
                          O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
  if (fd < 0) return FolderStatus::from_errno(errno, location.name);
  out.reset(new Upload(inbox_fd_, fd, temporary, location.name, max_size));
  return {};
}

FolderStatus CompanyFolder::remove(const VirtualLocation& location) {
  if (!is_allowed(Operation::kRemove, location)) return denied(location.name);
  struct stat status {};
  FolderStatus found = stat_file(inbox_fd_, location.name, status);
  if (!found.ok()) return found;
  if (::unlinkat(inbox_fd_, location.name.c_str(), 0) != 0) {
    return FolderStatus::from_errno(errno, location.name);
  }
  return {};
}

FolderStatus CompanyFolder::rename(const VirtualLocation& from, const VirtualLocation& to,
                                   bool overwrite) {
  if (!is_allowed(Operation::kRename, from)) return denied(from.name);
  if (!is_allowed(Operation::kRename, to)) return denied(to.name);
  if (auto problem = queueing::upload_name_problem(to.name)) {
    return FolderStatus::error(Kind::kFailure, *problem);
  }
  struct stat status {};
  FolderStatus found = stat_file(inbox_fd_, from.name, status);
  if (!found.ok()) return found;
  if (from.name == to.name) return {};
  // renameat2(RENAME_NOREPLACE) checks and renames at once: no window in which another upload
  // of the target name could be replaced.
  const unsigned flags = overwrite ? 0 : RENAME_NOREPLACE;
  if (::renameat2(inbox_fd_, from.name.c_str(), inbox_fd_, to.name.c_str(), flags) != 0) {
    return FolderStatus::from_errno(errno, to.name);
  }
  (void)::fsync(inbox_fd_);
  return {};
}

std::size_t remove_stale_uploads(const std::filesystem::path& drop_root) {
  std::size_t removed = 0;
  std::error_code error;
  for (const auto& company : std::filesystem::directory_iterator(drop_root, error)) {
    if (!validate_company_key(company.path().filename().string()).ok()) continue;
    const int inbox_fd = ::open((company.path() / "inbox").c_str(), kDirectoryFlags);
    if (inbox_fd < 0) continue;
    const int listing = ::dup(inbox_fd);
    DIR* directory = listing >= 0 ? ::fdopendir(listing) : nullptr;
    if (directory == nullptr) {
      if (listing >= 0) ::close(listing);
      ::close(inbox_fd);
      continue;
    }
    while (const dirent* entry = ::readdir(directory)) {
      const std::string_view name = entry->d_name;
      if (!name.starts_with(kUploadTemporaryPrefix)) continue;
      if (::unlinkat(inbox_fd, entry->d_name, 0) == 0) ++removed;
    }
    ::closedir(directory);
    ::close(inbox_fd);
  }
  return removed;
}

}  // namespace person_import::sftp
