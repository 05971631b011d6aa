// Each value parser on arbitrary text: numbers, dates, postal codes, charsets, and every field
// type (select lists with their options, multi-select delimiters) through
// interpret_custom_value. The first byte picks the field type and the delimiter.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/values/charset.h"
#include "core/values/custom_value.h"
#include "core/values/field_definition.h"
#include "fuzz/fuzz_input.h"

using namespace person_import;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  (void)parse_number(text);
  (void)parse_date_to_utc(text);
  (void)parse_postal_code(text);
  (void)parse_field_type(text);
  (void)parse_charset(text);
  for (const Charset charset :
       {Charset::kUnicode, Charset::kGsm, Charset::kLatin1, Charset::kAscii}) {
    (void)first_outside_charset(text, charset);
  }
  static constexpr FieldType kTypes[] = {FieldType::kString,      FieldType::kNumber,
                                         FieldType::kDate,        FieldType::kSingleSelect,
                                         FieldType::kMultiSelect, FieldType::kPostalCode};
  FieldDefinition field;
  field.name = "field";
  field.type = kTypes[data[0] % (sizeof kTypes / sizeof kTypes[0])];
  field.charset = (data[0] & 0x80) != 0 ? Charset::kGsm : Charset::kUnicode;
  if (field.type == FieldType::kSingleSelect || field.type == FieldType::kMultiSelect) {
    field.options = {"red", "green", "Blue", "ünï", ""};
  }
  static constexpr std::string_view kDelimiters[] = {"|", ",", ";", "§", "\t"};
  (void)interpret_custom_value(field, text, kDelimiters[(data[0] >> 4) % 5]);
  return 0;
}
