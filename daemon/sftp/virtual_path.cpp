#include "daemon/sftp/virtual_path.h"

#include <vector>

namespace person_import::sftp {

std::string resolve_virtual_path(std::string_view path) {
  std::vector<std::string_view> components;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view component = path.substr(start, end - start);
    if (component == "..") {
      // At the root ".." stays there, as in a chroot: there is nothing above `/`.
      if (!components.empty()) components.pop_back();
    } else if (!component.empty() && component != ".") {
      components.push_back(component);
    }
    start = end + 1;
  }
  std::string resolved;
  for (const auto component : components) {
    resolved += '/';
    resolved += component;
  }
  return resolved.empty() ? "/" : resolved;
}

bool is_client_file_name(std::string_view name) {
  if (name.empty() || name.size() > 255 || name.front() == '.') return false;
  return name.find('/') == std::string_view::npos && name.find('\0') == std::string_view::npos;
}

VirtualLocation locate(std::string_view path) {
  const std::string resolved = resolve_virtual_path(path);
  VirtualLocation location;
  if (resolved == "/") {
    location.kind = VirtualLocation::Kind::kRoot;
    return location;
  }
  // "/first[/second]": anything with a third component is deeper than a folder's files.
  const std::string_view rest = std::string_view(resolved).substr(1);
  const std::size_t slash = rest.find('/');
  const std::string_view first = rest.substr(0, slash);
  if (first == "inbox") {
    location.folder = Folder::kInbox;
  } else if (first == "outbox") {
    location.folder = Folder::kOutbox;
  } else {
    return location;  // kNone
  }
  if (slash == std::string_view::npos) {
    location.kind = VirtualLocation::Kind::kFolder;
    return location;
  }
  const std::string_view name = rest.substr(slash + 1);
  if (!is_client_file_name(name)) return location;  // deeper, hidden or invalid: kNone
  location.kind = VirtualLocation::Kind::kFile;
  location.name = std::string(name);
  return location;
}

bool is_allowed(Operation operation, const VirtualLocation& location) {
  using Kind = VirtualLocation::Kind;
  const bool in_inbox = location.kind == Kind::kFile && location.folder == Folder::kInbox;
  const bool in_outbox = location.kind == Kind::kFile && location.folder == Folder::kOutbox;
  switch (operation) {
    case Operation::kList:
      return location.kind == Kind::kRoot || location.kind == Kind::kFolder;
    case Operation::kStat:
    case Operation::kSetStat:
      return location.kind != Kind::kNone;
    case Operation::kRead:
      return in_outbox;
    case Operation::kWrite:
    case Operation::kRemove:
    case Operation::kRename:
      return in_inbox;
    case Operation::kMakeDirectory:
    case Operation::kRemoveDirectory:
    case Operation::kSymlink:
      return false;
  }
  return false;
}

std::string_view to_string(Folder folder) { return folder == Folder::kInbox ? "inbox" : "outbox"; }

}  // namespace person_import::sftp
