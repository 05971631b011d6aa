#include "core/resolving/column_plan.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/common/utf8.h"

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

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Levenshtein distance over code points: names are at most a few dozen characters and only
// small distances matter, so a two-row table is plenty.
std::size_t edit_distance(std::u32string_view a, std::u32string_view b) {
  std::vector<std::size_t> previous(b.size() + 1), current(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

std::optional<std::string> closest_name(std::string_view unknown,
                                        const std::vector<std::string>& candidates) {
  for (const auto& candidate : candidates) {
    if (equal_ignoring_case(unknown, candidate)) return candidate;
  }
  std::optional<std::string> best;
  std::size_t best_distance = 3;
  const std::u32string unknown_points = utf8::code_points(unknown);
  for (const auto& candidate : candidates) {
    const std::u32string candidate_points = utf8::code_points(candidate);
    // The distance is at least the difference in length: a names row may hold a name of a
    // megabyte, and comparing it in full with every field would take seconds.
    const std::size_t shorter = std::min(unknown_points.size(), candidate_points.size());
    const std::size_t longer = std::max(unknown_points.size(), candidate_points.size());
    if (longer - shorter >= best_distance) continue;
    const std::size_t distance = edit_distance(unknown_points, candidate_points);
    if (distance < best_distance) {
      best_distance = distance;
      best = candidate;
    }
  }
  return best;
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
