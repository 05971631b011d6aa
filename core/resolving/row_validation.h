// Checking one record without the database (spec sections 3.1–3.2, 4, 5, 6).
//
// A record becomes a RowInput — its identifiers parsed and its custom values interpreted — or
// a list of every error that can be found without the database, one per column at most, in
// column order, followed by MissingIdentifier when the row has no identifier value. A record
// that is too long, has text after a closing quote, or has the wrong number of values reports
// just one InvalidRowFormat. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/reading/record_reader.h"
#include "core/resolving/column_plan.h"
#include "core/storage/records.h"

namespace person_import {

// An identifier used as data: absent (empty cell), clear (`[null]`) or set.
struct IdentifierValue {
  enum class State { kAbsent, kClear, kSet };
  State state = State::kAbsent;
  std::string value;  // when set: as stored (mdn in E.164)
  std::string raw;    // as written, for error reports
  bool is_set() const { return state == State::kSet; }
};

struct CustomFieldChange {
  const FieldDefinition* field = nullptr;
  bool clear = false;
  nlohmann::json value;  // when not clear
};

struct RowInput {
  std::uint64_t line = 0;
  std::uint64_t row = 0;
  std::optional<PersonId> person_id;
  std::string person_id_raw;
  std::optional<std::string> person_key;  // only when person_id is absent
  IdentifierValue external_person_id;
  IdentifierValue mdn;
  std::optional<std::string> device_id;
  std::vector<CustomFieldChange> changes;
};

struct RowValidation {
  std::optional<RowInput> input;       // when the row passed every check
  std::vector<RowErrorRecord> errors;  // otherwise
};

RowValidation validate_row(const ColumnPlan& plan, const Record& record, std::uint64_t row,
                           std::string_view multi_select_delimiter);

// Builds a reported error from a kind and optional detail, field and value.
RowErrorRecord make_row_error(std::uint64_t line, std::uint64_t row, const ErrorKind& kind,
                              std::string_view detail = {},
                              std::optional<std::string> field = std::nullopt,
                              std::optional<std::string> value = std::nullopt);

// Format rules of the identifiers, exposed for unit tests.
std::optional<PersonId> parse_person_id(std::string_view text);  // digits, 1..2^63-1
bool is_valid_person_key(std::string_view text);                 // no upper-case letter (Unicode)

}  // namespace person_import
