#include "core/common/printable.h"

#include <algorithm>
#include <cstdio>

#include "core/common/utf8.h"

namespace person_import {
namespace {

bool is_plain_ascii(unsigned char byte) { return byte >= 0x20 && byte < 0x7F; }

bool needs_escape(char32_t code_point) {
  return (code_point >= 0x80 && code_point <= 0x9F) ||
         (code_point >= 0x202A && code_point <= 0x202E) ||
         (code_point >= 0x2066 && code_point <= 0x2069);
}

void append_hex_byte(std::string& out, unsigned char byte) {
  char escaped[8];
  std::snprintf(escaped, sizeof escaped, "\\x%02x", static_cast<unsigned>(byte));
  out += escaped;
}

}  // namespace

std::string printable(std::string_view text) {
  // Most names are plain ASCII: nothing to look at twice.
  if (std::all_of(text.begin(), text.end(),
                  [](char c) { return is_plain_ascii(static_cast<unsigned char>(c)); })) {
    return std::string(text);
  }
  std::string out;
  out.reserve(text.size() + 16);
  for (std::size_t pos = 0; pos < text.size();) {
    const auto byte = static_cast<unsigned char>(text[pos]);
    if (is_plain_ascii(byte)) {
      out += static_cast<char>(byte);
      ++pos;
      continue;
    }
    if (byte < 0x80) {
      if (byte == '\n') {
        out += "\\n";
      } else if (byte == '\r') {
        out += "\\r";
      } else if (byte == '\t') {
        out += "\\t";
      } else {
        append_hex_byte(out, byte);
      }
      ++pos;
      continue;
    }
    const utf8::Decoded decoded = utf8::decode(text, pos);
    if (decoded.code_point == utf8::kInvalid) {
      append_hex_byte(out, byte);
    } else if (needs_escape(decoded.code_point)) {
      char escaped[16];
      std::snprintf(escaped, sizeof escaped, "\\u%04X", static_cast<unsigned>(decoded.code_point));
      out += escaped;
    } else {
      out.append(text.substr(pos, decoded.length));
    }
    pos += decoded.length;
  }
  return out;
}

}  // namespace person_import
