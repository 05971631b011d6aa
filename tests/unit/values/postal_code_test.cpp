#include <catch2/catch.hpp>

#include <string>

#include "core/values/custom_value.h"

using person_import::parse_postal_code;

namespace {

std::string stored(std::string_view text) { return parse_postal_code(text).value_or("invalid"); }

const std::string kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

}  // namespace

TEST_CASE("postal code: US ZIP and ZIP+4 are stored as given", "[postal]") {
  CHECK(stored("12345") == "12345");
  CHECK(stored("00501") == "00501");
  CHECK(stored("12345-6789") == "12345-6789");
}

TEST_CASE("postal code: malformed ZIPs are refused", "[postal]") {
  for (const char* text :
       {"1234", "123456", "123456789", "12345-678", "12345-67890", "12345-", "12345 6789",
        "12345–6789", "1234a", "-12345", " 12345", "12345 ", "１２３４５"}) {
    INFO('"' << text << '"');
    CHECK(stored(text) == "invalid");
  }
}

TEST_CASE("postal code: Canadian codes are stored upper-case with one space", "[postal]") {
  CHECK(stored("K1A 0B1") == "K1A 0B1");
  CHECK(stored("K1A0B1") == "K1A 0B1");
  CHECK(stored("k1a 0b1") == "K1A 0B1");
  CHECK(stored("t2x1v4") == "T2X 1V4");
  CHECK(stored("A1W 1Z1") == "A1W 1Z1");
}

TEST_CASE("postal code: malformed Canadian codes are refused", "[postal]") {
  for (const char* text : {"K1A  0B1", "K1A-0B1", " K1A 0B1", "K1A 0B1 ", "K1 A0B1", "K1A0 B1",
                           "K1A 0B", "K1A 0B12", "11A 0B1", "KAA 0B1", "K11 0B1", "K1A A0B1",
                           "K1AA0B1", "K1A 001", "K1A 0BB", "K1A\t0B1", "K1Á 0B1"}) {
    INFO('"' << text << '"');
    CHECK(stored(text) == "invalid");
  }
}

TEST_CASE("postal code: Canada Post's alphabet at every letter position", "[postal]") {
  const std::string letters = "ABCEGHJKLMNPRSTVWXYZ";      // no D F I O Q U
  const std::string first_letters = "ABCEGHJKLMNPRSTVXY";  // nor W Z first
  for (std::size_t position : {0u, 2u, 4u}) {
    const std::string& allowed = position == 0 ? first_letters : letters;
    for (char upper : kAlphabet) {
      for (char letter : {upper, static_cast<char>(upper - 'A' + 'a')}) {
        std::string code = "A1B2C3";
        code[position] = letter;
        const bool expected = allowed.find(upper) != std::string::npos;
        INFO(code);
        CHECK(parse_postal_code(code).has_value() == expected);
      }
    }
  }
}
