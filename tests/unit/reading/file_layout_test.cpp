#include "core/reading/file_layout.h"

#include <catch2/catch.hpp>

#include "reading_test_support.h"

using person_import::FileLayout;
using person_import::LayoutOptions;
using person_import::LayoutOutcome;
using person_import::read_layout;
using reading_test::FixtureFile;
using Names = std::vector<std::string>;

namespace {

LayoutOutcome layout_of(const std::string& content, const LayoutOptions& options = {}) {
  FixtureFile fixture(content);
  auto file = fixture.open();
  return read_layout(*file, options);
}

FileLayout accepted(const std::string& content, const LayoutOptions& options = {}) {
  const LayoutOutcome outcome = layout_of(content, options);
  INFO((outcome.error ? outcome.error->message : std::string()));
  REQUIRE_FALSE(outcome.error);
  REQUIRE(outcome.layout);
  return *outcome.layout;
}

// The rejection's message, after checking it is a file-format rejection.
std::string rejected(const std::string& content, const LayoutOptions& options = {}) {
  const LayoutOutcome outcome = layout_of(content, options);
  REQUIRE_FALSE(outcome.layout);
  REQUIRE(outcome.error);
  CHECK(outcome.error->kind == person_import::error_kinds::kInvalidImportFileFormat);
  return outcome.error->message;
}

// What the failed-rows file repeats: [bom_bytes, body_offset).
std::string preamble(const std::string& content, const FileLayout& layout) {
  return content.substr(layout.bom_bytes, layout.body_offset - layout.bom_bytes);
}

person_import::StructureOutcome structure_of(const std::string& content) {
  FixtureFile fixture(content);
  auto file = fixture.open();
  const LayoutOutcome outcome = read_layout(*file);
  REQUIRE(outcome.layout);
  auto structure = person_import::check_structure(*file, *outcome.layout);
  REQUIRE(structure.ok());
  return *structure;
}

}  // namespace

TEST_CASE("without headers the first record gives the column names", "[layout]") {
  const std::string content = "person_id,mdn\n1,2\n";
  const FileLayout layout = accepted(content);
  CHECK(layout.column_names == Names{"person_id", "mdn"});
  CHECK(layout.delimiter == ",");
  CHECK(layout.multi_select_delimiter == "|");
  CHECK_FALSE(layout.has_header_section);
  CHECK(layout.has_names_row);
  CHECK(layout.bom_bytes == 0);
  CHECK(layout.body_offset == 14);
  CHECK(layout.body_line == 2);
  CHECK(preamble(content, layout) == "person_id,mdn\n");
}

TEST_CASE("a UTF-8 BOM is skipped", "[layout]") {
  const std::string content = "\xEF\xBB\xBFmdn,x\r\n1,2\r\n";
  const FileLayout layout = accepted(content);
  CHECK(layout.bom_bytes == 3);
  CHECK(layout.column_names == Names{"mdn", "x"});
  CHECK(layout.body_offset == 10);
  CHECK(layout.body_line == 2);
  CHECK(preamble(content, layout) == "mdn,x\r\n");
}

TEST_CASE("a BOM followed by headers", "[layout]") {
  const std::string content =
      "\xEF\xBB\xBF"
      "Fields: a,b\n\n1,2\n";
  const FileLayout layout = accepted(content);
  CHECK(layout.bom_bytes == 3);
  CHECK(layout.has_header_section);
  CHECK(layout.column_names == Names{"a", "b"});
  CHECK(preamble(content, layout) == "Fields: a,b\n\n");
}

TEST_CASE("the names row: quoting, empty names, trimming, line breaks", "[layout]") {
  SECTION("an empty name is allowed here") {
    CHECK(accepted("a,,b\n1,2,3\n").column_names == Names{"a", "", "b"});
    CHECK(accepted("a,b,\n").column_names == Names{"a", "b", ""});
  }
  SECTION("names are unquoted and trimmed like values") {
    CHECK(accepted(" a , \"b,c\" ,\"d\"\"\"\n").column_names == Names{"a", "b,c", "d\""});
  }
  SECTION("a quoted name spanning lines; body_line follows it") {
    const std::string content = "\n\"multi\nline\",b\r\n1,2\n";
    const FileLayout layout = accepted(content);
    CHECK(layout.column_names == Names{"multi\nline", "b"});
    CHECK(layout.body_line == 4);
    CHECK(layout.body_offset == content.find("1,2"));
    CHECK(preamble(content, layout) == "\n\"multi\nline\",b\r\n");
  }
  SECTION("a names row without terminator at end of file") {
    const std::string content = "a,b";
    const FileLayout layout = accepted(content);
    CHECK(layout.column_names == Names{"a", "b"});
    CHECK(layout.body_offset == 3);
    CHECK(layout.body_line == 1);
  }
  SECTION("the names row uses the Delimiter header") {
    CHECK(accepted("Delimiter: ;\n\na;b,c\n").column_names == Names{"a", "b,c"});
  }
  SECTION("names are case-sensitive: mdn and MDN are different") {
    CHECK(accepted("mdn,MDN\n").column_names == Names{"mdn", "MDN"});
  }
  SECTION("no identifier column is needed here") {
    CHECK(accepted("color\nred\n").column_names == Names{"color"});
  }
}

