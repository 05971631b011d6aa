#include "core/resolving/row_validation.h"

#include <unicode/uchar.h>

#include <limits>

#include "core/common/utf8.h"
#include "core/phones/mdn.h"
#include "core/values/custom_value.h"

namespace person_import {
namespace {

constexpr std::size_t kMaxIdentifierCodePoints = 128;

bool is_null_token(std::string_view text) { return text == kNullToken; }

// person_id, person_key and vibes_device_id treat `[null]` as empty (spec 3.1).
bool has_identifier_text(std::string_view text) { return !text.empty() && !is_null_token(text); }

}  // namespace

RowErrorRecord make_row_error(std::uint64_t line, std::uint64_t row, const ErrorKind& kind,
                              std::string_view detail, std::optional<std::string> field,
                              std::optional<std::string> value) {
  RowErrorRecord error;
  error.line = line;
  error.row = row;
  error.class_name = std::string(kind.class_name);
  error.message = format_message(kind, detail);
  error.field = std::move(field);
  error.value = std::move(value);
  error.retryable = kind == error_kinds::kTransientLookupFailure;
  return error;
}

std::optional<PersonId> parse_person_id(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::uint64_t value = 0;
  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<PersonId>::max());
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (kMax - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  if (value == 0) return std::nullopt;
  return static_cast<PersonId>(value);
}

bool is_valid_person_key(std::string_view text) {
  // Any upper-case letter, not only A-Z: `École` is as wrong as `Ecole` is right.
  for (char32_t code_point : utf8::code_points(text)) {
    if (code_point != utf8::kInvalid && u_isupper(static_cast<UChar32>(code_point))) return false;
  }
  return true;
}

RowValidation validate_row(const ColumnPlan& plan, const Record& record, std::uint64_t row,
                           std::string_view multi_select_delimiter) {
  RowValidation result;
  auto fail = [&](const ErrorKind& kind, std::string_view detail,
                  std::optional<std::string> field = std::nullopt,
                  std::optional<std::string> value = std::nullopt) {
    result.errors.push_back(
        make_row_error(record.line, row, kind, detail, std::move(field), std::move(value)));
  };

  if (record.too_long) {
    fail(error_kinds::kInvalidRowFormat, "record longer than 1 MiB");
    return result;
  }
  if (record.unterminated_quote) {
    fail(error_kinds::kInvalidRowFormat, "unterminated quoted value");
    return result;
  }
  if (record.text_after_closing_quote) {
    fail(error_kinds::kInvalidRowFormat, "text after a closing quote");
    return result;
  }
  if (record.values.size() != plan.columns.size()) {
    fail(error_kinds::kInvalidRowFormat, "expected " + std::to_string(plan.columns.size()) +
                                             " values, found " +
                                             std::to_string(record.values.size()));
    return result;
  }

  RowInput input;
  input.line = record.line;
  input.row = row;
  auto text_of = [&](std::optional<std::size_t> column) -> std::string_view {
    return column ? record.values[*column].text : std::string_view();
  };
  const bool person_id_present = has_identifier_text(text_of(plan.person_id));
  bool has_identifier = false;

  for (std::size_t index = 0; index < plan.columns.size(); ++index) {
    const Column& column = plan.columns[index];
    const std::string_view text = record.values[index].text;
    auto column_error = [&](const ErrorKind& kind, std::string_view detail = {}) {
      fail(kind, detail, column.name, std::string(text));
    };
    switch (column.role) {
      case ColumnRole::kPersonId:
        if (!has_identifier_text(text)) break;
        has_identifier = true;
        input.person_id_raw = std::string(text);
        if (auto id = parse_person_id(text)) {
          input.person_id = *id;
        } else {
          column_error(error_kinds::kInvalidPersonId);
        }
        break;
      case ColumnRole::kPersonKey:
        // Ignored entirely when person_id selects: both are the platform's to assign.
        if (person_id_present || !has_identifier_text(text)) break;
        has_identifier = true;
        if (is_valid_person_key(text)) {
          input.person_key = std::string(text);
        } else {
          column_error(error_kinds::kInvalidPersonKey);
        }
        break;
      case ColumnRole::kExternalPersonId:
        if (text.empty()) break;
        input.external_person_id.raw = std::string(text);
        if (is_null_token(text)) {
          input.external_person_id.state = IdentifierValue::State::kClear;
          break;
        }
        has_identifier = true;
        if (utf8::count_code_points(text) > kMaxIdentifierCodePoints) {
          column_error(error_kinds::kInvalidExternalPersonId, "at most 128 characters");
          break;
        }
        input.external_person_id.state = IdentifierValue::State::kSet;
        input.external_person_id.value = std::string(text);
        break;
      case ColumnRole::kMdn:
        if (text.empty()) break;
        input.mdn.raw = std::string(text);
        if (is_null_token(text)) {
          input.mdn.state = IdentifierValue::State::kClear;
          break;
        }
        has_identifier = true;
        if (auto e164 = normalize_mdn(text)) {
          input.mdn.state = IdentifierValue::State::kSet;
          input.mdn.value = std::move(*e164);
        } else {
          column_error(error_kinds::kInvalidMdnFormat);
        }
        break;
      case ColumnRole::kDeviceId:
        if (!has_identifier_text(text)) break;
        has_identifier = true;
        if (utf8::count_code_points(text) > kMaxIdentifierCodePoints) {
          column_error(error_kinds::kInvalidRowFormat,
                       "vibes_device_id longer than 128 characters");
          break;
        }
        input.device_id = std::string(text);
        break;
      case ColumnRole::kCustomField: {
        auto outcome = interpret_custom_value(*column.field, text, multi_select_delimiter);
        if (auto* set = std::get_if<SetValue>(&outcome)) {
          input.changes.push_back({column.field, false, std::move(set->value)});
        } else if (std::holds_alternative<ClearValue>(outcome)) {
          input.changes.push_back({column.field, true, nullptr});
        } else if (auto* error = std::get_if<ValueError>(&outcome)) {
          column_error(error->kind, error->detail);
        }
        break;
      }
      case ColumnRole::kUnknown:
        if (!text.empty()) column_error(error_kinds::kCustomFieldNotFound);
        break;
    }
  }
  if (!has_identifier) fail(error_kinds::kMissingIdentifier, {});
  if (result.errors.empty()) result.input = std::move(input);
  return result;
}

}  // namespace person_import
