#include "core/exporting/person_export.h"

#include "core/common/csv.h"
#include "core/common/json_text.h"

namespace person_import {
namespace {

std::string csv_text(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_array()) {
    std::string joined;
    for (const auto& item : value) {
      if (!joined.empty()) joined += '|';
      joined += item.is_string() ? item.get<std::string>() : item.dump();
    }
    return joined;
  }
  return value.dump();
}

}  // namespace

nlohmann::ordered_json person_to_json(const PersonRecord& person) {
  nlohmann::ordered_json json;
  json["person_id"] = person.person_id;
  json["person_key"] = person.person_key;
  json["external_person_id"] = optional_json(person.external_person_id);
  json["mdn"] = optional_json(person.mdn);
  json["carrier_code"] = optional_json(person.carrier_code);
  json["vibes_device_ids"] = person.device_ids;
  nlohmann::ordered_json custom = nlohmann::ordered_json::object();
  for (const auto& [name, value] : person.custom_fields.items()) custom[name] = value;
  json["custom_fields"] = std::move(custom);
  json["created_at"] = person.created_at;
  json["updated_at"] = person.updated_at;
  return json;
}

void write_person_jsonl(std::ostream& out, const PersonRecord& person) {
  out << json_text(person_to_json(person));
}

void write_persons_csv_header(std::ostream& out, const std::vector<FieldDefinition>& fields) {
  out << "person_id,person_key,external_person_id,mdn,carrier_code,vibes_device_ids";
  for (const auto& field : fields) {
    out << ',';
    write_csv_value(out, field.name);
  }
  out << ",created_at,updated_at\n";
}

void write_person_csv(std::ostream& out, const PersonRecord& person,
                      const std::vector<FieldDefinition>& fields) {
  out << person.person_id << ',' << person.person_key << ',';
  write_csv_value(out, person.external_person_id.value_or(""));
  out << ',' << person.mdn.value_or("") << ',';
  write_csv_value(out, person.carrier_code.value_or(""));
  out << ',';
  std::string devices;
  for (const auto& device : person.device_ids) {
    if (!devices.empty()) devices += '|';
    devices += device;
  }
  write_csv_value(out, devices);
  for (const auto& field : fields) {
    out << ',';
    auto value = person.custom_fields.find(field.name);
    if (value != person.custom_fields.end()) write_csv_value(out, csv_text(*value));
  }
  out << ',' << person.created_at << ',' << person.updated_at << '\n';
}

}  // namespace person_import
