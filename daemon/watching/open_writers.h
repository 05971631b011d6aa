// Whether a file is still open for writing, for the watcher to hold back a file whose writer
// paused longer than settle_time (spec section 10: "never a half-written file"). Only what the
// kernel of this machine knows can be asked:
//
// - A read lease (fcntl F_SETLEASE F_RDLCK, taken and dropped at once) is refused with EAGAIN
//   exactly when some process here has the file open for writing (or mapped writable). It
//   needs the daemon to own the file or hold CAP_LEASE (the shipped systemd unit grants it),
//   and a filesystem that supports leases (local ones do).
// - Otherwise /proc is searched: a descriptor of any process, open on the same device and inode
//   with write access (/proc/<pid>/fdinfo flags). It sees only the processes the daemon may
//   inspect: its own user's, or all when it runs as root.
//
// Neither sees a writer on another machine: on NFS or SMB the client that writes is elsewhere,
// and only the settle time can tell (folder_watcher.h). Thread-safe (no shared state).
#pragma once

#include <filesystem>

#include "core/common/result.h"

namespace person_import::watching::detail {

// True when a process on this machine has `path` open for writing, as far as can be seen (see
// above); false when none was found. Errors: `path` cannot be examined (gone, unreadable).
Result<bool> is_open_for_writing(const std::filesystem::path& path);

// The /proc search alone: whether a process under `proc` (normally "/proc") has a descriptor
// open with write access on the file `path` is. Processes that cannot be inspected are passed
// over. Errors: `path` cannot be examined.
Result<bool> has_writer_in_proc(const std::filesystem::path& path,
                                const std::filesystem::path& proc = "/proc");

}  // namespace person_import::watching::detail
