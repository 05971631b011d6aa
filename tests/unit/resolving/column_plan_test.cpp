// Columns and custom fields (spec section 2).
#include <catch2/catch.hpp>

#include <chrono>

#include "core/resolving/column_plan.h"

using namespace person_import;

namespace {

const std::vector<FieldDefinition> kFields = {
    {"first_name", FieldType::kString, {}, Charset::kUnicode},
    {"tier", FieldType::kSingleSelect, {"gold"}, Charset::kUnicode},
};

}  // namespace

TEST_CASE("system fields are matched exactly, in lowercase") {
  auto outcome = plan_columns({"person_id", "person_key", "external_person_id", "mdn",
                               "vibes_device_id", "MDN", "first_name"},
                              kFields);
  REQUIRE(outcome.plan);
  const auto& columns = outcome.plan->columns;
  CHECK(columns[0].role == ColumnRole::kPersonId);
  CHECK(columns[1].role == ColumnRole::kPersonKey);
  CHECK(columns[2].role == ColumnRole::kExternalPersonId);
  CHECK(columns[3].role == ColumnRole::kMdn);
  CHECK(columns[4].role == ColumnRole::kDeviceId);
  CHECK(columns[5].role == ColumnRole::kUnknown);
  CHECK(columns[6].role == ColumnRole::kCustomField);
  CHECK(columns[6].field == &kFields[0]);
}

TEST_CASE("custom field names are case-sensitive") {
  auto outcome = plan_columns({"mdn", "First_Name"}, kFields);
  REQUIRE(outcome.plan);
  CHECK(outcome.plan->columns[1].role == ColumnRole::kUnknown);
}

TEST_CASE("an unknown column warns and names the closest field") {
  SECTION("same letters in another case") {
    auto outcome = plan_columns({"external_person_id", "MDN"}, kFields);
    REQUIRE(outcome.plan);
    REQUIRE(outcome.plan->warnings.size() == 1);
    CHECK(outcome.plan->warnings[0] ==
          "column \"MDN\" matches no custom field; did you mean \"mdn\"?");
  }
  SECTION("edit distance two") {
    auto outcome = plan_columns({"mdn", "frst_nme"}, kFields);
    REQUIRE(outcome.plan);
    CHECK(outcome.plan->warnings.at(0) ==
          "column \"frst_nme\" matches no custom field; did you mean \"first_name\"?");
  }
  SECTION("nothing close") {
    auto outcome = plan_columns({"mdn", "favourite_colour"}, kFields);
    REQUIRE(outcome.plan);
    CHECK(outcome.plan->warnings.at(0) == "column \"favourite_colour\" matches no custom field");
  }
  SECTION("distance three is not close") {
    auto outcome = plan_columns({"mdn", "tierxyz"}, kFields);
    REQUIRE(outcome.plan);
    CHECK(outcome.plan->warnings.at(0) == "column \"tierxyz\" matches no custom field");
  }
}

TEST_CASE("a file without an identifier column is rejected with the spec's message") {
  auto outcome = plan_columns({"first_name", "MDN"}, kFields);
  CHECK_FALSE(outcome.plan);
  REQUIRE(outcome.error);
  CHECK(outcome.error->kind == error_kinds::kInvalidImportFileFormat);
  CHECK(outcome.error->message ==
        "Couldn't find an external_person_id, mdn, or vibes_device_id field");
}

TEST_CASE("person_id and person_key columns satisfy the identifier check") {
  CHECK(plan_columns({"person_id"}, kFields).plan);
  CHECK(plan_columns({"person_key", "first_name"}, kFields).plan);
  CHECK(plan_columns({"vibes_device_id"}, kFields).plan);
}

TEST_CASE("regression: the did-you-mean edit distance counts characters, not bytes") {
  // "é" is one character but two bytes: one substitution away from "first_name" is close.
  auto outcome = plan_columns({"mdn", "first_nämé"}, kFields);
  REQUIRE(outcome.plan);
  CHECK(outcome.plan->warnings.at(0) ==
        "column \"first_nämé\" matches no custom field; did you mean \"first_name\"?");
}

TEST_CASE("regression: a very long unknown column name is planned quickly") {
  // Up to 1 MiB of names: comparing each with every field must not be quadratic in its length.
  std::vector<FieldDefinition> fields;
  for (int i = 0; i < 200; ++i) {
    fields.push_back({"field_" + std::to_string(i), FieldType::kString, {}, Charset::kUnicode});
  }
  const auto start = std::chrono::steady_clock::now();
  auto outcome = plan_columns({"mdn", std::string(1 << 20, 'x')}, fields);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  REQUIRE(outcome.plan);
  CHECK(outcome.plan->warnings.size() == 1);
  CHECK(elapsed < std::chrono::seconds(1));  // several seconds when quadratic
}
