#include <catch2/catch.hpp>
#include <chrono>

#include "core/common/clock.h"

using person_import::format_timestamp;
using person_import::parse_timestamp;

TEST_CASE("parse_timestamp reads back what format_timestamp writes") {
  using namespace std::chrono;
  const auto time = sys_days{2026y / 11 / 28} + 11h + 28min + 39s + 123ms;
  CHECK(format_timestamp(time) == "2026-11-28T11:28:39.123Z");
  REQUIRE(parse_timestamp("2026-11-28T11:28:39.123Z").has_value());
  CHECK(*parse_timestamp("2026-11-28T11:28:39.123Z") == time);
  CHECK(parse_timestamp(format_timestamp(system_clock::now())).has_value());
}

TEST_CASE("parse_timestamp refuses any other shape or an impossible time") {
  for (const char* text :
       {"", "2026-11-28", "2026-11-28T11:28:39Z", "2026-11-28T11:28:39.123",
        "2026-11-28 11:28:39.123Z", "2026-02-30T00:00:00.000Z", "2026-11-28T24:00:00.000Z",
        "2026-11-28T11:60:00.000Z", "2026-1a-28T11:28:39.123Z", "2026-11-28T11:28:39.123Z "}) {
    INFO(text);
    CHECK_FALSE(parse_timestamp(text).has_value());
  }
}
