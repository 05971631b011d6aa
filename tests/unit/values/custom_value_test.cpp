#include <catch2/catch.hpp>

#include <string>

#include "core/values/custom_value.h"
#include "test_helpers.h"

using namespace person_import;
using person_import::test::field_of;
using person_import::test::outcome_text;

namespace {

constexpr FieldType kAllTypes[] = {FieldType::kString,      FieldType::kNumber,
                                   FieldType::kDate,        FieldType::kSingleSelect,
                                   FieldType::kMultiSelect, FieldType::kPostalCode};

FieldDefinition any_field(FieldType type) { return field_of(type, {"a", "b"}); }

const ValueError* error_of(const ValueOutcome& outcome) {
  return std::get_if<ValueError>(&outcome);
}

std::string interpret(const FieldDefinition& field, std::string_view text,
                      std::string_view delimiter = "|") {
  return outcome_text(interpret_custom_value(field, text, delimiter));
}

}  // namespace

TEST_CASE("values: more than 4096 bytes fail as invalid value, whatever the type", "[value]") {
  for (FieldType type : kAllTypes) {
    INFO(to_string(type));
    const auto outcome = interpret_custom_value(any_field(type), std::string(4097, 'a'), "|");
    REQUIRE(error_of(outcome));
    CHECK(error_of(outcome)->kind == error_kinds::kInvalidCustomFieldValue);
    CHECK(error_of(outcome)->detail.find("4096") != std::string::npos);
  }
}

TEST_CASE("values: the length limit counts bytes and is inclusive", "[value]") {
  const FieldDefinition text = field_of(FieldType::kString);
  const std::string max(4096, 'x');
  CHECK(interpret(text, max) == "\"" + max + "\"");

  std::string two_byte;
  for (int i = 0; i < 2048; ++i) two_byte += "é";
  REQUIRE(two_byte.size() == 4096);
  CHECK(std::holds_alternative<SetValue>(interpret_custom_value(text, two_byte, "|")));
  CHECK(error_of(interpret_custom_value(text, two_byte + "a", "|")));

  // The limit comes before parsing: a long number that would be valid is still refused.
  const FieldDefinition number = field_of(FieldType::kNumber);
  CHECK(interpret(number, std::string(4095, '0') + "7") == "7");
  const auto long_number = interpret_custom_value(number, std::string(4096, '0') + "7", "|");
  REQUIRE(error_of(long_number));
  CHECK(error_of(long_number)->kind == error_kinds::kInvalidCustomFieldValue);
}

TEST_CASE("values: [null] clears every type", "[value]") {
  for (FieldType type : kAllTypes) {
    INFO(to_string(type));
    CHECK(interpret(any_field(type), "[null]") == "<clear>");
  }
  // Even where `[null]` would not parse, and when the charset lacks the brackets.
  CHECK(interpret(field_of(FieldType::kString, {}, Charset::kGsm), "[null]") == "<clear>");
  CHECK(interpret(field_of(FieldType::kSingleSelect, {"x"}), "[null]") == "<clear>");
}

TEST_CASE("values: [null] is matched exactly", "[value]") {
  const FieldDefinition text = field_of(FieldType::kString);
  CHECK(interpret(text, "[NULL]") == "\"[NULL]\"");
  CHECK(interpret(text, "[null] ") == "\"[null] \"");
  CHECK(interpret(text, "null") == "\"null\"");
}

TEST_CASE("values: empty leaves scalars unchanged and clears selects", "[value]") {
  CHECK(interpret(any_field(FieldType::kString), "") == "<unchanged>");
  CHECK(interpret(any_field(FieldType::kNumber), "") == "<unchanged>");
  CHECK(interpret(any_field(FieldType::kDate), "") == "<unchanged>");
  CHECK(interpret(any_field(FieldType::kPostalCode), "") == "<unchanged>");
  CHECK(interpret(any_field(FieldType::kSingleSelect), "") == "<clear>");
  CHECK(interpret(any_field(FieldType::kMultiSelect), "") == "<clear>");
}

