#include "core/values/charset.h"

#include <algorithm>
#include <array>
#include <cstddef>

#include "core/common/utf8.h"
#include "core/values/custom_value.h"

namespace person_import {
namespace {

// GSM 03.38 default alphabet, its non-ASCII members (sorted for binary search), plus the
// extension table's euro sign and the `ç` the spec accepts for `Ç` (the original 03.38 table
// has Ç at 0x09, but many handsets and SMSCs render it as ç, so senders type ç).
constexpr std::array<char32_t, 41> kGsmNonAscii = [] {
  std::array<char32_t, 41> table = {
      U'£', U'¥', U'è', U'é', U'ù', U'ì', U'ò', U'Ç', U'Ø', U'ø', U'Å', U'å', U'Δ', U'Φ',
      U'Γ', U'Λ', U'Ω', U'Π', U'Ψ', U'Σ', U'Θ', U'Ξ', U'Æ', U'æ', U'ß', U'É', U'¤', U'¡',
      U'Ä', U'Ö', U'Ñ', U'Ü', U'§', U'¿', U'ä', U'ö', U'ñ', U'ü', U'à', U'€', U'ç'};
  std::sort(table.begin(), table.end());
  return table;
}();

bool in_gsm(char32_t c) {
  if (c < 0x80) {
    // The basic table holds every printable ASCII character except the extension-table ones
    // ([ \ ] ^ { | } ~, which the extension table supplies) and the backtick, which neither
    // table has. Control characters: LF and CR (basic), form feed (extension).
    if (c >= 0x20 && c <= 0x7E) return c != U'`';
    return c == U'\n' || c == U'\r' || c == U'\f';
  }
  return std::binary_search(kGsmNonAscii.begin(), kGsmNonAscii.end(), c);
}

bool is_allowed_control(char32_t c) { return c == U'\t' || c == U'\n' || c == U'\r'; }

bool in_charset(char32_t c, Charset charset) {
  switch (charset) {
    case Charset::kUnicode:
      return true;
    case Charset::kGsm:
      return in_gsm(c);
    case Charset::kLatin1:
      return (c >= 0x20 && c <= 0x7E) || (c >= 0xA0 && c <= 0xFF) || is_allowed_control(c);
    case Charset::kAscii:
      return (c >= 0x20 && c <= 0x7E) || is_allowed_control(c);
  }
  return false;
}

}  // namespace

std::optional<char32_t> first_outside_charset(std::string_view utf8_text, Charset charset) {
  for (std::size_t pos = 0; pos < utf8_text.size();) {
    const utf8::Decoded decoded = utf8::decode(utf8_text, pos);
    if (decoded.code_point == utf8::kInvalid || !in_charset(decoded.code_point, charset)) {
      return decoded.code_point;
    }
    pos += decoded.length;
  }
  return std::nullopt;
}

bool fits_charset(std::string_view utf8_text, Charset charset) {
  return !first_outside_charset(utf8_text, charset).has_value();
}

}  // namespace person_import
