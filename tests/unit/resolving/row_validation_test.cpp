// Checking one record without the database (spec sections 3.1-3.2, 6).
#include <catch2/catch.hpp>

#include "core/resolving/row_validation.h"

using namespace person_import;

namespace {

const std::vector<FieldDefinition> kFields = {
    {"score", FieldType::kNumber, {}, Charset::kUnicode},
    {"tier", FieldType::kSingleSelect, {"gold"}, Charset::kUnicode},
};

// A record whose values are `values` (all unquoted).
struct TestRecord {
  std::vector<std::string> texts;
  Record record;
  explicit TestRecord(std::vector<std::string> values) : texts(std::move(values)) {
    record.line = 7;
    for (const auto& text : texts) record.values.push_back({text, false});
  }
};

RowValidation check(const std::vector<std::string>& columns, std::vector<std::string> values) {
  static std::vector<ColumnPlan> plans;  // keep plans alive: inputs point into them
  auto outcome = plan_columns(columns, kFields);
  REQUIRE(outcome.plan);
  plans.push_back(*outcome.plan);
  TestRecord record(std::move(values));
  return validate_row(plans.back(), record.record, 5, "|");
}

std::vector<std::string> classes(const RowValidation& validation) {
  std::vector<std::string> names;
  for (const auto& error : validation.errors) names.push_back(error.class_name);
  return names;
}

}  // namespace

TEST_CASE("person_id: ASCII digits, 1 to 2^63-1, leading zeros allowed") {
  CHECK(parse_person_id("1") == 1);
  CHECK(parse_person_id("007") == 7);
  CHECK(parse_person_id("9223372036854775807") == INT64_MAX);
  CHECK_FALSE(parse_person_id("9223372036854775808"));
  CHECK_FALSE(parse_person_id("0"));
  CHECK_FALSE(parse_person_id("000"));
  CHECK_FALSE(parse_person_id("+1"));
  CHECK_FALSE(parse_person_id("-1"));
  CHECK_FALSE(parse_person_id("1.0"));
  CHECK_FALSE(parse_person_id("١"));  // Arabic-Indic one: digits are ASCII only
  auto invalid = check({"person_id"}, {"12a"});
  REQUIRE(invalid.errors.size() == 1);
  CHECK(invalid.errors[0].class_name == "PersonErrors::InvalidPersonID");
  CHECK(invalid.errors[0].message == "Invalid person_id");
  CHECK(invalid.errors[0].field == "person_id");
  CHECK(invalid.errors[0].value == "12a");
  CHECK(invalid.errors[0].line == 7);
  CHECK(invalid.errors[0].row == 5);
}

TEST_CASE("person_key must contain no upper-case letter, unless person_id selects") {
  CHECK(classes(check({"person_key"}, {"Abc"})) ==
        std::vector<std::string>{"PersonErrors::InvalidPersonKey"});
  CHECK(check({"person_key"}, {"abc-123"}).input);
  // person_id selects: person_key is ignored entirely, not even checked.
  auto ignored = check({"person_id", "person_key"}, {"3", "NOT-CHECKED"});
  REQUIRE(ignored.input);
  CHECK_FALSE(ignored.input->person_key);
  // [null] person_id counts as empty: person_key selects and is checked.
  CHECK(classes(check({"person_id", "person_key"}, {"[null]", "Abc"})) ==
        std::vector<std::string>{"PersonErrors::InvalidPersonKey"});
}

TEST_CASE("external_person_id is 1 to 128 characters (code points)") {
  std::string longest;
  for (int i = 0; i < 128; ++i) longest += "é";  // 256 bytes, 128 code points
  CHECK(check({"external_person_id"}, {longest}).input);
  CHECK(classes(check({"external_person_id"}, {longest + "x"})) ==
        std::vector<std::string>{"PersonErrors::InvalidExternalPersonId"});
}

TEST_CASE("vibes_device_id is 1 to 128 characters, else InvalidRowFormat") {
  CHECK(check({"vibes_device_id"}, {std::string(128, 'd')}).input);
  CHECK(classes(check({"vibes_device_id"}, {std::string(129, 'd')})) ==
        std::vector<std::string>{"PersonErrors::InvalidRowFormat"});
}

TEST_CASE("[null] is never an identifier value") {
  // person_id, person_key, vibes_device_id: [null] counts as empty.
  CHECK(classes(check({"person_id", "person_key", "vibes_device_id"},
                      {"[null]", "[null]", "[null]"})) ==
        std::vector<std::string>{"PersonErrors::MissingIdentifier"});
  // external_person_id and mdn: [null] is a clear, not an identifier.
  auto cleared =
      check({"external_person_id", "mdn", "vibes_device_id"}, {"[null]", "[null]", "d-1"});
  REQUIRE(cleared.input);
  CHECK(cleared.input->external_person_id.state == IdentifierValue::State::kClear);
  CHECK(cleared.input->mdn.state == IdentifierValue::State::kClear);
  CHECK(classes(check({"external_person_id", "mdn"}, {"[null]", "[null]"})) ==
        std::vector<std::string>{"PersonErrors::MissingIdentifier"});
}

