#include "core/common/clock.h"

#include <cstdint>
#include <cstdio>
#include <ctime>

namespace person_import {
namespace {

class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::now();
  }
};

}  // namespace

const Clock& system_clock() {
  static const SystemClock clock;
  return clock;
}

std::string format_timestamp(std::chrono::system_clock::time_point time) {
  using namespace std::chrono;
  const auto milliseconds_since_epoch = time_point_cast<milliseconds>(time);
  const auto day = floor<days>(milliseconds_since_epoch);
  const year_month_day date{day};
  const hh_mm_ss clock_time{milliseconds_since_epoch - day};
  char text[32];
  std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02ld:%02ld:%02ld.%03ldZ",
                static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()), static_cast<long>(clock_time.hours().count()),
                static_cast<long>(clock_time.minutes().count()),
                static_cast<long>(clock_time.seconds().count()),
                static_cast<long>(clock_time.subseconds().count()));
  return text;
}

std::optional<std::chrono::system_clock::time_point> parse_timestamp(std::string_view text) {
  using namespace std::chrono;
  // YYYY-MM-DDTHH:MM:SS.mmmZ, 24 characters, digits where digits belong.
  constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd.dddZ";
  if (text.size() != kShape.size()) return std::nullopt;
  for (std::size_t index = 0; index < kShape.size(); ++index) {
    const bool digit = text[index] >= '0' && text[index] <= '9';
    if (kShape[index] == 'd' ? !digit : text[index] != kShape[index]) return std::nullopt;
  }
  auto number = [&](std::size_t from, std::size_t length) {
    int value = 0;
    for (std::size_t index = from; index < from + length; ++index)
      value = value * 10 + (text[index] - '0');
    return value;
  };
  const year_month_day date{year{number(0, 4)}, month{static_cast<unsigned>(number(5, 2))},
                            day{static_cast<unsigned>(number(8, 2))}};
  if (!date.ok() || number(11, 2) > 23 || number(14, 2) > 59 || number(17, 2) > 59) {
    return std::nullopt;
  }
  return sys_days{date} + hours{number(11, 2)} + minutes{number(14, 2)} + seconds{number(17, 2)} +
         milliseconds{number(20, 3)};
}

}  // namespace person_import
