// The SFTP virtual-path resolution on arbitrary client paths: wherever a path leads, a file is
// a single, non-hidden component inside inbox or outbox, and resolving is idempotent.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "daemon/sftp/virtual_path.h"
#include "fuzz/fuzz_input.h"

using namespace person_import::sftp;
using person_import::fuzzing::require;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view path(reinterpret_cast<const char*>(data), size);
  const std::string resolved = resolve_virtual_path(path);
  require(!resolved.empty() && resolved.front() == '/', "a resolved path is absolute");
  require(resolve_virtual_path(resolved) == resolved, "resolving is idempotent");
  const VirtualLocation location = locate(path);
  require(location == locate(resolved), "a path and its resolution lead to the same place");
  if (location.kind == VirtualLocation::Kind::kFile) {
    require(!location.name.empty() && location.name.front() != '.', "no hidden or empty names");
    require(location.name.find('/') == std::string::npos, "a file name is one component");
    require(location.name.find('\0') == std::string::npos, "no NUL in a file name");
    require(location.name != "..", "never the parent");
  }
  return 0;
}
