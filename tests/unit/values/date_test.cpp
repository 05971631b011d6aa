#include <catch2/catch.hpp>

#include <string>

#include "core/values/custom_value.h"

using person_import::parse_date_to_utc;

namespace {

std::string utc(std::string_view text) { return parse_date_to_utc(text).value_or("invalid"); }

}  // namespace

TEST_CASE("date: accepted forms", "[date]") {
  CHECK(utc("2024-05-06T07:08:09Z") == "2024-05-06T07:08:09Z");
  CHECK(utc("2024-05-06t07:08:09z") == "2024-05-06T07:08:09Z");
  CHECK(utc("2024-05-06") == "2024-05-06T00:00:00Z");
  CHECK(utc("2024-05-06T07:08:09+0530") == "2024-05-06T01:38:09Z");
  CHECK(utc("2024-05-06T07:08:09+05:30") == "2024-05-06T01:38:09Z");
  CHECK(utc("2024-05-06T07:08:09-0800") == "2024-05-06T15:08:09Z");
  CHECK(utc("2024-05-06T07:08:09+00:00") == "2024-05-06T07:08:09Z");
  CHECK(utc("2024-05-06T07:08:09-00:00") == "2024-05-06T07:08:09Z");
}

TEST_CASE("date: fractional seconds are dropped, not rounded", "[date]") {
  CHECK(utc("2024-05-06T07:08:09.999Z") == "2024-05-06T07:08:09Z");
  CHECK(utc("2024-12-31T23:59:59.9999999Z") == "2024-12-31T23:59:59Z");
  CHECK(utc("2024-05-06T07:08:09.5+01:00") == "2024-05-06T06:08:09Z");
  CHECK(utc("2024-05-06T07:08:09.Z") == "invalid");
  CHECK(utc("2024-05-06T07:08:09,5Z") == "invalid");
  CHECK(utc("2024-05-06.5") == "invalid");
}

TEST_CASE("date: offsets carry across day, month, year and leap-day boundaries", "[date]") {
  CHECK(utc("2024-01-01T00:30:00+01:00") == "2023-12-31T23:30:00Z");
  CHECK(utc("2023-12-31T23:00:00-02:00") == "2024-01-01T01:00:00Z");
  CHECK(utc("2024-03-01T00:00:00+01:00") == "2024-02-29T23:00:00Z");
  CHECK(utc("2023-03-01T00:00:00+01:00") == "2023-02-28T23:00:00Z");
  CHECK(utc("2024-02-28T23:00:00-01:00") == "2024-02-29T00:00:00Z");
  CHECK(utc("2024-04-30T20:00:00-14:00") == "2024-05-01T10:00:00Z");
  CHECK(utc("2024-05-01T05:00:00+14:00") == "2024-04-30T15:00:00Z");
}

TEST_CASE("date: the calendar date must exist", "[date]") {
  CHECK(utc("2024-02-29") == "2024-02-29T00:00:00Z");
  CHECK(utc("2000-02-29") == "2000-02-29T00:00:00Z");
  CHECK(utc("2023-02-29") == "invalid");
  CHECK(utc("1900-02-29") == "invalid");
  CHECK(utc("2024-02-30") == "invalid");
  CHECK(utc("2024-04-31") == "invalid");
  CHECK(utc("2024-01-31") == "2024-01-31T00:00:00Z");
  CHECK(utc("2024-13-01") == "invalid");
  CHECK(utc("2024-00-10") == "invalid");
  CHECK(utc("2024-01-00") == "invalid");
  CHECK(utc("2024-01-32") == "invalid");
}

TEST_CASE("date: the time must exist", "[date]") {
  CHECK(utc("2024-01-01T23:59:59Z") == "2024-01-01T23:59:59Z");
  CHECK(utc("2024-01-01T24:00:00Z") == "invalid");
  CHECK(utc("2024-01-01T12:60:00Z") == "invalid");
  CHECK(utc("2024-01-01T12:00:60Z") == "invalid");
  CHECK(utc("2016-12-31T23:59:60Z") == "invalid");  // leap seconds are not representable
}

TEST_CASE("date: offsets up to 14:00 with minutes below 60", "[date]") {
  CHECK(utc("2024-06-15T12:00:00+14:00") == "2024-06-14T22:00:00Z");
  CHECK(utc("2024-06-15T12:00:00-14:00") == "2024-06-16T02:00:00Z");
  CHECK(utc("2024-06-15T12:00:00+1400") == "2024-06-14T22:00:00Z");
  CHECK(utc("2024-06-15T12:00:00+13:59") == "2024-06-14T22:01:00Z");
  CHECK(utc("2024-06-15T12:00:00+14:01") == "invalid");
  CHECK(utc("2024-06-15T12:00:00-14:01") == "invalid");
  CHECK(utc("2024-06-15T12:00:00+1500") == "invalid");
  CHECK(utc("2024-06-15T12:00:00+13:60") == "invalid");
  CHECK(utc("2024-06-15T12:00:00+99:99") == "invalid");
}

TEST_CASE("date: years 0001-9999, before and after conversion", "[date]") {
  CHECK(utc("0001-01-01") == "0001-01-01T00:00:00Z");
  CHECK(utc("9999-12-31T23:59:59Z") == "9999-12-31T23:59:59Z");
  CHECK(utc("0000-12-31") == "invalid");
  CHECK(utc("0001-01-01T00:00:00+00:01") == "invalid");
  CHECK(utc("9999-12-31T23:59:59-00:01") == "invalid");
  CHECK(utc("0001-01-01T00:00:00-00:01") == "0001-01-01T00:01:00Z");
  CHECK(utc("10000-01-01") == "invalid");
}

TEST_CASE("date: anything outside the grammar is refused", "[date]") {
  for (const char* text : {"",
                           "2024",
                           "2024-05",
                           "2024-5-06",
                           "2024-05-6",
                           "24-05-06",
                           "2024/05/06",
                           "20240506",
                           "2024-05-06Z",
                           "2024-05-06T",
                           "2024-05-06T07:08Z",
                           "2024-05-06T07:08:09",
                           "2024-05-06 07:08:09Z",
                           "2024-05-06T7:08:09Z",
                           "2024-05-06T07:08:09+05",
                           "2024-05-06T07:08:09+5:30",
                           "2024-05-06T07:08:09+05:3",
                           "2024-05-06T07:08:09+05:30:00",
                           "2024-05-06T07:08:09+05-30",
                           "2024-05-06T07:08:09 +05:30",
                           "2024-05-06T07:08:09UTC",
                           "2024-05-06T07:08:09Zx",
                           "2024-05-06x",
                           " 2024-05-06",
                           "2024-05-06 ",
                           "+2024-05-06",
                           "-2024-05-06",
                           "２０２４-05-06",
                           "2024-05-06T07:08:09ZZ",
                           "2024-05-06T07:08:09.1.2Z"}) {
    INFO('"' << text << '"');
    CHECK_FALSE(parse_date_to_utc(text).has_value());
  }
}