TEST_CASE("names row rejections", "[layout]") {
  CHECK_THAT(rejected("a,b,a\n1,2,3\n"), Catch::Contains("repeated column name \"a\""));
  CHECK_THAT(rejected("a,,\n"), Catch::Contains("repeated column name \"\""));
  CHECK_THAT(rejected("a,\"b\nc\n"), Catch::Contains("unterminated quoted value"));
  CHECK_THAT(rejected("a,\"b\"c\n1,2\n"), Catch::Contains("text after a closing quote"));
  CHECK_THAT(rejected(""), Catch::Contains("no column names"));
  CHECK_THAT(rejected("\n  \n\r\n"), Catch::Contains("no column names"));
  CHECK_THAT(rejected("Delimiter: ;\n\n\n"), Catch::Contains("no column names"));
}

TEST_CASE("header section ended by a blank line", "[layout]") {
  const std::string content =
      "Fields: person_id, mdn ,tags\nDelimiter: ;\nMulti-Select-Delimiter: ,\n\n1;2;a,b\n";
  const FileLayout layout = accepted(content);
  CHECK(layout.has_header_section);
  CHECK_FALSE(layout.has_names_row);
  CHECK(layout.column_names == Names{"person_id", "mdn", "tags"});
  CHECK(layout.delimiter == ";");
  CHECK(layout.multi_select_delimiter == ",");
  CHECK(layout.body_line == 5);
  CHECK(layout.body_offset == content.find("1;2"));
  CHECK(preamble(content, layout) ==
        "Fields: person_id, mdn ,tags\nDelimiter: ;\nMulti-Select-Delimiter: ,\n\n");
}

TEST_CASE("the blank line ending headers may hold spaces, tabs and CRLF", "[layout]") {
  const std::string content = "Fields: a,b\r\n \t \r\n1,2\r\n";
  const FileLayout layout = accepted(content);
  CHECK(layout.column_names == Names{"a", "b"});
  CHECK(layout.body_line == 3);
  CHECK(layout.body_offset == content.find("1,2"));
}

TEST_CASE("without a blank line the body starts at the first non-header line", "[layout]") {
  SECTION("with Fields: the first body line is data") {
    const std::string content = "Fields: a,b\n1,2\n";
    const FileLayout layout = accepted(content);
    CHECK(layout.column_names == Names{"a", "b"});
    CHECK(layout.body_offset == 12);
    CHECK(layout.body_line == 2);
  }
  SECTION("without Fields: the first body line is the names row") {
    const std::string content = "Delimiter: |\nperson_id|mdn\n1|2\n";
    const FileLayout layout = accepted(content);
    CHECK(layout.has_header_section);
    CHECK(layout.has_names_row);
    CHECK(layout.column_names == Names{"person_id", "mdn"});
    CHECK(layout.body_line == 3);
    CHECK(preamble(content, layout) == "Delimiter: |\nperson_id|mdn\n");
  }
  SECTION("a line not of the Name: shape ends the headers") {
    // `_`, digits, a space before the colon, or leading space are not header names.
    for (const std::string line : {"first_name: x", "x1: y", "Fields : a", " Fields: a", ":a"}) {
      INFO(line);
      const FileLayout layout = accepted("Delimiter: ;\n" + line + "\n");
      CHECK(layout.has_names_row);
      CHECK(layout.column_names == Names{line.substr(line.find_first_not_of(' '))});
      CHECK(layout.body_line == 3);
    }
  }
  SECTION("a header section running to end of file") {
    const std::string content = "Fields: a,b";
    const FileLayout layout = accepted(content);
    CHECK(layout.body_offset == content.size());
    CHECK(layout.body_line == 2);
  }
}

TEST_CASE("a file whose first line is blank has no header section", "[layout]") {
  const std::string content = "\nFields: a\n1\n";
  const FileLayout layout = accepted(content);
  CHECK_FALSE(layout.has_header_section);
  CHECK(layout.has_names_row);
  CHECK(layout.column_names == Names{"Fields: a"});
  CHECK(layout.body_line == 3);
}

