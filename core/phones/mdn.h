// Mobile numbers (spec section 5, first bullet).
//
// Spaces, hyphens, dots and parentheses are ignored. The rest must be `+` and an E.164 number
// that libphonenumber finds valid for its country; or 10 digits forming a valid North American
// (+1) number; or 11 digits starting with 1 forming one. Anything else (letters, other
// punctuation, a `+` elsewhere, too few or many digits) is invalid. Thread-safe (libphonenumber's
// PhoneNumberUtil is a thread-safe singleton).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace person_import {

// The number in E.164 (`+13125550123`), or nullopt when `text` is not a valid mdn.
std::optional<std::string> normalize_mdn(std::string_view text);

}  // namespace person_import
