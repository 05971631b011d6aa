// Interpreting one custom field value from the file (spec section 4).
//
// Input is a value as the record reader returns it (unescaped; trimmed when unquoted).
// Rules applied here, in order:
//  1. longer than 4,096 bytes: error kInvalidCustomFieldValue, whatever the type;
//  2. `[null]`: clear;
//  3. empty: string, number, date and postal_code leave the stored value unchanged; single and
//     multi_select clear;
//  4. type-specific parsing:
//     - string: the field's charset (unicode: anything; gsm: GSM 03.38 default alphabet plus
//       its extension table, `ç` accepted for `Ç`; latin1: U+0020–U+007E, U+00A0–U+00FF, tab,
//       LF, CR; ascii: U+0020–U+007E, tab, LF, CR). Outside the set: kCharsetMismatch.
//     - number: optional sign, digits, optional `.` and at least one digit (`-12`, `3.50`,
//       `.5`); no separators, exponent or trailing `.`; at most 15 significant digits.
//       Stored as a JSON number: an integer when it has no fractional part after dropping
//       trailing zeros (`3.00` → 3, `-0` → 0), else a double (`3.50` → 3.5).
//       Invalid: kInvalidCustomFieldValue.
//     - date: `YYYY-MM-DDTHH:MM:SSZ`, `…±HHMM`, `…±HH:MM`, optional fractional seconds
//       (dropped, not rounded) before the zone, `T`/`Z` in either case, or bare `YYYY-MM-DD`
//       (midnight UTC); years 0001–9999, offsets up to ±14:00 (minutes < 60); the date and time
//       must exist (leap years; no second 60). Stored as the UTC string `YYYY-MM-DDTHH:MM:SSZ`.
//       A conversion to UTC that leaves years 0001–9999 is invalid. Invalid:
//       kInvalidCustomFieldValue.
//     - single_select: exactly one option key (case-sensitive). Else kInvalidSelectValue.
//     - multi_select: split on the multi-select delimiter (quoting does not protect it), each
//       piece trimmed of spaces and tabs, empty pieces ignored, repeats kept once, order of
//       first appearance; stored as a JSON array of keys; no keys left: clear. Any unknown
//       key: kInvalidSelectValue.
//     - postal_code: US ZIP `12345` or ZIP+4 `12345-6789` (stored as given); Canadian
//       `A1A 1A1` in Canada Post's alphabet (letters exclude D F I O Q U; first letter also not
//       W or Z), one optional space, any case (stored upper-case with one space).
//       Else kInvalidCustomFieldValue.
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "core/common/error_kinds.h"
#include "core/values/field_definition.h"

namespace person_import {

struct LeaveUnchanged {};
struct ClearValue {};
struct SetValue {
  nlohmann::json value;  // as stored and exported
};
struct ValueError {
  ErrorKind kind;
  std::string detail;  // may be empty; e.g. "expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ"
};
using ValueOutcome = std::variant<LeaveUnchanged, ClearValue, SetValue, ValueError>;

inline constexpr std::size_t kMaxCustomValueBytes = 4096;
inline constexpr std::string_view kNullToken = "[null]";

// `multi_select_delimiter` is one character: the UTF-8 bytes of one code point (1 to 4 bytes).
ValueOutcome interpret_custom_value(const FieldDefinition& field, std::string_view text,
                                    std::string_view multi_select_delimiter);

// Lower-level checks, exposed for unit tests and reuse.
bool fits_charset(std::string_view utf8_text, Charset charset);  // text is valid UTF-8
std::optional<nlohmann::json> parse_number(std::string_view text);
std::optional<std::string> parse_date_to_utc(std::string_view text);
std::optional<std::string> parse_postal_code(std::string_view text);

}  // namespace person_import
