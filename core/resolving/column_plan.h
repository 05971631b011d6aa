// What each column of a file means (spec section 2), decided once per file.
//
// System fields are matched exactly in lowercase; every other name must equal a custom field
// of the company exactly. A name matching nothing is an unknown column: it does not reject the
// file, but each row with a value there fails (CustomFieldNotFound), and the plan carries a
// warning naming the closest system or custom field (same letters in another case, or an edit
// distance of at most 2). A file without any identifier column is rejected.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/common/error_kinds.h"
#include "core/values/field_definition.h"

namespace person_import {

enum class ColumnRole {
  kPersonId,
  kPersonKey,
  kExternalPersonId,
  kMdn,
  kDeviceId,
  kCustomField,
  kUnknown
};

struct Column {
  std::string name;
  ColumnRole role = ColumnRole::kUnknown;
  const FieldDefinition* field = nullptr;  // for kCustomField; borrowed from the definitions
};

struct ColumnPlan {
  std::vector<Column> columns;
  std::vector<std::string> warnings;
  // Index of each identifier column, when present.
  std::optional<std::size_t> person_id, person_key, external_person_id, mdn, device_id;
};

struct ColumnPlanOutcome {
  std::optional<ColumnPlan> plan;
  std::optional<FileError> error;
};

// `fields` must outlive the plan (columns point into it).
ColumnPlanOutcome plan_columns(const std::vector<std::string>& column_names,
                               const std::vector<FieldDefinition>& fields);

}  // namespace person_import
