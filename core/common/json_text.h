// JSON values as text, the one way the program writes them: compact (or indented), UTF-8, and
// never throwing on a byte that is not UTF-8 (it becomes U+FFFD): a report, a stored value or a
// log line must never be lost to a stray byte.
//
// Pure; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace person_import {

// `value` (a JSON value, or anything one can be made of: a string, a number, a vector…) as JSON
// text: on one line when `indent` is negative, else indented by that many spaces.
template <class Value>
std::string json_text(const Value& value, int indent = -1) {
  if constexpr (nlohmann::detail::is_basic_json<Value>::value) {
    return value.dump(indent, ' ', false, Value::error_handler_t::replace);
  } else {
    return json_text(nlohmann::ordered_json(value), indent);
  }
}

// The string, or null when there is none.
template <class Json = nlohmann::ordered_json>
Json optional_json(const std::optional<std::string>& value) {
  return value ? Json(*value) : Json(nullptr);
}

}  // namespace person_import
