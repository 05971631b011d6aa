#include "core/resolving/column_plan.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/common/closest_name.h"

namespace person_import {
namespace {

constexpr std::string_view kNoIdentifierMessage =
    "Couldn't find an external_person_id, mdn, or vibes_device_id field";

std::optional<ColumnRole> system_role(std::string_view name) {
  if (name == "person_id") return ColumnRole::kPersonId;
  if (name == "person_key") return ColumnRole::kPersonKey;
  if (name == "external_person_id") return ColumnRole::kExternalPersonId;
  if (name == "mdn") return ColumnRole::kMdn;
  if (name == "vibes_device_id") return ColumnRole::kDeviceId;
  return std::nullopt;
}

}  // namespace

ColumnPlanOutcome plan_columns(const std::vector<std::string>& column_names,
                               const std::vector<FieldDefinition>& fields) {
  ColumnPlan plan;
  std::vector<std::string> known_names = {"person_id", "person_key", "external_person_id", "mdn",
                                          "vibes_device_id"};
  for (const auto& field : fields) known_names.push_back(field.name);

  for (std::size_t index = 0; index < column_names.size(); ++index) {
    Column column{column_names[index], ColumnRole::kUnknown, nullptr};
    if (auto role = system_role(column.name)) {
      column.role = *role;
      switch (*role) {
        case ColumnRole::kPersonId:
          plan.person_id = index;
          break;
        case ColumnRole::kPersonKey:
          plan.person_key = index;
          break;
        case ColumnRole::kExternalPersonId:
          plan.external_person_id = index;
          break;
        case ColumnRole::kMdn:
          plan.mdn = index;
          break;
        case ColumnRole::kDeviceId:
          plan.device_id = index;
          break;
        default:
          break;
      }
    } else {
      auto field = std::find_if(fields.begin(), fields.end(),
                                [&](const FieldDefinition& f) { return f.name == column.name; });
      if (field != fields.end()) {
        column.role = ColumnRole::kCustomField;
        column.field = &*field;
      } else {
        std::string warning = "column \"" + column.name + "\" matches no custom field";
        if (auto suggestion = closest_name(column.name, known_names)) {
          warning += "; did you mean \"" + *suggestion + "\"?";
        }
        plan.warnings.push_back(std::move(warning));
      }
    }
    plan.columns.push_back(std::move(column));
  }

  if (!plan.person_id && !plan.person_key && !plan.external_person_id && !plan.mdn &&
      !plan.device_id) {
    return {std::nullopt,
            FileError{error_kinds::kInvalidImportFileFormat, std::string(kNoIdentifierMessage)}};
  }
  return {std::move(plan), std::nullopt};
}

}  // namespace person_import