TEST_CASE("values: string is stored as written, subject to its charset", "[value][string]") {
  CHECK(interpret(field_of(FieldType::kString), "  Ann \"A\"\n😀") == "\"  Ann \\\"A\\\"\\n😀\"");
  CHECK(interpret(field_of(FieldType::kString, {}, Charset::kGsm), "Ça coûte 5€") ==
        "<error PersonErrors::InvalidSelectCustomFieldValue: Custom field value is incompatible "
        "with the field's character set: U+00FB is not in the gsm character set>");
  CHECK(interpret(field_of(FieldType::kString, {}, Charset::kGsm), "Ça coute 5€ garçon") ==
        "\"Ça coute 5€ garçon\"");

  const auto latin1 =
      interpret_custom_value(field_of(FieldType::kString, {}, Charset::kLatin1), "5€", "|");
  REQUIRE(error_of(latin1));
  CHECK(error_of(latin1)->kind == error_kinds::kCharsetMismatch);
  CHECK(error_of(latin1)->detail.find("latin1") != std::string::npos);
  CHECK(error_of(latin1)->detail.find("U+20AC") != std::string::npos);

  const auto ascii =
      interpret_custom_value(field_of(FieldType::kString, {}, Charset::kAscii), "café", "|");
  REQUIRE(error_of(ascii));
  CHECK(error_of(ascii)->kind == error_kinds::kCharsetMismatch);
  CHECK(error_of(ascii)->detail.find("ascii") != std::string::npos);
}

TEST_CASE("values: number", "[value][number]") {
  const FieldDefinition number = field_of(FieldType::kNumber);
  CHECK(interpret(number, "3.50") == "3.5");
  CHECK(interpret(number, "-12") == "-12");
  const auto bad = interpret_custom_value(number, "1,000", "|");
  REQUIRE(error_of(bad));
  CHECK(error_of(bad)->kind == error_kinds::kInvalidCustomFieldValue);
  CHECK(error_of(bad)->detail == "expected a number like -12 or 3.50");
  const auto long_number = interpret_custom_value(number, "1234567890123456", "|");
  REQUIRE(error_of(long_number));
  CHECK(error_of(long_number)->kind == error_kinds::kInvalidCustomFieldValue);
  CHECK(error_of(long_number)->detail.find("15") != std::string::npos);
}

TEST_CASE("values: date", "[value][date]") {
  const FieldDefinition date = field_of(FieldType::kDate);
  CHECK(interpret(date, "1990-01-02") == "\"1990-01-02T00:00:00Z\"");
  CHECK(interpret(date, "2024-01-01T00:30:00+01:00") == "\"2023-12-31T23:30:00Z\"");
  for (const char* bad : {"2024-02-30", "01/02/1990", "2024-01-01T00:00:00+15:00"}) {
    const auto outcome = interpret_custom_value(date, bad, "|");
    INFO(bad);
    REQUIRE(error_of(outcome));
    CHECK(error_of(outcome)->kind == error_kinds::kInvalidCustomFieldValue);
    CHECK_FALSE(error_of(outcome)->detail.empty());
  }
}

TEST_CASE("values: postal code", "[value][postal]") {
  const FieldDefinition postal = field_of(FieldType::kPostalCode);
  CHECK(interpret(postal, "12345-6789") == "\"12345-6789\"");
  CHECK(interpret(postal, "k1a0b1") == "\"K1A 0B1\"");
  const auto bad = interpret_custom_value(postal, "D1A 0B1", "|");
  REQUIRE(error_of(bad));
  CHECK(error_of(bad)->kind == error_kinds::kInvalidCustomFieldValue);
}

TEST_CASE("values: single_select takes exactly one key, case-sensitive", "[value][select]") {
  const FieldDefinition tier = field_of(FieldType::kSingleSelect, {"gold", "silver", "A", "a"});
  CHECK(interpret(tier, "gold") == "\"gold\"");
  CHECK(interpret(tier, "A") == "\"A\"");
  CHECK(interpret(tier, "a") == "\"a\"");
  for (const char* bad : {"Gold", "GOLD", "gold|silver", " gold", "gold ", "bronze"}) {
    INFO(bad);
    const auto outcome = interpret_custom_value(tier, bad, "|");
    REQUIRE(error_of(outcome));
    CHECK(error_of(outcome)->kind == error_kinds::kInvalidSelectValue);
  }
  CHECK(error_of(interpret_custom_value(tier, "Gold", "|"))->detail == "unknown option \"Gold\"");
}

TEST_CASE("values: multi_select splits, trims, drops empties and repeats, keeps order",
          "[value][select]") {
  const FieldDefinition tags = field_of(FieldType::kMultiSelect, {"a", "b", "c", "A"});
  CHECK(interpret(tags, "a") == R"(["a"])");
  CHECK(interpret(tags, "a|b") == R"(["a","b"])");
  CHECK(interpret(tags, "c|a|b") == R"(["c","a","b"])");
  CHECK(interpret(tags, " b | a\t|\tc ") == R"(["b","a","c"])");
  CHECK(interpret(tags, "a||b|") == R"(["a","b"])");
  CHECK(interpret(tags, "|a") == R"(["a"])");
  CHECK(interpret(tags, "b|a|b|a") == R"(["b","a"])");
  CHECK(interpret(tags, "a|A") == R"(["a","A"])");
  CHECK(interpret(tags, "a| |b") == R"(["a","b"])");
}