TEST_CASE("mdn is normalised to E.164 or fails its format") {
  auto valid = check({"mdn"}, {"(312) 555-0123"});
  REQUIRE(valid.input);
  CHECK(valid.input->mdn.value == "+13125550123");
  CHECK(valid.input->mdn.raw == "(312) 555-0123");
  auto invalid = check({"mdn"}, {"555-0123"});
  REQUIRE(invalid.errors.size() == 1);
  CHECK(invalid.errors[0].class_name == "MobilePhoneErrors::InvalidMDNFormat");
  CHECK(invalid.errors[0].message == "The MDN is incorrectly formatted");
}

TEST_CASE("a row reports every error found without the database, one per column") {
  auto validation = check({"person_id", "mdn", "score", "tier", "unknown"},
                          {"x", "12", "1e5", "silver", "value"});
  CHECK_FALSE(validation.input);
  CHECK(classes(validation) == std::vector<std::string>{
                                   "PersonErrors::InvalidPersonID",
                                   "MobilePhoneErrors::InvalidMDNFormat",
                                   "PersonErrors::InvalidCustomFieldValue",
                                   "PersonErrors::InvalidSelectCustomFieldValue",
                                   "PersonErrors::CustomFieldNotFound",
                               });
  CHECK(validation.errors[4].field == "unknown");
  CHECK(validation.errors[4].value == "value");
}

TEST_CASE("an unknown column fails rows with a value there, [null] included, not empty ones") {
  CHECK(check({"mdn", "unknown"}, {"3125550123", ""}).input);
  CHECK(classes(check({"mdn", "unknown"}, {"3125550123", "[null]"})) ==
        std::vector<std::string>{"PersonErrors::CustomFieldNotFound"});
}

TEST_CASE("MissingIdentifier comes with the row's other errors") {
  CHECK(classes(check({"external_person_id", "score"}, {"", "abc"})) ==
        std::vector<std::string>{"PersonErrors::InvalidCustomFieldValue",
                                 "PersonErrors::MissingIdentifier"});
  auto missing = check({"external_person_id"}, {""});
  REQUIRE(missing.errors.size() == 1);
  CHECK(missing.errors[0].message == "No identifier in row");
  CHECK_FALSE(missing.errors[0].field);
}

TEST_CASE("a record with the wrong number of values fails with InvalidRowFormat alone") {
  auto fewer = check({"external_person_id", "score"}, {"c-1"});
  REQUIRE(fewer.errors.size() == 1);
  CHECK(fewer.errors[0].class_name == "PersonErrors::InvalidRowFormat");
  CHECK(fewer.errors[0].message == "Invalid row format: expected 2 values, found 1");
  CHECK(classes(check({"external_person_id"}, {"c-1", "x"})) ==
        std::vector<std::string>{"PersonErrors::InvalidRowFormat"});
}

TEST_CASE("too long and text-after-quote records fail with InvalidRowFormat") {
  auto plan = plan_columns({"external_person_id"}, kFields);
  REQUIRE(plan.plan);
  Record too_long;
  too_long.too_long = true;
  CHECK(validate_row(*plan.plan, too_long, 1, "|").errors.at(0).class_name ==
        "PersonErrors::InvalidRowFormat");
  Record after_quote;
  after_quote.text_after_closing_quote = true;
  after_quote.values.push_back({"ab", true});
  CHECK(validate_row(*plan.plan, after_quote, 1, "|").errors.at(0).class_name ==
        "PersonErrors::InvalidRowFormat");
}

TEST_CASE("custom values become changes: set, clear, or nothing for empty") {
  auto validation = check({"external_person_id", "score", "tier"}, {"c-1", "3.50", ""});
  REQUIRE(validation.input);
  // Empty number leaves the stored value; empty select clears it.
  REQUIRE(validation.input->changes.size() == 2);
  CHECK(validation.input->changes[0].field->name == "score");
  CHECK(validation.input->changes[0].value == 3.5);
  CHECK(validation.input->changes[1].field->name == "tier");
  CHECK(validation.input->changes[1].clear);
}

TEST_CASE("person_key: any Unicode upper-case letter is refused") {
  CHECK_FALSE(is_valid_person_key("École"));
  CHECK_FALSE(is_valid_person_key("straße-Ω"));
  CHECK(is_valid_person_key("école-ß-ω-123"));
}
