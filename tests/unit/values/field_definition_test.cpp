#include <catch2/catch.hpp>

#include <string>

#include <nlohmann/json.hpp>

#include "core/values/field_definition.h"

using namespace person_import;
using nlohmann::json;

namespace {

FieldDefinition text_field(std::string name) {
  return FieldDefinition{std::move(name), FieldType::kString, {}, Charset::kUnicode};
}

FieldDefinition select_field(FieldType type, std::vector<std::string> options) {
  return FieldDefinition{"tier", type, std::move(options), Charset::kUnicode};
}

std::string problem(const FieldDefinition& definition) {
  const Status status = validate_definition(definition);
  return status ? "ok" : status.error().message;
}

std::string problem(const json& object) {
  const Result<FieldDefinition> result = definition_from_json(object);
  return result ? "ok" : result.error().message;
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("field types and charsets round-trip through their names", "[definition]") {
  for (FieldType type :
       {FieldType::kString, FieldType::kNumber, FieldType::kDate, FieldType::kSingleSelect,
        FieldType::kMultiSelect, FieldType::kPostalCode}) {
    CHECK(parse_field_type(to_string(type)) == type);
  }
  CHECK(to_string(FieldType::kSingleSelect) == "single_select");
  CHECK(to_string(FieldType::kPostalCode) == "postal_code");
  for (Charset charset : {Charset::kUnicode, Charset::kGsm, Charset::kLatin1, Charset::kAscii}) {
    CHECK(parse_charset(to_string(charset)) == charset);
  }
  CHECK(to_string(Charset::kLatin1) == "latin1");
  CHECK_FALSE(parse_field_type("String").has_value());
  CHECK_FALSE(parse_field_type("").has_value());
  CHECK_FALSE(parse_field_type("select").has_value());
  CHECK_FALSE(parse_charset("GSM").has_value());
  CHECK_FALSE(parse_charset("utf8").has_value());
}

TEST_CASE("system fields are the five lowercase names", "[definition]") {
  for (const char* name :
       {"person_id", "person_key", "external_person_id", "mdn", "vibes_device_id"}) {
    CHECK(is_system_field(name));
  }
  for (const char* name : {"MDN", "Person_Id", "mdn ", "mdn2", "", "person"}) {
    CHECK_FALSE(is_system_field(name));
  }
}

TEST_CASE("definition names: 1-64 letters, digits, _ and -", "[definition][name]") {
  CHECK(problem(text_field("a")) == "ok");
  CHECK(problem(text_field(std::string(64, 'n'))) == "ok");
  CHECK(problem(text_field("First_Name-2")) == "ok");
  CHECK(problem(text_field("")) != "ok");
  CHECK(contains(problem(text_field(std::string(65, 'n'))), "64"));
  for (const char* bad : {"first name", "first.name", "prénom", "a$", "a/b", "tier\n", "\"x\""}) {
    INFO(bad);
    CHECK(problem(text_field(bad)) != "ok");
  }
}

TEST_CASE("definition names: no system field name in any case", "[definition][name]") {
  CHECK(problem(text_field("MDN")) == "field name \"MDN\" is a system field name");
  for (const char* bad :
       {"mdn", "Person_Id", "PERSON_KEY", "External_Person_ID", "vibes_DEVICE_id"}) {
    INFO(bad);
    CHECK(contains(problem(text_field(bad)), "system field"));
  }
  CHECK(problem(text_field("mdn_2")) == "ok");
  CHECK(problem(text_field("person-id")) == "ok");
}

TEST_CASE("definition options: selects need unique, non-empty keys", "[definition][options]") {
  for (FieldType type : {FieldType::kSingleSelect, FieldType::kMultiSelect}) {
    INFO(to_string(type));
    CHECK(problem(select_field(type, {"gold"})) == "ok");
    CHECK(problem(select_field(type, {"a", "A"})) == "ok");  // case-sensitive: distinct
    CHECK(problem(select_field(type, {"has space", "é", "[x]"})) == "ok");
    CHECK(contains(problem(select_field(type, {})), "option"));
    CHECK(contains(problem(select_field(type, {"a", ""})), "empty"));
    CHECK(problem(select_field(type, {"a", "b", "a"})) == "option \"a\" is repeated");
    CHECK(problem(select_field(type, {"bad\xFF"})) != "ok");
  }
}

TEST_CASE("definition options and charset belong to their types", "[definition]") {
  for (FieldType type :
       {FieldType::kString, FieldType::kNumber, FieldType::kDate, FieldType::kPostalCode}) {
    INFO(to_string(type));
    CHECK(contains(problem(FieldDefinition{"f", type, {"a"}, Charset::kUnicode}), "options"));
  }
  for (Charset charset : {Charset::kGsm, Charset::kLatin1, Charset::kAscii}) {
    CHECK(problem(FieldDefinition{"f", FieldType::kString, {}, charset}) == "ok");
    for (FieldType type : {FieldType::kNumber, FieldType::kDate, FieldType::kSingleSelect,
                           FieldType::kMultiSelect, FieldType::kPostalCode}) {
      INFO(to_string(type));
      const bool select = type == FieldType::kSingleSelect || type == FieldType::kMultiSelect;
      std::vector<std::string> options;
      if (select) options = {"a"};
      CHECK(contains(problem(FieldDefinition{"f", type, options, charset}), "charset"));
    }
  }
}

TEST_CASE("definition to_json writes options for selects and charset for strings",
          "[definition][json]") {
  CHECK(to_json(FieldDefinition{"first_name", FieldType::kString, {}, Charset::kUnicode}) ==
        json::parse(R"({"name":"first_name","type":"string","charset":"unicode"})"));
  CHECK(to_json(FieldDefinition{"sms", FieldType::kString, {}, Charset::kGsm}) ==
        json::parse(R"({"name":"sms","type":"string","charset":"gsm"})"));
  CHECK(to_json(FieldDefinition{"tags", FieldType::kMultiSelect, {"b", "a"}, Charset::kUnicode}) ==
        json::parse(R"({"name":"tags","type":"multi_select","options":["b","a"]})"));
  CHECK(to_json(FieldDefinition{"score", FieldType::kNumber, {}, Charset::kUnicode}) ==
        json::parse(R"({"name":"score","type":"number"})"));
}

TEST_CASE("definition from_json reads and validates one object", "[definition][json]") {
  const auto tier = definition_from_json(
      json::parse(R"({"name":"tier","type":"single_select","options":["gold","silver"]})"));
  REQUIRE(tier);
  CHECK(tier->name == "tier");
  CHECK(tier->type == FieldType::kSingleSelect);
  CHECK(tier->options == std::vector<std::string>{"gold", "silver"});

  const auto sms =
      definition_from_json(json::parse(R"({"name":"sms","type":"string","charset":"gsm"})"));
  REQUIRE(sms);
  CHECK(sms->charset == Charset::kGsm);

  const auto plain = definition_from_json(json::parse(R"({"name":"note","type":"string"})"));
  REQUIRE(plain);
  CHECK(plain->charset == Charset::kUnicode);

  // null reads as absent.
  const auto nulls = definition_from_json(
      json::parse(R"({"name":"note","type":"string","charset":null,"options":null})"));
  REQUIRE(nulls);
  CHECK(nulls->charset == Charset::kUnicode);
}

TEST_CASE("definition from_json round-trips to_json", "[definition][json]") {
  for (const FieldDefinition& definition :
       {FieldDefinition{"a", FieldType::kString, {}, Charset::kLatin1},
        FieldDefinition{"b", FieldType::kMultiSelect, {"x", "X", "y z"}, Charset::kUnicode},
        FieldDefinition{"c", FieldType::kDate, {}, Charset::kUnicode},
        FieldDefinition{"d", FieldType::kPostalCode, {}, Charset::kUnicode}}) {
    const auto back = definition_from_json(to_json(definition));
    REQUIRE(back);
    CHECK(back->name == definition.name);
    CHECK(back->type == definition.type);
    CHECK(back->options == definition.options);
    CHECK(back->charset == definition.charset);
  }
}

TEST_CASE("definition from_json rejects wrong shapes", "[definition][json]") {
  CHECK(contains(problem(json::array()), "object"));
  CHECK(contains(problem(json("tier")), "object"));
  CHECK(contains(problem(json::parse(R"({"type":"string"})")), "name"));
  CHECK(contains(problem(json::parse(R"({"name":"x"})")), "type"));
  CHECK(contains(problem(json::parse(R"({"name":"x","type":"string","label":"X"})")), "label"));
  CHECK(contains(problem(json::parse(R"({"name":"x","type":"string","Name":"x"})")), "Name"));
  CHECK(contains(problem(json::parse(R"({"name":5,"type":"string"})")), "name"));
  CHECK(contains(problem(json::parse(R"({"name":"x","type":["string"]})")), "type"));
  CHECK(contains(problem(json::parse(R"({"name":"x","type":"text"})")), "text"));
  CHECK(contains(problem(json::parse(R"({"name":"x","type":"single_select","options":"a,b"})")),
                 "options"));
  CHECK(contains(problem(json::parse(R"({"name":"x","type":"single_select","options":["a",1]})")),
                 "options"));
  CHECK(contains(problem(json::parse(R"({"name":"x","type":"string","charset":5})")), "charset"));
  CHECK(contains(problem(json::parse(R"({"name":"x","type":"string","charset":"utf8"})")), "utf8"));
  CHECK(
      contains(problem(json::parse(R"({"name":"x","type":"string","options":["a"]})")), "options"));
  CHECK(contains(problem(json::parse(R"({"name":"x","type":"string","options":[]})")), "options"));
  CHECK(contains(problem(json::parse(R"({"name":"x","type":"number","charset":"unicode"})")),
                 "charset"));
  CHECK(contains(problem(json::parse(R"({"name":"x","type":"multi_select"})")), "option"));
  CHECK(contains(problem(json::parse(R"({"name":"x","type":"multi_select","options":[]})")),
                 "option"));
  CHECK(contains(problem(json::parse(R"({"name":"Mdn","type":"string"})")), "system field"));
}

TEST_CASE("definitions_from_json_text loads a whole array", "[definition][json]") {
  const auto loaded = definitions_from_json_text(R"([
    {"name": "first_name", "type": "string"},
    {"name": "tier", "type": "single_select", "options": ["gold", "silver"]},
    {"name": "Tier", "type": "number"}
  ])");
  REQUIRE(loaded);
  REQUIRE(loaded->size() == 3);
  CHECK((*loaded)[1].options == std::vector<std::string>{"gold", "silver"});
  CHECK((*loaded)[2].type == FieldType::kNumber);

  const auto empty = definitions_from_json_text("[]");
  REQUIRE(empty);
  CHECK(empty->empty());
}

TEST_CASE("definitions_from_json_text is all or none", "[definition][json]") {
  const auto one_bad = definitions_from_json_text(
      R"([{"name":"a","type":"string"},{"name":"b","type":"strin"},{"name":"c","type":"date"}])");
  REQUIRE_FALSE(one_bad);
  CHECK(contains(one_bad.error().message, "[1]"));
  CHECK(contains(one_bad.error().message, "strin"));

  const auto repeated =
      definitions_from_json_text(R"([{"name":"a","type":"string"},{"name":"a","type":"number"}])");
  REQUIRE_FALSE(repeated);
  CHECK(contains(repeated.error().message, "[1]"));
  CHECK(contains(repeated.error().message, "more than once"));
}

TEST_CASE("definitions_from_json_text reports bad JSON without throwing", "[definition][json]") {
  for (const char* text :
       {"", "[", "[{\"name\":\"a\",}]", "{\"name\":\"a\",\"type\":\"string\"}", "\"text\"", "null",
        "[1]", "[[]]", "[\"a\"]", "[{}] x", "[{\"name\":\"\xFF\",\"type\":\"string\"}]"}) {
    INFO(text);
    Result<std::vector<FieldDefinition>> result = std::vector<FieldDefinition>{};
    REQUIRE_NOTHROW(result = definitions_from_json_text(text));
    REQUIRE_FALSE(result);
    CHECK_FALSE(result.error().message.empty());
  }
  const auto syntax = definitions_from_json_text("[{\"name\": }]");
  REQUIRE_FALSE(syntax);
  CHECK(contains(syntax.error().message, "parse error"));
}
