// Shared helpers for the values unit tests.
#pragma once

#include <string>
#include <variant>

#include "core/values/custom_value.h"

namespace person_import::test {

inline std::string utf8_of(char32_t c) {
  std::string out;
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
  return out;
}

inline FieldDefinition field_of(FieldType type, std::vector<std::string> options = {},
                                Charset charset = Charset::kUnicode) {
  return FieldDefinition{"f", type, std::move(options), charset};
}

// The stored value's JSON text, or a marker naming the other outcome: makes CHECKs read as
// the expected export and print usefully when they fail.
inline std::string outcome_text(const ValueOutcome& outcome) {
  if (std::holds_alternative<LeaveUnchanged>(outcome)) return "<unchanged>";
  if (std::holds_alternative<ClearValue>(outcome)) return "<clear>";
  if (const auto* set = std::get_if<SetValue>(&outcome)) return set->value.dump();
  const auto& error = std::get<ValueError>(outcome);
  return "<error " + std::string(error.kind.class_name) + ": " +
         format_message(error.kind, error.detail) + ">";
}

}  // namespace person_import::test