TEST_CASE("header names are case-insensitive and the space after the colon is optional",
          "[layout]") {
  const FileLayout layout =
      accepted("fields:a,b\nDELIMITER:;\nmulti-select-DELIMITER:\t/ \n\n1;2\n");
  CHECK(layout.column_names == Names{"a", "b"});
  CHECK(layout.delimiter == ";");
  CHECK(layout.multi_select_delimiter == "/");
}

TEST_CASE("Fields is always comma-separated and its names are trimmed", "[layout]") {
  const FileLayout layout = accepted("Fields:  a ;x,\tb b\t, c  \nDelimiter: ;\n\n1;2;3\n");
  CHECK(layout.column_names == Names{"a ;x", "b b", "c"});
  CHECK(layout.delimiter == ";");
}

TEST_CASE("delimiter notations", "[layout]") {
  struct Case {
    std::string written;
    std::string expected;  // empty: rejected
  };
  const std::string broken_bar = "\xC2\xA6";     // ¦ U+00A6, 2 bytes
  const std::string bullet = "\xE2\x80\xA2";     // • U+2022, 3 bytes
  const std::string emoji = "\xF0\x9F\x98\x80";  // 😀 U+1F600, 4 bytes
  const std::vector<Case> cases = {
      {";", ";"},
      {"|", "|"},
      {"\" \"", " "},
      {"\";\"", ";"},
      {"\"\t\"", "\t"},
      {"\\t", "\t"},
      {"tab", "\t"},
      {"TAB", "\t"},
      {"Tab", "\t"},
      {"\"\\t\"", "\t"},
      {",", ","},
      {"a", "a"},
      {"t", "t"},
      // One code point of any UTF-8 length, bare or quoted.
      {broken_bar, broken_bar},
      {"\"" + broken_bar + "\"", broken_bar},
      {"\xC2\xA7", "\xC2\xA7"},
      {bullet, bullet},
      {"\"" + bullet + "\"", bullet},
      {"\xE2\x82\xAC", "\xE2\x82\xAC"},
      {emoji, emoji},
      {"\"" + emoji + "\"", emoji},
      {"\xC2\xA0", "\xC2\xA0"},  // a no-break space is not trimmed like a space
      {"\"\"\"", ""},
      {"", ""},
      {"\"\"", ""},
      {"ab", ""},
      {"\"ab\"", ""},
      {"\"", ""},
      {"\\n", ""},
      {"\r", ""},
      {"\"\r\"", ""},
      // Two code points, whatever their lengths.
      {broken_bar + broken_bar, ""},
      {"\"" + broken_bar + broken_bar + "\"", ""},
      {broken_bar + "a", ""},
      {"a" + broken_bar, ""},
      {bullet + emoji, ""},
      {"e\xCC\x81", ""},  // e + combining acute: one letter on screen, two code points
      // Not UTF-8: a lone Latin-1 byte, a cut sequence, a stray continuation byte, an
      // overlong form, a surrogate, beyond U+10FFFF.
      {"\xA7", ""},
      {"\xC2", ""},
      {"\"\xE2\x80\"", ""},
      {broken_bar + "\xA6", ""},
      {"\xC0\xBB", ""},
      {"\xED\xA0\x80", ""},
      {"\xF4\x90\x80\x80", ""},
  };
  for (const Case& c : cases) {
    for (const std::string header : {"Delimiter", "Multi-Select-Delimiter"}) {
      INFO(header << ": [" << c.written << "]");
      const std::string content = header + ": " + c.written + "\r\nFields: a\n\n1\n";
      if (!c.expected.empty()) {
        const FileLayout layout = accepted(content);
        CHECK((header == "Delimiter" ? layout.delimiter : layout.multi_select_delimiter) ==
              c.expected);
      } else {
        CHECK_THAT(rejected(content), Catch::Contains(header + " header at line 1"));
      }
    }
  }
}

