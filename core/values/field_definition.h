// Custom field definitions (spec section 4, last paragraph) and their JSON form.
//
// A definition: a name (1–64 characters: ASCII letters, digits, `_`, `-`; case-sensitive; not
// a system field name — person_id, person_key, external_person_id, mdn, vibes_device_id — in
// any case), a type, for selects a non-empty list of unique, non-empty, case-sensitive option
// keys, for strings an optional character set (default unicode). Options are only allowed on
// selects and a charset only on strings.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/common/result.h"

namespace person_import {

enum class FieldType { kString, kNumber, kDate, kSingleSelect, kMultiSelect, kPostalCode };
enum class Charset { kUnicode, kGsm, kLatin1, kAscii };

// "string", "number", "date", "single_select", "multi_select", "postal_code".
std::string_view to_string(FieldType type);
std::optional<FieldType> parse_field_type(std::string_view text);
// "unicode", "gsm", "latin1", "ascii".
std::string_view to_string(Charset charset);
std::optional<Charset> parse_charset(std::string_view text);

struct FieldDefinition {
  std::string name;
  FieldType type = FieldType::kString;
  std::vector<std::string> options;     // selects only
  Charset charset = Charset::kUnicode;  // strings only

  bool operator==(const FieldDefinition&) const = default;
};

// One line for people: `tier  single_select  options: gold,silver`, `nick  string  charset: gsm`.
std::string describe(const FieldDefinition& definition);

// True for the five system field names, exactly (lowercase).
bool is_system_field(std::string_view name);

// Checks a definition against the rules above. Error message says what is wrong, e.g.
// `field name "MDN" is a system field name`.
Status validate_definition(const FieldDefinition& definition);

// JSON: {"name": …, "type": …, "options": […], "charset": …}; options only for selects,
// charset only for strings (always written for strings).
nlohmann::json to_json(const FieldDefinition& definition);

// Parses one definition object (keys as above; "options" and "charset" optional) and
// validates it. Errors name the problem.
Result<FieldDefinition> definition_from_json(const nlohmann::json& object);

// Parses the `fields load` file body: a JSON array of definition objects. All or none:
// any invalid element, or a name repeated within the array, fails the whole list
// (the message names the element index and the problem).
Result<std::vector<FieldDefinition>> definitions_from_json_text(std::string_view text);

}  // namespace person_import
