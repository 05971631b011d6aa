#include "core/common/printable.h"

#include <catch2/catch.hpp>

using person_import::printable;

TEST_CASE("printable keeps plain text and UTF-8 as it is") {
  CHECK(printable("customers.persons") == "customers.persons");
  CHECK(printable("prénom – 東京 🎉") == "prénom – 東京 🎉");
  CHECK(printable("C:\\path") == "C:\\path");
  CHECK(printable("") == "");
}

TEST_CASE("printable escapes line breaks, tabs, ESC and every other control character") {
  CHECK(printable("a\nb") == "a\\nb");
  CHECK(printable("a\r\nb") == "a\\r\\nb");
  CHECK(printable("a\tb") == "a\\tb");
  CHECK(printable("\x1b[31mred\x1b[0m") == "\\x1b[31mred\\x1b[0m");
  CHECK(printable(std::string("nul\0byte", 8)) == "nul\\x00byte");
  CHECK(printable("bell\a del\x7f") == "bell\\x07 del\\x7f");
}

TEST_CASE("printable escapes C1 controls, bidirectional overrides and invalid bytes") {
  CHECK(printable("\xc2\x9b"
                  "31m") == "\\u009B31m");    // CSI, the one-byte ESC [
  CHECK(printable("\xc2\x85") == "\\u0085");  // NEL
  CHECK(printable("abc\xe2\x80\xae"
                  "txt.exe") == "abc\\u202Etxt.exe");
  CHECK(printable("\xe2\x81\xa6x") == "\\u2066x");
  CHECK(printable("bad\xff\xfe") == "bad\\xff\\xfe");
  CHECK(printable("cut\xc3") == "cut\\xc3");
}
