#include "core/common/clock.h"

#include <uuid/uuid.h>

#include <ctime>
#include <cstdio>

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

std::string random_person_key() {
  uuid_t uuid;
  uuid_generate_random(uuid);
  char text[37];
  uuid_unparse_lower(uuid, text);
  return text;
}

}  // namespace person_import
