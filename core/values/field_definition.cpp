#include "core/values/field_definition.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <set>
#include <utility>

#include <nlohmann/json.hpp>

#include "core/common/ascii.h"
#include "core/common/json_text.h"
#include "core/common/utf8.h"

namespace person_import {
namespace {

constexpr std::size_t kMaxNameLength = 64;

constexpr std::array<std::string_view, 5> kSystemFields = {
    "person_id", "person_key", "external_person_id", "mdn", "vibes_device_id"};

constexpr std::array<std::pair<FieldType, std::string_view>, 6> kFieldTypeNames = {{
    {FieldType::kString, "string"},
    {FieldType::kNumber, "number"},
    {FieldType::kDate, "date"},
    {FieldType::kSingleSelect, "single_select"},
    {FieldType::kMultiSelect, "multi_select"},
    {FieldType::kPostalCode, "postal_code"},
}};

constexpr std::array<std::pair<Charset, std::string_view>, 4> kCharsetNames = {{
    {Charset::kUnicode, "unicode"},
    {Charset::kGsm, "gsm"},
    {Charset::kLatin1, "latin1"},
    {Charset::kAscii, "ascii"},
}};

bool is_select(FieldType type) {
  return type == FieldType::kSingleSelect || type == FieldType::kMultiSelect;
}

bool is_name_char(char c) { return ascii::is_alphanumeric(c) || c == '_' || c == '-'; }

// Quotes user text for an error message: shortened, with quotes and control characters
// escaped (and invalid UTF-8 replaced) so the message itself stays valid, printable JSON text.
std::string quote_user_text(std::string_view text) {
  constexpr std::size_t kMaxShown = 80;
  const std::size_t shown = utf8::floor_boundary(text, kMaxShown);
  std::string result = json_text(nlohmann::json(std::string(text.substr(0, shown))));
  if (shown < text.size()) result.insert(result.size() - 1, "…");
  return result;
}

std::string list_of(const auto& names) {
  std::string out;
  for (const auto& [value, name] : names) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

Status validate_name(std::string_view name) {
  if (name.empty()) return make_error("field name is empty");
  if (name.size() > kMaxNameLength) {
    return make_error("field name " + quote_user_text(name) + " is longer than 64 characters");
  }
  if (!std::all_of(name.begin(), name.end(), is_name_char)) {
    return make_error("field name " + quote_user_text(name) +
                      " may only contain letters, digits, \"_\" and \"-\"");
  }
  // Any case: the spec reports a column `MDN` as an unknown custom field, which only holds if
  // no custom field can be named so; it also spares readers of a file two look-alike columns.
  for (std::string_view system : kSystemFields) {
    if (ascii::equals_ignoring_case(name, system)) {
      return make_error("field name " + quote_user_text(name) + " is a system field name");
    }
  }
  return Status::success();
}

Status validate_options(const FieldDefinition& definition) {
  if (!is_select(definition.type)) {
    if (!definition.options.empty()) {
      return make_error("options are only allowed for single_select and multi_select fields");
    }
    return Status::success();
  }
  if (definition.options.empty()) {
    return make_error(std::string(to_string(definition.type)) + " field " +
                      quote_user_text(definition.name) + " needs at least one option");
  }
  std::set<std::string_view> seen;
  for (const std::string& key : definition.options) {
    if (key.empty()) return make_error("option keys must not be empty");
    // Keys end up in JSON (storage, export); invalid UTF-8 would make serialisation throw.
    if (!utf8::is_valid(key)) return make_error("option key is not valid UTF-8");
    if (!seen.insert(key).second) {
      return make_error("option " + quote_user_text(key) + " is repeated");
    }
  }
  return Status::success();
}

template <class Enum, std::size_t N>
std::optional<Enum> lookup_enum(const std::array<std::pair<Enum, std::string_view>, N>& names,
                                std::string_view text) {
  for (const auto& [value, name] : names) {
    if (name == text) return value;
  }
  return std::nullopt;
}

template <class Enum, std::size_t N>
std::string_view enum_name(const std::array<std::pair<Enum, std::string_view>, N>& names,
                           Enum value) {
  for (const auto& [v, name] : names) {
    if (v == value) return name;
  }
  return "?";
}

const char* json_type_name(const nlohmann::json& value) { return value.type_name(); }

}  // namespace

std::string_view to_string(FieldType type) { return enum_name(kFieldTypeNames, type); }

std::optional<FieldType> parse_field_type(std::string_view text) {
  return lookup_enum(kFieldTypeNames, text);
}

std::string_view to_string(Charset charset) { return enum_name(kCharsetNames, charset); }

std::optional<Charset> parse_charset(std::string_view text) {
  return lookup_enum(kCharsetNames, text);
}

bool is_system_field(std::string_view name) {
  return std::find(kSystemFields.begin(), kSystemFields.end(), name) != kSystemFields.end();
}

Status validate_definition(const FieldDefinition& definition) {
  if (Status status = validate_name(definition.name); !status) return status;
  if (Status status = validate_options(definition); !status) return status;
  if (definition.type != FieldType::kString && definition.charset != Charset::kUnicode) {
    return make_error("a charset is only allowed for string fields");
  }
  return Status::success();
}

nlohmann::json to_json(const FieldDefinition& definition) {
  nlohmann::json object = nlohmann::json::object();
  object["name"] = definition.name;
  object["type"] = std::string(to_string(definition.type));
  if (is_select(definition.type)) object["options"] = definition.options;
  if (definition.type == FieldType::kString) {
    object["charset"] = std::string(to_string(definition.charset));
  }
  return object;
}

Result<FieldDefinition> definition_from_json(const nlohmann::json& object) {
  if (!object.is_object()) {
    return make_error(std::string("expected an object, got ") + json_type_name(object));
  }
  for (const auto& [key, value] : object.items()) {
    if (key != "name" && key != "type" && key != "options" && key != "charset") {
      return make_error("unknown key " + quote_user_text(key) +
                        " (expected name, type, options, charset)");
    }
  }

  FieldDefinition definition;

  auto name = object.find("name");
  if (name == object.end()) return make_error("\"name\" is missing");
  if (!name->is_string()) {
    return make_error(std::string("\"name\" must be a string, got ") + json_type_name(*name));
  }
  definition.name = name->get<std::string>();

  auto type = object.find("type");
  if (type == object.end()) return make_error("\"type\" is missing");
  if (!type->is_string()) {
    return make_error(std::string("\"type\" must be a string, got ") + json_type_name(*type));
  }
  std::optional<FieldType> parsed_type = parse_field_type(type->get_ref<const std::string&>());
  if (!parsed_type) {
    return make_error("unknown type " + quote_user_text(type->get_ref<const std::string&>()) +
                      " (expected one of " + list_of(kFieldTypeNames) + ")");
  }
  definition.type = *parsed_type;

  // An explicit null reads as "not given": tools that serialise optional members often write
  // null rather than omitting them.
  auto options = object.find("options");
  if (options != object.end() && !options->is_null()) {
    if (!is_select(definition.type)) {
      return make_error("\"options\" is only allowed for single_select and multi_select fields");
    }
    if (!options->is_array()) {
      return make_error(std::string("\"options\" must be an array of strings, got ") +
                        json_type_name(*options));
    }
    for (const nlohmann::json& key : *options) {
      if (!key.is_string()) {
        return make_error(std::string("\"options\" must be an array of strings, found ") +
                          json_type_name(key));
      }
      definition.options.push_back(key.get<std::string>());
    }
  }

  auto charset = object.find("charset");
  if (charset != object.end() && !charset->is_null()) {
    if (definition.type != FieldType::kString) {
      return make_error("\"charset\" is only allowed for string fields");
    }
    if (!charset->is_string()) {
      return make_error(std::string("\"charset\" must be a string, got ") +
                        json_type_name(*charset));
    }
    std::optional<Charset> parsed = parse_charset(charset->get_ref<const std::string&>());
    if (!parsed) {
      return make_error("unknown charset " +
                        quote_user_text(charset->get_ref<const std::string&>()) +
                        " (expected one of " + list_of(kCharsetNames) + ")");
    }
    definition.charset = *parsed;
  }

  if (Status status = validate_definition(definition); !status) return status.error();
  return definition;
}

Result<std::vector<FieldDefinition>> definitions_from_json_text(std::string_view text) {
  nlohmann::json document;
  try {
    document = nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::exception& e) {
    return make_error(std::string("invalid JSON: ") + e.what());
  }
  if (!document.is_array()) {
    return make_error(std::string("expected a JSON array of field definitions, got ") +
                      json_type_name(document));
  }

  std::vector<FieldDefinition> definitions;
  definitions.reserve(document.size());
  std::set<std::string> names;
  // Indexes are 0-based, as in the JSON array itself.
  for (std::size_t index = 0; index < document.size(); ++index) {
    const std::string where = "definition [" + std::to_string(index) + "]: ";
    Result<FieldDefinition> definition = definition_from_json(document[index]);
    if (!definition) return make_error(where + definition.error().message);
    if (!names.insert(definition->name).second) {
      return make_error(where + "field name " + quote_user_text(definition->name) +
                        " is defined more than once");
    }
    definitions.push_back(std::move(definition).value());
  }
  return definitions;
}

std::string describe(const FieldDefinition& definition) {
  std::string text = definition.name + "  " + std::string(to_string(definition.type));
  if (!definition.options.empty()) {
    text += "  options: ";
    for (std::size_t index = 0; index < definition.options.size(); ++index) {
      text += (index ? "," : "") + definition.options[index];
    }
  }
  if (definition.type == FieldType::kString) {
    text += "  charset: " + std::string(to_string(definition.charset));
  }
  return text;
}

}  // namespace person_import
