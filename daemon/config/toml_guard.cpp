#include "daemon/config/toml_guard.h"

#include <algorithm>
#include <cstdio>

#include "core/common/utf8.h"

namespace person_import::daemon {
namespace {

std::uint64_t line_of(std::string_view text, std::size_t offset) {
  return 1 + static_cast<std::uint64_t>(std::count(text.begin(), text.begin() + offset, '\n'));
}

std::optional<TomlTextProblem> utf8_problem(std::string_view text) {
  const auto bad = utf8::first_invalid(text);
  if (!bad) return std::nullopt;
  // text[*bad] is not a newline, so this is the newline that ends the line before.
  const std::size_t previous_newline = text.rfind('\n', *bad);
  const std::size_t column =
      previous_newline == std::string_view::npos ? *bad + 1 : *bad - previous_newline;
  char byte[8];
  std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned char>(text[*bad]));
  return TomlTextProblem{line_of(text, *bad), std::string("not UTF-8 (byte ") + byte +
                                                  " at column " + std::to_string(column) +
                                                  "); save the configuration file as UTF-8"};
}

// The offset just past the string that opens at `start` (a quote), or the end of its line when
// it is not closed there (toml11 then reports it). Multi-line strings may span lines.
std::size_t skip_string(std::string_view text, std::size_t start) {
  const char quote = text[start];
  const bool basic = quote == '"';
  const bool multi_line = text.substr(start, 3) == std::string(3, quote);
  std::size_t position = start + (multi_line ? 3 : 1);
  while (position < text.size()) {
    const char c = text[position];
    if (basic && c == '\\') {
      position += 2;
      continue;
    }
    if (!multi_line && c == '\n') return position;
    if (c == quote && (!multi_line || text.substr(position, 3) == std::string(3, quote))) {
      return position + (multi_line ? 3 : 1);
    }
    ++position;
  }
  return text.size();
}

std::optional<TomlTextProblem> nesting_problem(std::string_view text) {
  std::size_t depth = 0;
  for (std::size_t position = 0; position < text.size();) {
    const char c = text[position];
    if (c == '"' || c == '\'') {
      position = skip_string(text, position);
      continue;
    }
    if (c == '#') {
      position = std::min(text.find('\n', position), text.size());
      continue;
    }
    if (c == '[' || c == '{') {
      if (++depth > kMaxTomlNesting) {
        return TomlTextProblem{line_of(text, position),
                               "arrays or inline tables nested more than " +
                                   std::to_string(kMaxTomlNesting) +
                                   " deep; the configuration's values are at most lists"};
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
    ++position;
  }
  return std::nullopt;
}

}  // namespace

std::optional<TomlTextProblem> toml_text_problem(std::string_view text) {
  if (auto problem = utf8_problem(text)) return problem;
  return nesting_problem(text);
}

}  // namespace person_import::daemon