TEST_CASE("delimiter rejections say which rule", "[layout]") {
  CHECK_THAT(rejected("Delimiter:\n\na\n"), Catch::Contains("is empty"));
  CHECK_THAT(rejected("Delimiter: \"\"\n\na\n"), Catch::Contains("is empty"));
  CHECK_THAT(rejected("Delimiter: ;;\n\na\n"), Catch::Contains("not a single character"));
  CHECK_THAT(rejected("Delimiter: \xC2\xA6\xC2\xA6\n\na\n"),
             Catch::Equals("Delimiter header at line 1: delimiter \"\xC2\xA6\xC2\xA6\" is not a "
                           "single character"));
  CHECK_THAT(rejected("Multi-Select-Delimiter: ab\n\na\n"),
             Catch::Equals("Multi-Select-Delimiter header at line 1: delimiter \"ab\" is not a "
                           "single character"));
  // A lone Latin-1 byte: one byte, but not a character of a UTF-8 file. The bytes are not
  // repeated in the message, which must stay UTF-8.
  CHECK_THAT(rejected("Delimiter: \xA7\n\na\n"),
             Catch::Equals("Delimiter header at line 1: delimiter is not a single character (not "
                           "valid UTF-8)"));
  CHECK_THAT(rejected("Multi-Select-Delimiter: \"\xE2\x80\"\n\na\n"),
             Catch::Contains("not valid UTF-8"));
  CHECK_THAT(rejected("Delimiter: \"\n\na\n"), Catch::Contains("double quote"));
  CHECK_THAT(rejected("Delimiter: \"\"\"\n\na\n"), Catch::Contains("double quote"));
  CHECK_THAT(rejected("Multi-Select-Delimiter: \"\r\"\n\na\n"), Catch::Contains("line break"));
}

TEST_CASE("a multibyte delimiter splits the names row and the body", "[layout][structure]") {
  for (const std::string delimiter : {"\xC2\xA6", "\xE2\x80\xA2", "\xF0\x9F\x98\x80"}) {
    INFO("delimiter " << delimiter);
    // Trimmed like any header value; the names row is split on it, not on commas.
    const std::string content = "Delimiter: \t" + delimiter + " \n\nexternal_person_id" +
                                delimiter + "first_name\nc-1" + delimiter + "Ann, Lee\n\"c-2" +
                                delimiter + "x\"" + delimiter + "Bo\n";
    const FileLayout layout = accepted(content);
    CHECK(layout.delimiter == delimiter);
    CHECK(layout.column_names == Names{"external_person_id", "first_name"});
    CHECK(layout.body_line == 4);
    const auto outcome = structure_of(content);
    CHECK_FALSE(outcome.error);
    CHECK(outcome.data_rows == 2);
  }
}

TEST_CASE("the two delimiters may be the same character", "[layout]") {
  const FileLayout layout = accepted("Delimiter: ;\nMulti-Select-Delimiter: ;\n\na;b\n");
  CHECK(layout.delimiter == ";");
  CHECK(layout.multi_select_delimiter == ";");
}

TEST_CASE("the two delimiters may be the same multibyte character", "[layout]") {
  const FileLayout layout =
      accepted("Delimiter: \xE2\x80\xA2\nMulti-Select-Delimiter: \"\xE2\x80\xA2\"\n\na\n");
  CHECK(layout.delimiter == "\xE2\x80\xA2");
  CHECK(layout.multi_select_delimiter == "\xE2\x80\xA2");
}

TEST_CASE("header rejections", "[layout]") {
  CHECK_THAT(rejected("X-Custom: 1\n\na\n"),
             Catch::Contains("unknown header \"X-Custom\" at line 1"));
  CHECK_THAT(rejected("Fields: a\nmdn: 1\n"), Catch::Contains("unknown header \"mdn\" at line 2"));
  CHECK_THAT(rejected("Fields: a\nFIELDS: b\n\n1\n"),
             Catch::Contains("repeated header \"FIELDS\" at line 2"));
  CHECK_THAT(rejected("Delimiter: ;\ndelimiter: ;\n\na\n"), Catch::Contains("repeated header"));
  CHECK_THAT(rejected("Multi-Select-Delimiter: /\nMulti-Select-Delimiter: /\n\na\n"),
             Catch::Contains("repeated header"));
  CHECK_THAT(rejected("Fields:\n\n1\n"), Catch::Contains("empty Fields header"));
  CHECK_THAT(rejected("Fields:  \t \n\n1\n"), Catch::Contains("empty Fields header"));
  CHECK_THAT(rejected("Fields: a,,b\n\n1\n"), Catch::Contains("empty name in Fields header"));
  CHECK_THAT(rejected("Fields: ,a\n\n1\n"), Catch::Contains("empty name in Fields header"));
  CHECK_THAT(rejected("Fields: a, \n\n1\n"), Catch::Contains("empty name in Fields header"));
  CHECK_THAT(rejected("Fields: a,b, a\n\n1\n"), Catch::Contains("repeated column name \"a\""));
}

