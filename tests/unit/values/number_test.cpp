#include <catch2/catch.hpp>

#include <string>

#include "core/values/custom_value.h"

using person_import::parse_number;

namespace {

// The number as it will be exported, or "invalid".
std::string exported(std::string_view text) {
  const auto value = parse_number(text);
  return value ? value->dump() : "invalid";
}

}  // namespace

TEST_CASE("number: examples of the spec", "[number]") {
  CHECK(exported("-12") == "-12");
  CHECK(exported("3.50") == "3.5");
  CHECK(exported(".5") == "0.5");
}

TEST_CASE("number: integers stay integers, fractions become doubles", "[number]") {
  CHECK(parse_number("-12")->is_number_integer());
  CHECK(parse_number("3.00")->is_number_integer());
  CHECK(exported("3.00") == "3");
  CHECK(exported("-0") == "0");
  CHECK(exported("-0.000") == "0");
  CHECK(exported("+7") == "7");
  CHECK(exported("007") == "7");
  CHECK(exported("0") == "0");
  CHECK(parse_number("3.5")->is_number_float());
  CHECK(exported("-.5") == "-0.5");
  CHECK(exported("+0.25") == "0.25");
  CHECK(exported("0.1") == "0.1");
  CHECK(exported("10.010") == "10.01");
}

TEST_CASE("number: 15 significant digits survive exactly, 16 are refused", "[number]") {
  CHECK(exported("123456789012345") == "123456789012345");
  CHECK(exported("-999999999999999") == "-999999999999999");
  CHECK(exported("1234567890123456") == "invalid");
  CHECK(exported("100000000000000") == "100000000000000");
  CHECK(exported("1000000000000000") == "invalid");  // integer-part zeros count

  CHECK(exported("1.23456789012345") == "1.23456789012345");
  CHECK(exported("1.234567890123456") == "invalid");
  CHECK(exported("12345678901234.5") == "12345678901234.5");
  CHECK(exported("123456789012345.6") == "invalid");
  CHECK(exported("0.123456789012345") == "0.123456789012345");
  CHECK(exported("0.1234567890123456") == "invalid");
  CHECK(exported("0.000000000123456789012345") == "1.23456789012345e-10");
  CHECK(exported("0.999999999999999") == "0.999999999999999");
  CHECK(exported("9.99999999999999") == "9.99999999999999");

  // Neither leading zeros nor zeros closing the fraction are significant.
  CHECK(exported("0000000000000000000001") == "1");
  CHECK(exported("1.5000000000000000000") == "1.5");
  CHECK(exported("123456789012345.0000") == "123456789012345");
}

TEST_CASE("number: magnitudes too small for a double are refused", "[number]") {
  CHECK(exported("0." + std::string(400, '0') + "1") == "invalid");
  CHECK(exported("0." + std::string(310, '0') + "1") == "invalid");  // subnormal
  CHECK(exported("0." + std::string(300, '0') + "1") == "1e-301");
}

TEST_CASE("number: anything outside the grammar is refused", "[number]") {
  for (const char* text :
       {"",    "-",     "+",    ".",        "-.", "1.",   "-1.", "1,000", "1 000", "1_000", "1e5",
        "1E5", "1.5e3", "0x10", " 1",       "1 ", "--1",  "+-1", "-+1",   "1.2.3", "..5",   "1-",
        "NaN", "nan",   "inf",  "Infinity", "١٢", "１２", "12a", "$12",   "12%",   "1\n"}) {
    INFO('"' << text << '"');
    CHECK_FALSE(parse_number(text).has_value());
  }
}
