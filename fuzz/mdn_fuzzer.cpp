// mdn normalisation (libphonenumber behind it) on arbitrary text: a normalised mdn is E.164
// (a '+' then 8 to 15 ASCII digits) and normalising it again gives it back.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/phones/mdn.h"
#include "fuzz/fuzz_input.h"

using namespace person_import;
using fuzzing::require;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto normalised = normalize_mdn(text);
  if (!normalised) return 0;
  require(!normalised->empty() && normalised->front() == '+', "E.164 starts with +");
  for (std::size_t index = 1; index < normalised->size(); ++index) {
    require((*normalised)[index] >= '0' && (*normalised)[index] <= '9', "E.164 is ASCII digits");
  }
  require(normalize_mdn(*normalised) == normalised, "normalising is idempotent");
  return 0;
}