TEST_CASE("column count limit", "[layout]") {
  LayoutOptions options;
  options.max_columns = 3;
  CHECK(accepted("Fields: a,b,c\n\n1\n", options).column_names.size() == 3);
  CHECK_THAT(rejected("Fields: a,b,c,d\n\n1\n", options), Catch::Contains("more than 3 columns"));
  CHECK(accepted("a,b,c\n1\n", options).column_names.size() == 3);
  CHECK_THAT(rejected("a,b,c,d\n1\n", options), Catch::Contains("more than 3 columns"));

  // The default is the spec's 1,000.
  std::string names;
  for (int i = 0; i < 1000; ++i) names += (i ? "," : "") + ("c" + std::to_string(i));
  CHECK(accepted(names + "\n1\n").column_names.size() == 1000);
  CHECK_THAT(rejected(names + ",c1000\n1\n"), Catch::Contains("more than 1000 columns"));
  CHECK_THAT(rejected("Fields: " + names + ",c1000\n\n1\n"),
             Catch::Contains("more than 1000 columns"));
}

TEST_CASE("header lines and names rows are limited in length", "[layout]") {
  LayoutOptions options;
  options.max_line_bytes = 32;
  const std::string names_31 = "a234567890123456789012345678901";
  SECTION("a header line over the limit") {
    const std::string line = "Fields: " + std::string(25, 'x');  // 33 bytes
    CHECK_THAT(rejected(line + "\n\n1\n", options), Catch::Contains("header line at line 1"));
    CHECK_THAT(rejected(line, options), Catch::Contains("longer than 32 bytes"));
    CHECK_THAT(rejected("Delimiter: ;\n" + line + std::string(100000, 'y') + "\n", options),
               Catch::Contains("header line at line 2"));
    // At the limit, CRLF not counted.
    CHECK(accepted("Fields: " + std::string(24, 'x') + "\r\n\r\n1\n", options).column_names ==
          Names{std::string(24, 'x')});
  }
  SECTION("a names row over the limit") {
    CHECK(accepted(names_31 + "b\r\n1\n", options).column_names == Names{names_31 + "b"});
    CHECK_THAT(rejected(names_31 + "bc\n1\n", options),
               Catch::Contains("field-names row at line 1 is longer than 32 bytes"));
    CHECK_THAT(rejected("\n" + names_31 + std::string(1000000, 'z') + "\n", options),
               Catch::Contains("field-names row at line 2"));
  }
  SECTION("the default limit is 1 MiB") {
    const std::string long_name(std::size_t{1} << 20, 'n');
    CHECK(accepted(long_name + "\n1\n").column_names == Names{long_name});
    CHECK_THAT(rejected(long_name + "n\n1\n"), Catch::Contains("longer than 1048576 bytes"));
    CHECK_THAT(rejected("Fields: " + long_name + "\n\n1\n"), Catch::Contains("header line"));
  }
}

TEST_CASE("check_structure counts data rows", "[structure]") {
  SECTION("blank lines are not rows; multi-line records are one row") {
    const auto outcome = structure_of("a,b\n\n1,\"x\ny\"\n  \n2,3\r\n\n");
    CHECK_FALSE(outcome.error);
    CHECK(outcome.data_rows == 2);
  }
  SECTION("row-level problems are left to the import") {
    const auto outcome = structure_of("a,b\n1,\"x\"y\n1,2,3\n" +
                                      std::string((std::size_t{1} << 20) + 1, 'l') + "\n");
    CHECK_FALSE(outcome.error);
    CHECK(outcome.data_rows == 3);
  }
  SECTION("starts after the header section") {
    const auto outcome = structure_of("Fields: a\nDelimiter: ;\n\n1;2\n3\n");
    CHECK_FALSE(outcome.error);
    CHECK(outcome.data_rows == 2);
  }
}

TEST_CASE("check_structure rejects an unterminated quoted value", "[structure]") {
  const auto outcome = structure_of("a,b\n1,2\n\n3,\"open\n4,5\n");
  REQUIRE(outcome.error);
  CHECK(outcome.error->kind == person_import::error_kinds::kInvalidImportFileFormat);
  CHECK(outcome.error->message == "unterminated quoted value starting at line 4");
}

TEST_CASE("check_structure rejects a file without data rows", "[structure]") {
  for (const std::string content :
       {"a,b\n", "a,b", "a,b\n\n  \r\n", "Fields: a\n", "Fields: a\n\n\n", "Fields: a"}) {
    INFO(content);
    const auto outcome = structure_of(content);
    REQUIRE(outcome.error);
    CHECK(outcome.error->kind == person_import::error_kinds::kInvalidImportFileFormat);
    CHECK(outcome.error->message == "no data rows");
    CHECK(outcome.data_rows == 0);
  }
}
