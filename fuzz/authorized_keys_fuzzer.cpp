// Authorized-key lines on arbitrary text: every line accepted parses on its own again, with a
// SHA256 fingerprint.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "daemon/sftp/public_keys.h"
#include "fuzz/fuzz_input.h"

using namespace person_import::sftp;
using person_import::fuzzing::require;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)parse_public_key_line(text);
  const auto lines = parse_public_key_lines(text);
  if (!lines.ok()) return 0;
  for (const auto& line : *lines) {
    const auto info = parse_public_key_line(line);
    require(info.ok(), "an accepted line parses again");
    require(info->fingerprint.starts_with("SHA256:"), "a fingerprint is SHA256");
  }
  return 0;
}
