// The export format (spec section 9): a person as a JSON object, and the CSV export.
//
// JSON keys, in order: person_id, person_key, external_person_id, mdn, carrier_code,
// vibes_device_ids, custom_fields, created_at, updated_at. Unset external_person_id, mdn and
// carrier_code are null; cleared or never-set custom fields are absent; vibes_device_ids is []
// for a person without devices (devices sorted by id).
//
// CSV (a documented decision; the spec leaves it open): a header row, then one row a person:
// person_id, person_key, external_person_id, mdn, carrier_code, vibes_device_ids (joined by
// `|`), one column per custom field in definition order (multi-select keys joined by `|`,
// numbers as in JSON), created_at, updated_at; unset values are empty; RFC 4180 quoting.
#pragma once

#include <ostream>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/storage/records.h"
#include "core/values/field_definition.h"

namespace person_import {

nlohmann::ordered_json person_to_json(const PersonRecord& person);

// One JSON object, no newline.
void write_person_jsonl(std::ostream& out, const PersonRecord& person);

void write_persons_csv_header(std::ostream& out, const std::vector<FieldDefinition>& fields);
void write_person_csv(std::ostream& out, const PersonRecord& person,
                      const std::vector<FieldDefinition>& fields);

}  // namespace person_import
