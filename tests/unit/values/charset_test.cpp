#include <catch2/catch.hpp>

#include <string>

#include "core/values/custom_value.h"
#include "test_helpers.h"

using person_import::Charset;
using person_import::fits_charset;
using person_import::test::utf8_of;

namespace {

// GSM 03.38 default alphabet in table order (0x1B, the escape to the extension table, is not
// a character and is absent), then the extension table.
const std::u32string kGsmBasic =
    U"@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    U"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const std::u32string kGsmExtension = U"\f^{}\\[~]|€";

}  // namespace

TEST_CASE("gsm: the whole default alphabet and extension table fit", "[charset][gsm]") {
  REQUIRE(kGsmBasic.size() == 127);
  for (char32_t c : kGsmBasic + kGsmExtension) {
    INFO("U+" << std::hex << static_cast<unsigned>(c));
    CHECK(fits_charset(utf8_of(c), Charset::kGsm));
  }
  std::string all;
  for (char32_t c : kGsmBasic + kGsmExtension) all += utf8_of(c);
  CHECK(fits_charset(all, Charset::kGsm));
}

TEST_CASE("gsm: lowercase c-cedilla is accepted for Ç", "[charset][gsm]") {
  CHECK(fits_charset("ç", Charset::kGsm));
  CHECK(fits_charset("Ça va, garçon", Charset::kGsm));
}

TEST_CASE("gsm: characters outside both tables are rejected", "[charset][gsm]") {
  // Backtick is the one printable ASCII character GSM lacks; the rest are near misses of
  // GSM letters (other case, other accent), controls, and characters beyond Latin-1.
  const std::u32string rejected = U"`\t\v\u001B\u007F\u00A0\u0308ÀÈÙÌÒáíóúâêîôûãõÿœŒ¢αβΑ₤…—“”😀ŸĀ";
  for (char32_t c : rejected) {
    INFO("U+" << std::hex << static_cast<unsigned>(c));
    CHECK_FALSE(fits_charset(utf8_of(c), Charset::kGsm));
  }
  CHECK_FALSE(fits_charset(std::string("a\0b", 3), Charset::kGsm));
  CHECK_FALSE(fits_charset("price: 5`", Charset::kGsm));
}

TEST_CASE("latin1: edges of the accepted ranges", "[charset][latin1]") {
  for (char32_t c : {U'\t', U'\n', U'\r', char32_t{0x20}, char32_t{0x7E}, char32_t{0xA0},
                     char32_t{0xFF}, U'é', U'ß'}) {
    INFO("U+" << std::hex << static_cast<unsigned>(c));
    CHECK(fits_charset(utf8_of(c), Charset::kLatin1));
  }
  for (char32_t c :
       {char32_t{0x00}, char32_t{0x0B}, char32_t{0x0C}, char32_t{0x1F}, char32_t{0x7F},
        char32_t{0x80}, char32_t{0x9F}, char32_t{0x100}, U'€', U'Δ', char32_t{0x1F600}}) {
    INFO("U+" << std::hex << static_cast<unsigned>(c));
    CHECK_FALSE(fits_charset(utf8_of(c), Charset::kLatin1));
  }
}

TEST_CASE("ascii: edges of the accepted range", "[charset][ascii]") {
  for (char32_t c : {U'\t', U'\n', U'\r', char32_t{0x20}, U'`', char32_t{0x7E}}) {
    INFO("U+" << std::hex << static_cast<unsigned>(c));
    CHECK(fits_charset(utf8_of(c), Charset::kAscii));
  }
  for (char32_t c : {char32_t{0x00}, char32_t{0x0C}, char32_t{0x1F}, char32_t{0x7F}, char32_t{0x80},
                     char32_t{0xA0}, U'é', U'€'}) {
    INFO("U+" << std::hex << static_cast<unsigned>(c));
    CHECK_FALSE(fits_charset(utf8_of(c), Charset::kAscii));
  }
  CHECK(fits_charset("Plain text, 100% ASCII ~", Charset::kAscii));
}

TEST_CASE("unicode: any valid UTF-8 fits", "[charset][unicode]") {
  CHECK(fits_charset("", Charset::kUnicode));
  CHECK(fits_charset("日本語 😀 \x7F \x01 €", Charset::kUnicode));
  CHECK(fits_charset(utf8_of(0x10FFFF), Charset::kUnicode));
}

TEST_CASE("malformed UTF-8 fits no charset", "[charset]") {
  for (Charset charset : {Charset::kUnicode, Charset::kGsm, Charset::kLatin1, Charset::kAscii}) {
    CHECK_FALSE(fits_charset("\xE9", charset));          // Latin-1 é, not UTF-8
    CHECK_FALSE(fits_charset("\xC3", charset));          // truncated sequence
    CHECK_FALSE(fits_charset("\xC0\xAF", charset));      // overlong
    CHECK_FALSE(fits_charset("\xED\xA0\x80", charset));  // surrogate
  }
}

TEST_CASE("a single offending character anywhere rejects the text", "[charset]") {
  CHECK_FALSE(fits_charset("Hello wörld €", Charset::kLatin1));
  CHECK_FALSE(fits_charset("€ first", Charset::kLatin1));
  CHECK_FALSE(fits_charset("last é", Charset::kAscii));
  CHECK(fits_charset("Hello wörld €", Charset::kGsm));
}
