// The SFTP client's view of its company folder, as pure functions: no filesystem access.
//
// A client logged in as company C sees `<drop_root>/C/` as `/`, holding exactly two folders:
// `/inbox` (write new files, list, remove or rename its own pending uploads) and `/outbox`
// (list and read the result manifests). Nothing else exists for it.
//
// Paths are resolved lexically in that virtual root, like a chroot: relative paths start at
// `/` (the server keeps no working directory; the client's `cd` is its own business), `.` and
// empty components are dropped, and `..` removes the previous component, staying at `/` when
// there is none (`/../../etc` is `/etc`, which names nothing). The result never depends on what
// is on disk, so no path, however written, can lead outside the company folder; the folder
// operations (company_folder.h) then open only single names relative to the inbox or outbox
// directory descriptors, never following symlinks.
//
// Names starting with '.' are not reachable: the server keeps its upload temporaries under
// such names in the inbox, and the watcher never imports them.
#pragma once

#include <string>
#include <string_view>

namespace person_import::sftp {

// `path` resolved against `/`: an absolute path without `.`/`..`/empty components and without a
// trailing slash ("/", "/inbox", "/inbox/a.persons", "/etc").
std::string resolve_virtual_path(std::string_view path);

enum class Folder { kInbox, kOutbox };

// What a resolved path names.
struct VirtualLocation {
  enum class Kind {
    kRoot,    // "/"
    kFolder,  // "/inbox" or "/outbox"
    kFile,    // "/inbox/NAME" or "/outbox/NAME" with a valid file name
    kNone,    // anything else: outside the two folders, deeper, or a hidden or invalid name
  };
  Kind kind = Kind::kNone;
  Folder folder = Folder::kInbox;  // kFolder and kFile
  std::string name;                // kFile: the entry's name in its folder

  bool operator==(const VirtualLocation&) const = default;
};

// Where a path (resolved or not) leads: locate(resolve_virtual_path(path)).
VirtualLocation locate(std::string_view path);

// A name a client may use in a folder: 1..255 bytes, not starting with '.', without '/' or NUL.
bool is_client_file_name(std::string_view name);

enum class Operation {
  kList,             // opendir/readdir
  kStat,             // stat, lstat
  kRead,             // open for reading
  kWrite,            // open for writing (a new upload)
  kRemove,           // remove a file
  kRename,           // either end of a rename
  kSetStat,          // setstat: accepted and ignored where the entry may be seen
  kMakeDirectory,    // never
  kRemoveDirectory,  // never
  kSymlink,          // never (creating or reading links)
};

// The permission rules: list `/`, `/inbox`, `/outbox`; stat those and their files; read
// outbox files; write, remove and rename inbox files; nothing else.
bool is_allowed(Operation operation, const VirtualLocation& location);

std::string_view to_string(Folder folder);

}  // namespace person_import::sftp
