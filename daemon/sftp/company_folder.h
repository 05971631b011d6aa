// A company folder as the SFTP server touches it: `<drop_root>/<company>/inbox` and `outbox`,
// opened once per session as directory descriptors (O_NOFOLLOW: an inbox or outbox that is a
// symlink is refused), and every file reached by a single name relative to them with
// openat/fstatat/renameat/unlinkat and O_NOFOLLOW / AT_SYMLINK_NOFOLLOW. A symlink planted in
// either folder is never followed: it is not listed, cannot be read, and an upload under its
// name replaces the link itself. Names come from virtual_path.h's locate(), so they are single
// components that never start with '.'.
//
// Uploads are written under a hidden temporary name in the inbox (`.sftp-upload.<id>.<name>`:
// the watcher ignores names starting with '.'), fsynced and renamed to their name when the
// client closes them, so the watcher only ever sees whole files. An Upload destroyed before
// finish() deletes its temporary (a dropped connection, a file too large, a server stop).
//
// Errors are values (FolderStatus) carrying the SFTP status class a client should get.
// Not thread-safe: a session's folder is used by that session's thread only.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "daemon/sftp/virtual_path.h"

namespace person_import::sftp {

struct FolderStatus {
  enum class Kind { kOk, kNoSuchFile, kPermissionDenied, kAlreadyExists, kTooLarge, kFailure };
  Kind kind = Kind::kOk;
  std::string message;

  bool ok() const { return kind == Kind::kOk; }
  static FolderStatus error(Kind kind, std::string message) { return {kind, std::move(message)}; }
  // From errno after a failed call on `what`.
  static FolderStatus from_errno(int error, const std::string& what);
};

// What a client sees of an entry.
struct EntryInfo {
  std::string name;
  bool directory = false;
  std::uint64_t size = 0;
  std::uint32_t mode = 0;  // type and permission bits, as st_mode
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::int64_t atime = 0;
  std::int64_t mtime = 0;
};

// What SFTP shows of an entry named `name` with these stat() results.
EntryInfo entry_info(const std::string& name, const struct stat& status);

// The prefix of upload temporaries in an inbox.
inline constexpr std::string_view kUploadTemporaryPrefix = ".sftp-upload.";

class Upload {
 public:
  Upload(const Upload&) = delete;
  Upload& operator=(const Upload&) = delete;
  ~Upload();  // discards the temporary unless finished

  // pwrite at `offset`; kTooLarge (nothing written) when the file would pass max_size.
  FolderStatus write(std::uint64_t offset, const void* data, std::size_t size);
  // fsync, rename to the final name (replacing an older pending upload of that name), fsync
  // the inbox. On failure the temporary is discarded.
  FolderStatus finish();
  // Deletes the temporary now.
  void discard();

  const std::string& name() const { return name_; }
  std::uint64_t bytes() const { return bytes_; }
  int fd() const { return fd_; }

 private:
  friend class CompanyFolder;
  Upload(int inbox_fd, int fd, std::string temporary, std::string name, std::uint64_t max_size);
  int inbox_fd_;
  int fd_;
  std::string temporary_;
  std::string name_;
  std::uint64_t max_size_;
  std::uint64_t bytes_ = 0;  // the largest end written
  bool done_ = false;
};

class CompanyFolder {
 public:
  // Opens (creating what is missing, mode 0750) `<drop_root>/<company>/{inbox,outbox}`. The
  // company folder itself may be a symlink an administrator made; inbox and outbox may not.
  static FolderStatus open(const std::filesystem::path& drop_root, const std::string& company,
                           std::unique_ptr<CompanyFolder>& out);
  ~CompanyFolder();
  CompanyFolder(const CompanyFolder&) = delete;
  CompanyFolder& operator=(const CompanyFolder&) = delete;

  // `/`, a folder, or a regular file in one (anything else is kNoSuchFile).
  FolderStatus stat(const VirtualLocation& location, EntryInfo& out) const;
  // `/` lists inbox and outbox; a folder lists its regular files without hidden names.
  FolderStatus list(const VirtualLocation& location, std::vector<EntryInfo>& out) const;
  // A regular file of the outbox, opened read-only; the caller closes `fd`.
  FolderStatus open_for_reading(const VirtualLocation& location, int& fd) const;
  // A new upload to the inbox; `session_id` makes its temporary name unique.
  FolderStatus begin_upload(const VirtualLocation& location, std::uint64_t session_id,
                            std::uint64_t max_size, std::unique_ptr<Upload>& out);
  // Removes a regular file of the inbox.
  FolderStatus remove(const VirtualLocation& location);
  // Renames within the inbox. Without `overwrite` (SSH_FXP_RENAME) an existing target is
  // kAlreadyExists; with it (posix-rename@openssh.com) the target is replaced.
  FolderStatus rename(const VirtualLocation& from, const VirtualLocation& to, bool overwrite);

 private:
  CompanyFolder(int inbox_fd, int outbox_fd);
  int folder_fd(Folder folder) const { return folder == Folder::kInbox ? inbox_fd_ : outbox_fd_; }
  int inbox_fd_;
  int outbox_fd_;
};

// Deletes upload temporaries (kUploadTemporaryPrefix) a previous run left in every
// `<drop_root>/*/inbox`; returns how many. Called at server start, before any session.
std::size_t remove_stale_uploads(const std::filesystem::path& drop_root);

}  // namespace person_import::sftp
