// UTF-8 helpers shared by the stages: strict decoding, validity, code point counts.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace person_import::utf8 {

inline constexpr char32_t kInvalid = 0xFFFFFFFF;

struct Decoded {
  char32_t code_point;  // kInvalid for a malformed sequence
  std::size_t length;   // bytes consumed; 1 for a malformed sequence so callers always advance
};

// Decodes the code point starting at `pos` (< text.size()). Strict: overlong forms, surrogates
// and values above U+10FFFF are malformed, matching what the reading stage accepts.
inline Decoded decode(std::string_view text, std::size_t pos) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(pos);
  if (lead < 0x80) return {lead, 1};

  std::size_t length = 0;
  char32_t code_point = 0;
  char32_t minimum = 0;
  if ((lead & 0xE0) == 0xC0) {
    length = 2, code_point = lead & 0x1F, minimum = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, code_point = lead & 0x0F, minimum = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, code_point = lead & 0x07, minimum = 0x10000;
  } else {
    return {kInvalid, 1};
  }
  if (text.size() - pos < length) return {kInvalid, 1};
  for (std::size_t i = 1; i < length; ++i) {
    const unsigned char next = byte(pos + i);
    if ((next & 0xC0) != 0x80) return {kInvalid, 1};
    code_point = (code_point << 6) | (next & 0x3F);
  }
  if (code_point < minimum || code_point > 0x10FFFF ||
      (code_point >= 0xD800 && code_point <= 0xDFFF)) {
    return {kInvalid, 1};
  }
  return {code_point, length};
}

// The byte offset of the first malformed sequence in `text`, or nullopt when it is valid UTF-8.
inline std::optional<std::size_t> first_invalid(std::string_view text) {
  for (std::size_t pos = 0; pos < text.size();) {
    const Decoded decoded = decode(text, pos);
    if (decoded.code_point == kInvalid) return pos;
    pos += decoded.length;
  }
  return std::nullopt;
}

inline bool is_valid(std::string_view text) { return !first_invalid(text).has_value(); }

// The largest prefix length <= max_bytes that does not cut a code point in two.
inline std::size_t floor_boundary(std::string_view text, std::size_t max_bytes) {
  if (max_bytes >= text.size()) return text.size();
  std::size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return end;
}

// The code points of valid UTF-8 `text` (a malformed byte becomes kInvalid).
inline std::u32string code_points(std::string_view text) {
  std::u32string result;
  result.reserve(text.size());
  for (std::size_t pos = 0; pos < text.size();) {
    const Decoded decoded = decode(text, pos);
    result.push_back(decoded.code_point);
    pos += decoded.length;
  }
  return result;
}

// Code points in valid UTF-8 `text`: every byte that does not continue a sequence.
inline std::size_t count_code_points(std::string_view text) {
  std::size_t count = 0;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++count;
  }
  return count;
}

}  // namespace person_import::utf8