TEST_CASE("values: multi_select of only delimiters clears", "[value][select]") {
  const FieldDefinition tags = field_of(FieldType::kMultiSelect, {"a"});
  CHECK(interpret(tags, "|") == "<clear>");
  CHECK(interpret(tags, "|||") == "<clear>");
  CHECK(interpret(tags, " | \t| ") == "<clear>");
}

TEST_CASE("values: multi_select uses the file's delimiter", "[value][select]") {
  const FieldDefinition tags = field_of(FieldType::kMultiSelect, {"a", "b", "a|b"});
  CHECK(interpret(tags, "a;b", ";") == R"(["a","b"])");
  CHECK(interpret(tags, "a|b", ";") == R"(["a|b"])");
  CHECK(interpret(tags, "a b", " ") == R"(["a","b"])");
  CHECK(interpret(tags, "a,b", ",") == R"(["a","b"])");
  CHECK(interpret(tags, "a\tb", "\t") == R"(["a","b"])");
}

TEST_CASE("values: multi_select splits on a multibyte delimiter, whole code point only",
          "[value][select]") {
  // Keys that hold other code points sharing the delimiter's lead or continuation bytes, so a
  // split on one byte (or on too few bytes) would cut them apart.
  const std::string two = "\xC2\xA6";                // ¦ U+00A6
  const std::string three = "\xE2\x80\xA2";          // • U+2022
  const std::string four = "\xF0\x9F\x98\x80";       // 😀 U+1F600
  const std::string near_two = "\xC2\xA7";           // § U+00A7: same lead byte as ¦
  const std::string near_three = "\xE2\x80\xA3";     // ‣ U+2023: same first two bytes as •
  const std::string near_four = "\xF0\x9F\x98\x81";  // 😁 U+1F601
  const FieldDefinition tags = field_of(
      FieldType::kMultiSelect,
      {"a", "b", "c", "x" + near_two + "y", "x" + near_three + "y", "x" + near_four + "y"});
  struct Case {
    std::string delimiter;
    std::string near;
  };
  for (const Case& c : {Case{two, near_two}, Case{three, near_three}, Case{four, near_four}}) {
    INFO("delimiter " << c.delimiter);
    const std::string& d = c.delimiter;
    CHECK(interpret(tags, "a" + d + "b", d) == R"(["a","b"])");
    CHECK(interpret(tags, " a " + d + "\tc" + d + "b" + d + "a", d) == R"(["a","c","b"])");
    // Empty pieces, including a trailing delimiter, are ignored; only delimiters clear.
    CHECK(interpret(tags, d + "a" + d + d + "b" + d, d) == R"(["a","b"])");
    CHECK(interpret(tags, d, d) == "<clear>");
    CHECK(interpret(tags, d + " " + d, d) == "<clear>");
    // Another code point starting with the same bytes is part of the key.
    CHECK(interpret(tags, "x" + c.near + "y" + d + "a", d) == "[\"x" + c.near + "y\",\"a\"]");
    // The single-byte delimiters are plain text here.
    const auto plain = interpret_custom_value(tags, "a|b", d);
    REQUIRE(error_of(plain));
    CHECK(error_of(plain)->kind == error_kinds::kInvalidSelectValue);
    CHECK(error_of(plain)->detail == "unknown option \"a|b\"");
  }
}

TEST_CASE("values: multi_select with an unknown key fails naming it", "[value][select]") {
  const FieldDefinition tags = field_of(FieldType::kMultiSelect, {"a", "b"});
  for (const char* bad : {"a|x", "x", "a|B", "A", "a;b"}) {
    INFO(bad);
    const auto outcome = interpret_custom_value(tags, bad, "|");
    REQUIRE(error_of(outcome));
    CHECK(error_of(outcome)->kind == error_kinds::kInvalidSelectValue);
  }
  CHECK(error_of(interpret_custom_value(tags, "a| x |b", "|"))->detail == "unknown option \"x\"");
}

TEST_CASE("values: text that is not UTF-8 is refused even for unicode fields", "[value][string]") {
  // The reader rejects such files; this guards storage and export, which need valid UTF-8.
  const auto outcome = interpret_custom_value(field_of(FieldType::kString), "caf\xE9", "|");
  REQUIRE(error_of(outcome));
  CHECK(error_of(outcome)->kind == error_kinds::kCharsetMismatch);
  CHECK(error_of(outcome)->detail.find("UTF-8") != std::string::npos);
}
