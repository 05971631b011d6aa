// What the configuration text must be before toml11 reads it.
//
// toml11 3.7 (Debian 12's) reads past its buffer when it reports malformed UTF-8 inside a
// literal string, and recurses once a nesting level, so `key = [[[[…` some thousand levels
// deep overflows the stack. Both were found by fuzz/config_fuzzer. The configuration holds
// top-level keys whose values are at most lists of strings, so requiring valid UTF-8 and arrays
// and inline tables nested at most kMaxTomlNesting deep refuses nothing a valid file could say.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace person_import::daemon {

inline constexpr std::size_t kMaxTomlNesting = 16;

struct TomlTextProblem {
  std::uint64_t line;   // 1-based
  std::string message;  // without the file or line; no byte of the text is echoed raw
};

// The first reason toml11 must not read `text`, or nullopt. Strings (all four kinds) and
// comments are skipped when counting nesting; table headers count as the brackets they are.
// Thread safety: a pure function.
[[nodiscard]] std::optional<TomlTextProblem> toml_text_problem(std::string_view text);

}  // namespace person_import::daemon
