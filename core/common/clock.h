// Time, behind an injected interface so tests can fix it.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace person_import {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::system_clock::time_point now() const = 0;
};

// The real wall clock. Thread-safe.
const Clock& system_clock();

// `2026-11-28T11:28:39.123Z`: UTC, milliseconds, the form every stored timestamp takes.
std::string format_timestamp(std::chrono::system_clock::time_point time);
// The inverse of format_timestamp, for stored timestamps: none when `text` is not of that form.
std::optional<std::chrono::system_clock::time_point> parse_timestamp(std::string_view text);

}  // namespace person_import
