// Time spent on mdns per million rows: normalize_mdn (the format and validity check every row
// with an mdn pays) and the built-in carrier lookup (paid when an mdn is given to a person).
//
// Usage: mdn_bench [COUNT]   (default 1,000,000 distinct valid North American numbers, in the
// spellings files use: plain 10 digits, +1 E.164, and punctuated).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/phones/carrier_lookup.h"
#include "core/phones/mdn.h"

int main(int argc, char** argv) {
  const std::size_t count = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
  const int area_codes[] = {312, 415, 646, 213, 617, 305, 206, 512};
  std::vector<std::string> numbers;
  numbers.reserve(count);
  for (std::size_t index = 0; index < count; ++index) {
    const int area = area_codes[index % 8];
    const std::size_t serial = index / 8;
    char text[32];
    const unsigned exchange = static_cast<unsigned>(201 + serial / 10000);
    const unsigned line = static_cast<unsigned>(serial % 10000);
    switch (index % 3) {
      case 0:
        std::snprintf(text, sizeof text, "%d%03u%04u", area, exchange, line);
        break;
      case 1:
        std::snprintf(text, sizeof text, "+1%d%03u%04u", area, exchange, line);
        break;
      default:
        std::snprintf(text, sizeof text, "(%d) %03u-%04u", area, exchange, line);
        break;
    }
    numbers.emplace_back(text);
  }

  using Clock = std::chrono::steady_clock;
  std::vector<std::string> normalized;
  normalized.reserve(count);
  const auto validate_start = Clock::now();
  for (const auto& number : numbers) {
    auto e164 = person_import::normalize_mdn(number);
    if (!e164) {
      std::fprintf(stderr, "unexpectedly invalid: %s\n", number.c_str());
      return 1;
    }
    normalized.push_back(std::move(*e164));
  }
  const auto validate_end = Clock::now();

  auto lookup = person_import::make_builtin_carrier_lookup();
  std::size_t mobile = 0;
  const auto lookup_start = Clock::now();
  for (const auto& number : normalized) {
    if (lookup->lookup(number).kind == person_import::CarrierLookupOutcome::Kind::kMobile) ++mobile;
  }
  const auto lookup_end = Clock::now();

  auto per_million = [&](auto elapsed) {
    return std::chrono::duration<double>(elapsed).count() * 1e6 / static_cast<double>(count);
  };
  std::printf("numbers: %zu (mobile: %zu)\n", count, mobile);
  std::printf("normalize_mdn:          %.2f s per million (%.2f us each)\n",
              per_million(validate_end - validate_start),
              per_million(validate_end - validate_start));
  std::printf("built-in carrier lookup: %.2f s per million (%.2f us each)\n",
              per_million(lookup_end - lookup_start), per_million(lookup_end - lookup_start));
  return 0;
}
