#include "core/storage/field_additions.h"

#include <algorithm>

namespace person_import {

Result<std::vector<FieldDefinition>> new_field_definitions(
    const std::vector<FieldDefinition>& existing, const std::vector<FieldDefinition>& requested) {
  std::vector<FieldDefinition> additions;
  for (const auto& field : requested) {
    auto same_name = [&](const FieldDefinition& other) { return other.name == field.name; };
    if (auto stored = std::find_if(existing.begin(), existing.end(), same_name);
        stored != existing.end()) {
      if (*stored == field) continue;
      return make_error("custom field \"" + field.name + "\" is already defined as \"" +
                        describe(*stored) + "\", not \"" + describe(field) + "\" (fields remove " +
                        field.name + " first to change it)");
    }
    if (auto earlier = std::find_if(additions.begin(), additions.end(), same_name);
        earlier != additions.end()) {
      if (*earlier == field) continue;
      return make_error("custom field \"" + field.name + "\" is given twice: \"" +
                        describe(*earlier) + "\" and \"" + describe(field) + "\"");
    }
    additions.push_back(field);
  }
  return additions;
}

}  // namespace person_import
