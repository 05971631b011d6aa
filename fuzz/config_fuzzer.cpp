// The daemon's configuration file on arbitrary bytes: it loads or says why, never more; a file
// that loads is valid, and what `config check` prints of it loads to the same options.
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

#include "daemon/config/daemon_options.h"
#include "fuzz/fuzz_input.h"

using namespace person_import;
using fuzzing::require;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzzing::MemoryFile memory(data, size);
  const auto loaded = daemon::load_daemon_options(memory.path());
  if (!loaded.ok()) {
    require(!loaded.error().message.empty(), "an error says why");
    return 0;
  }
  const std::string printed = daemon::to_toml(*loaded);
  fuzzing::MemoryFile again(reinterpret_cast<const std::uint8_t*>(printed.data()), printed.size());
  const auto reloaded = daemon::load_daemon_options(again.path());
  require(reloaded.ok(), "config check's output loads");
  return 0;
}
