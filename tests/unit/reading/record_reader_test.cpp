#include "core/reading/record_reader.h"

#include <catch2/catch.hpp>

#include "reading_test_support.h"

using person_import::ReaderOptions;
using reading_test::FixtureFile;
using reading_test::multibyte_delimiters;
using reading_test::read_all;
using reading_test::Snapshot;
using reading_test::Values;
using reading_test::with_delimiter;

namespace {

ReaderOptions tiny(std::size_t chunk_bytes, std::size_t max_record_bytes = std::size_t{1} << 20,
                   std::string delimiter = ",") {
  ReaderOptions options;
  options.delimiter = std::move(delimiter);
  options.chunk_bytes = chunk_bytes;
  options.max_record_bytes = max_record_bytes;
  return options;
}

}  // namespace

TEST_CASE("records end at LF - positions, raw bytes and values are reported", "[record_reader]") {
  const auto records = read_all("a,b\nccc,d\n");
  REQUIRE(records.size() == 2);
  CHECK(records[0].line == 1);
  CHECK(records[0].offset == 0);
  CHECK(records[0].length == 3);
  CHECK(records[0].end_offset == 4);
  CHECK(records[0].raw == "a,b");
  CHECK(records[0].values == Values{"a", "b"});
  CHECK(records[0].quoted == std::vector<bool>{false, false});
  CHECK(records[1].line == 2);
  CHECK(records[1].offset == 4);
  CHECK(records[1].length == 5);
  CHECK(records[1].end_offset == 10);
  CHECK(records[1].raw == "ccc,d");
  CHECK(records[1].values == Values{"ccc", "d"});
}

TEST_CASE("CRLF ends a record and is not part of raw or the last value", "[record_reader]") {
  const auto records = read_all("a,b\r\nc,d\r\n");
  REQUIRE(records.size() == 2);
  CHECK(records[0].raw == "a,b");
  CHECK(records[0].length == 3);
  CHECK(records[0].end_offset == 5);
  CHECK(records[0].values == Values{"a", "b"});
  CHECK(records[1].offset == 5);
  CHECK(records[1].line == 2);
  CHECK(records[1].values == Values{"c", "d"});
  CHECK(records[1].end_offset == 10);
}

TEST_CASE("LF and CRLF may be mixed in one file", "[record_reader]") {
  const auto records = read_all("a\r\nb\nc\r\nd");
  REQUIRE(records.size() == 4);
  CHECK(records[0].values == Values{"a"});
  CHECK(records[1].values == Values{"b"});
  CHECK(records[1].offset == 3);
  CHECK(records[2].values == Values{"c"});
  CHECK(records[2].offset == 5);
  CHECK(records[3].values == Values{"d"});
  CHECK(records[3].line == 4);
  CHECK(records[3].offset == 8);
}

TEST_CASE("a lone CR is data, not a line break", "[record_reader]") {
  SECTION("inside a value") {
    const auto records = read_all("a\rb,c\nd\n");
    REQUIRE(records.size() == 2);
    CHECK(records[0].values == Values{"a\rb", "c"});
    CHECK(records[1].line == 2);
  }
  SECTION("a CR before a CRLF stays in the value") {
    const auto records = read_all("a,b\r\r\n");
    REQUIRE(records.size() == 1);
    CHECK(records[0].values == Values{"a", "b\r"});
    CHECK(records[0].raw == "a,b\r");
  }
  SECTION("a value of only a CR before a CRLF") {
    const auto records = read_all("a,\r\r\n");
    REQUIRE(records.size() == 1);
    CHECK(records[0].values == Values{"a", "\r"});
  }
  SECTION("a CR at end of file without LF is data") {
    const auto records = read_all("a,b\r");
    REQUIRE(records.size() == 1);
    CHECK(records[0].values == Values{"a", "b\r"});
    CHECK(records[0].length == 4);
  }
  SECTION("a file using only CR has a single record") {
    const auto records = read_all("a,b\rc,d\r");
    REQUIRE(records.size() == 1);
    CHECK(records[0].values == Values{"a", "b\rc", "d\r"});
  }
  SECTION("a line of a lone CR and spaces is not blank") {
    const auto records = read_all(" \r x\nz\n");
    REQUIRE(records.size() == 2);
    CHECK(records[0].values == Values{"\r x"});
  }
}

TEST_CASE("the last record may lack its terminator", "[record_reader]") {
  const auto records = read_all("a,b\nc,d");
  REQUIRE(records.size() == 2);
  CHECK(records[1].raw == "c,d");
  CHECK(records[1].length == 3);
  CHECK(records[1].end_offset == 7);
  CHECK(records[1].values == Values{"c", "d"});
}

TEST_CASE("blank lines are skipped but counted as lines", "[record_reader]") {
  const std::string content = "\n  \n\t\r\na,b\n \t \r\n\nc\n   ";
  const auto records = read_all(content);
  REQUIRE(records.size() == 2);
  CHECK(records[0].values == Values{"a", "b"});
  CHECK(records[0].line == 4);
  CHECK(records[0].offset == 7);
  CHECK(records[1].values == Values{"c"});
  CHECK(records[1].line == 7);
  CHECK(records[1].offset == content.find('c'));
}

TEST_CASE("a line of only spaces and tabs is blank whatever the delimiter", "[record_reader]") {
  for (const std::string delimiter : {",", " ", "\t", ";", "\xC2\xA6", "\xF0\x9F\x98\x80"}) {
    INFO("delimiter [" << delimiter << "]");
    const auto records = read_all("  \t \n\t\t\r\nx\n", with_delimiter(delimiter));
    REQUIRE(records.size() == 1);
    CHECK(records[0].values == Values{"x"});
    CHECK(records[0].line == 3);
  }
}

TEST_CASE("a file with nothing but blank lines has no records", "[record_reader]") {
  CHECK(read_all("").empty());
  CHECK(read_all("\n\r\n  \n\t").empty());
}

TEST_CASE("quoted values: delimiter and quotes inside, kept exactly", "[record_reader]") {
  const auto records = read_all("\"a,b\",\" c \",\"say \"\"hi\"\"\",\"\",\"\"\"\"\n");
  REQUIRE(records.size() == 1);
  CHECK(records[0].values == Values{"a,b", " c ", "say \"hi\"", "", "\""});
  CHECK(records[0].quoted == std::vector<bool>{true, true, true, true, true});
}

TEST_CASE("several escaped values in one record all stay valid", "[record_reader]") {
  // The unescaped texts live in scratch; a reallocation would leave earlier views dangling.
  std::string line;
  Values expected;
  for (int i = 0; i < 50; ++i) {
    const std::string text =
        "v" + std::to_string(i) + std::string(static_cast<std::size_t>(i), 'x');
    line += (i ? "," : "") + std::string("\"") + text + "\"\"" + text + "\"";
    expected.push_back(text + "\"" + text);
  }
  const auto records = read_all(line + "\n");
  REQUIRE(records.size() == 1);
  CHECK(records[0].values == expected);
}

TEST_CASE("line breaks inside quotes are literal and kept as written", "[record_reader]") {
  const std::string content = "1,\"two\nlines\"\n2,\"crlf\r\nkept\",x\r\n3,\"a\n\nb\n\"\n4\n";
  const auto records = read_all(content);
  REQUIRE(records.size() == 4);
  CHECK(records[0].values == Values{"1", "two\nlines"});
  CHECK(records[0].line == 1);
  CHECK(records[0].raw == "1,\"two\nlines\"");
  CHECK(records[1].values == Values{"2", "crlf\r\nkept", "x"});
  CHECK(records[1].line == 3);
  CHECK(records[1].raw == "2,\"crlf\r\nkept\",x");
  CHECK(records[2].values == Values{"3", "a\n\nb\n"});
  CHECK(records[2].line == 5);
  CHECK(records[3].values == Values{"4"});
  CHECK(records[3].line == 9);
  CHECK(records[3].offset == content.rfind("4\n"));
}

TEST_CASE("spaces and tabs around a quoted value are trimmed", "[record_reader]") {
  const auto records = read_all("a,  \"b\" \t, \t\"c\"\n");
  REQUIRE(records.size() == 1);
  CHECK(records[0].values == Values{"a", "b", "c"});
  CHECK(records[0].quoted == std::vector<bool>{false, true, true});
  CHECK_FALSE(records[0].text_after_closing_quote);
}

TEST_CASE("text after a closing quote marks the record", "[record_reader]") {
  SECTION("letters right after the quote") {
    const auto records = read_all("\"ab\"c,d\nnext\n");
    REQUIRE(records.size() == 2);
    CHECK(records[0].text_after_closing_quote);
    CHECK(records[0].values.size() == 2);
    CHECK(records[0].values[1] == "d");
    CHECK_FALSE(records[1].text_after_closing_quote);
    CHECK(records[1].values == Values{"next"});
  }
  SECTION("after spaces, in the last value") {
    const auto records = read_all("x,\"ab\" c\n");
    REQUIRE(records.size() == 1);
    CHECK(records[0].text_after_closing_quote);
  }
  SECTION("a second quoted part does not reopen quotes") {
    const auto records = read_all("\"a\"\"b\" \"c,d\"\ne\n");
    REQUIRE(records.size() == 2);
    CHECK(records[0].text_after_closing_quote);
    CHECK(records[1].values == Values{"e"});
  }
  SECTION("at end of file") {
    const auto records = read_all("\"ab\"c");
    REQUIRE(records.size() == 1);
    CHECK(records[0].text_after_closing_quote);
  }
  SECTION("a CRLF after the quote is only a terminator") {
    const auto records = read_all("\"ab\"\r\n\"cd\" \r\n");
    REQUIRE(records.size() == 2);
    CHECK_FALSE(records[0].text_after_closing_quote);
    CHECK_FALSE(records[1].text_after_closing_quote);
    CHECK(records[1].values == Values{"cd"});
  }
  SECTION("a lone CR after the quote is text") {
    const auto records = read_all("\"ab\"\r,x\n");
    REQUIRE(records.size() == 1);
    CHECK(records[0].text_after_closing_quote);
  }
}

TEST_CASE("a quote inside an unquoted value is literal", "[record_reader]") {
  const auto records = read_all("ab\"c,d\",5\"\nx\n");
  REQUIRE(records.size() == 2);
  CHECK(records[0].values == Values{"ab\"c", "d\"", "5\""});
  CHECK(records[0].quoted == std::vector<bool>{false, false, false});
  CHECK(records[1].values == Values{"x"});
  CHECK(records[1].line == 2);
}

TEST_CASE("unquoted values are trimmed of spaces and tabs (comma delimiter)", "[record_reader]") {
  const auto records = read_all(" a \t,\tb c\t, \n");
  REQUIRE(records.size() == 1);
  CHECK(records[0].values == Values{"a", "b c", ""});
  CHECK(records[0].raw == " a \t,\tb c\t, ");
}

TEST_CASE("a tab delimiter is never trimmed - spaces still are", "[record_reader]") {
  const auto records = read_all(" a \t b\t\tc \t \"q\" \n", with_delimiter("\t"));
  REQUIRE(records.size() == 1);
  CHECK(records[0].values == Values{"a", "b", "", "c", "q"});
  CHECK(records[0].quoted.back());
}

TEST_CASE("a space delimiter is never trimmed - tabs still are", "[record_reader]") {
  SECTION("runs of spaces are empty values") {
    const auto records = read_all("a  b\t \tc\n", with_delimiter(" "));
    REQUIRE(records.size() == 1);
    CHECK(records[0].values == Values{"a", "", "b", "c"});
  }
  SECTION("leading spaces are separators, not trim") {
    const auto records = read_all(" a\n", with_delimiter(" "));
    REQUIRE(records.size() == 1);
    CHECK(records[0].values == Values{"", "a"});
  }
  SECTION("quoted values between spaces") {
    const auto records = read_all("\"a b\" \"c\" d \n", with_delimiter(" "));
    REQUIRE(records.size() == 1);
    CHECK(records[0].values == Values{"a b", "c", "d", ""});
    CHECK(records[0].quoted == std::vector<bool>{true, true, false, false});
    CHECK_FALSE(records[0].text_after_closing_quote);
  }
}

TEST_CASE("other delimiters", "[record_reader]") {
  const auto records = read_all("a;b , c;\"d;e\"\n", with_delimiter(";"));
  REQUIRE(records.size() == 1);
  CHECK(records[0].values == Values{"a", "b , c", "d;e"});
}

TEST_CASE("a trailing delimiter means one more empty value", "[record_reader]") {
  const auto records = read_all("a,b,\nc,\r\n,\n\"x\",\nlast,");
  REQUIRE(records.size() == 5);
  CHECK(records[0].values == Values{"a", "b", ""});
  CHECK(records[1].values == Values{"c", ""});
  CHECK(records[2].values == Values{"", ""});
  CHECK(records[3].values == Values{"x", ""});
  CHECK(records[4].values == Values{"last", ""});
}

TEST_CASE("a closing quote at end of file closes the value", "[record_reader]") {
  const auto records = read_all("a,\"b\"\"\"");
  REQUIRE(records.size() == 1);
  CHECK(records[0].values == Values{"a", "b\""});
  CHECK_FALSE(records[0].unterminated_quote);
}

TEST_CASE("a quote still open at end of file ends the stream", "[record_reader]") {
  const std::string content = "a,b\nc,\"open\nmore\n\nstill\n";
  const auto records = read_all(content);
  REQUIRE(records.size() == 2);
  CHECK_FALSE(records[0].unterminated_quote);
  CHECK(records[1].unterminated_quote);
  CHECK(records[1].line == 2);
  CHECK(records[1].offset == 4);
  CHECK(records[1].end_offset == content.size());
  CHECK(records[1].length == content.size() - 4);
}

TEST_CASE("a record over max_record_bytes is skipped and the next one is read", "[record_reader]") {
  SECTION("short limit, whole record in one chunk") {
    const std::string content = "12345678901\nok,1\n";
    const auto records = read_all(content, tiny(1 << 16, 10));
    REQUIRE(records.size() == 2);
    CHECK(records[0].too_long);
    CHECK(records[0].raw.empty());
    CHECK(records[0].values.empty());
    CHECK(records[0].length == 11);
    CHECK(records[0].offset == 0);
    CHECK(records[0].end_offset == 12);
    CHECK_FALSE(records[1].too_long);
    CHECK(records[1].values == Values{"ok", "1"});
    CHECK(records[1].offset == 12);
    CHECK(records[1].line == 2);
  }
  SECTION("exactly the limit is accepted, CRLF excluded") {
    // Every chunk size, so that some refill happens with the record's CR as the last byte.
    for (std::size_t chunk = 1; chunk <= 13; ++chunk) {
      INFO("chunk " << chunk);
      const auto records = read_all("1234567890\r\n123456789\r\n12345678901\r\n", tiny(chunk, 10));
      REQUIRE(records.size() == 3);
      CHECK_FALSE(records[0].too_long);
      CHECK(records[0].raw == "1234567890");
      CHECK(records[0].values == Values{"1234567890"});
      CHECK_FALSE(records[1].too_long);
      CHECK(records[2].too_long);
      CHECK(records[2].length == 11);
      CHECK(records[2].end_offset == 36);
    }
  }
  SECTION("far longer than the buffer, with quoted line breaks, across tiny chunks") {
    const std::string long_value(200, 'x');
    const std::string content = "id,\"" + long_value + "\n" + long_value + "\r\n,\"\"\n\"\n" +
                                "next,\"v\"\r\n" + "\"" + long_value + "\n";
    for (std::size_t chunk : {1, 3, 7, 64}) {
      INFO("chunk " << chunk);
      const auto records = read_all(content, tiny(chunk, 16));
      REQUIRE(records.size() == 3);
      CHECK(records[0].too_long);
      CHECK(records[0].line == 1);
      CHECK(records[0].length == content.find("\nnext"));
      CHECK(records[0].end_offset == content.find("next"));
      CHECK(records[0].raw.empty());
      CHECK_FALSE(records[0].unterminated_quote);
      CHECK(records[1].values == Values{"next", "v"});
      CHECK(records[1].line == 5);
      CHECK(records[1].offset == content.find("next"));
      CHECK(records[2].too_long);
      CHECK(records[2].unterminated_quote);
      CHECK(records[2].line == 6);
      CHECK(records[2].end_offset == content.size());
    }
  }
  SECTION("a skipped record ending in CRLF across a chunk boundary") {
    // The CR is the last byte of a dropped chunk; the length must still exclude it.
    const std::string content = std::string(20, 'y') + "\r\nz\n";
    for (std::size_t chunk = 1; chunk <= 23; ++chunk) {
      INFO("chunk " << chunk);
      const auto records = read_all(content, tiny(chunk, 5));
      REQUIRE(records.size() == 2);
      CHECK(records[0].too_long);
      CHECK(records[0].length == 20);
      CHECK(records[0].end_offset == 22);
      CHECK(records[1].values == Values{"z"});
      CHECK(records[1].line == 2);
    }
  }
  SECTION("a too-long line of only spaces is still blank") {
    const auto records = read_all(std::string(100, ' ') + "\nA\n", tiny(7, 8));
    REQUIRE(records.size() == 1);
    CHECK(records[0].values == Values{"A"});
    CHECK(records[0].line == 2);
  }
  SECTION("the default limit is 1 MiB") {
    const std::string big(std::size_t{1} << 20, 'a');
    const auto records = read_all(big + "\n" + big + "b\nend\n");
    REQUIRE(records.size() == 3);
    CHECK_FALSE(records[0].too_long);
    CHECK(records[0].values[0].size() == big.size());
    CHECK(records[1].too_long);
    CHECK(records[2].values == Values{"end"});
  }
}

TEST_CASE("chunk boundaries anywhere give the same records", "[record_reader]") {
  const std::string content =
      "\xEF\xBB\xBFname,\"quoted, with comma\",tail\r\n"
      "\n"
      "  x  ,  \"y\"  ,\"esc\"\"aped\"\"\"\n"
      "\"multi\r\nline\nvalue\",\"\"\"\",\r\n"
      "   \t  \n"
      "a\rb,\"ab\"c,d\r\r\n"
      "\"\",,\n"
      "\"x\"\"\"\"\"\n"
      "\"last\"";
  const auto expected = read_all(content);
  REQUIRE(expected.size() == 7);
  CHECK(expected[0].values == Values{"\xEF\xBB\xBFname", "quoted, with comma", "tail"});
  CHECK(expected[1].values == Values{"x", "y", "esc\"aped\""});
  CHECK(expected[1].line == 3);
  CHECK(expected[2].values == Values{"multi\r\nline\nvalue", "\"", ""});
  CHECK(expected[2].line == 4);
  CHECK(expected[3].line == 8);
  CHECK(expected[3].text_after_closing_quote);
  CHECK(expected[3].values[0] == "a\rb");
  CHECK(expected[3].values[2] == "d\r");
  CHECK(expected[4].values == Values{"", "", ""});
  CHECK(expected[5].values == Values{"x\"\""});
  CHECK(expected[6].values == Values{"last"});
  CHECK(expected[6].line == 11);
  for (std::size_t chunk = 1; chunk <= 16; ++chunk) {
    INFO("chunk " << chunk);
    CHECK(read_all(content, tiny(chunk)) == expected);
  }
  CHECK(read_all(content, tiny(7, 40)) == expected);
}

namespace {

// `text` with each `~` replaced by the multibyte delimiter and each `^` by its near miss.
std::string with(const reading_test::MultibyteDelimiter& d, std::string text) {
  std::string out;
  for (char c : text) {
    if (c == '~') {
      out += d.delimiter;
    } else if (c == '^') {
      out += d.near_miss;
    } else {
      out += c;
    }
  }
  return out;
}

Values with(const reading_test::MultibyteDelimiter& d, const Values& texts) {
  Values out;
  for (const std::string& text : texts) out.push_back(with(d, text));
  return out;
}

}  // namespace

TEST_CASE("a multibyte delimiter (2, 3, 4 bytes) separates values", "[record_reader][multibyte]") {
  for (const auto& d : multibyte_delimiters()) {
    INFO("delimiter " << d.delimiter);
    const std::string first = with(d, "a~b~ c \t~\"q~r\"~~");
    const std::string content = first + "\n" + with(d, "x~y\r\n");
    const auto records = read_all(content, with_delimiter(d.delimiter));
    REQUIRE(records.size() == 2);
    CHECK(records[0].values == with(d, Values{"a", "b", "c", "q~r", "", ""}));
    CHECK(records[0].quoted == std::vector<bool>{false, false, false, true, false, false});
    CHECK(records[0].raw == first);
    CHECK(records[0].length == first.size());
    CHECK(records[0].end_offset == first.size() + 1);
    CHECK(records[1].values == Values{"x", "y"});
    CHECK(records[1].offset == first.size() + 1);
    CHECK(records[1].end_offset == content.size());
    CHECK(records[1].line == 2);
  }
}

TEST_CASE("a trailing multibyte delimiter means one more empty value",
          "[record_reader][multibyte]") {
  for (const auto& d : multibyte_delimiters()) {
    INFO("delimiter " << d.delimiter);
    const auto records =
        read_all(with(d, "a~b~\nc~\r\n~\n\"x\"~\nlast~"), with_delimiter(d.delimiter));
    REQUIRE(records.size() == 5);
    CHECK(records[0].values == Values{"a", "b", ""});
    CHECK(records[1].values == Values{"c", ""});
    CHECK(records[2].values == Values{"", ""});
    CHECK(records[3].values == Values{"x", ""});
    CHECK(records[4].values == Values{"last", ""});
  }
}

TEST_CASE("only the whole multibyte delimiter separates", "[record_reader][multibyte]") {
  for (const auto& d : multibyte_delimiters()) {
    INFO("delimiter " << d.delimiter);
    const auto records = read_all(with(d,
                                       "a^b~^~x\n"         // inside and at the start of values
                                       "\"q\"^~y\n"        // right after a closing quote
                                       "\"q\"z^b~y\n"      // in text after a closing quote
                                       "^\n"               // a whole record
                                       "a,b|c;d\tf~g\n"),  // single-byte delimiters are data
                                  with_delimiter(d.delimiter));
    REQUIRE(records.size() == 5);
    CHECK(records[0].values == with(d, Values{"a^b", "^", "x"}));
    CHECK_FALSE(records[0].text_after_closing_quote);
    CHECK(records[1].values == Values{"q", "y"});
    CHECK(records[1].text_after_closing_quote);
    CHECK(records[2].values == Values{"q", "y"});
    CHECK(records[2].text_after_closing_quote);
    CHECK(records[3].values == with(d, Values{"^"}));
    CHECK(records[4].values == Values{"a,b|c;d\tf", "g"});
  }
}

TEST_CASE("spaces and tabs around a multibyte delimiter are trimmed",
          "[record_reader][multibyte]") {
  for (const auto& d : multibyte_delimiters()) {
    INFO("delimiter " << d.delimiter);
    const auto records =
        read_all(with(d, " a \t~\tb c\t~ \"q\" \t~ \n"), with_delimiter(d.delimiter));
    REQUIRE(records.size() == 1);
    CHECK(records[0].values == Values{"a", "b c", "q", ""});
    CHECK(records[0].quoted == std::vector<bool>{false, false, true, false});
    CHECK_FALSE(records[0].text_after_closing_quote);
  }
}

TEST_CASE("a multibyte delimiter cut short by end of file is data", "[record_reader][multibyte]") {
  // Not valid UTF-8 (the file would be rejected first), but the reader must neither wait for
  // bytes that never come nor lose the ones it has.
  for (const auto& d : multibyte_delimiters()) {
    for (std::size_t cut = 1; cut < d.delimiter.size(); ++cut) {
      const std::string prefix = d.delimiter.substr(0, cut);
      for (std::size_t chunk : {1, 2, 3, 1 << 16}) {
        INFO("delimiter " << d.delimiter << ", " << cut << " bytes of it, chunk " << chunk);
        const auto options = tiny(chunk, std::size_t{1} << 20, d.delimiter);
        auto records = read_all(with(d, "a~b") + prefix, options);
        REQUIRE(records.size() == 1);
        CHECK(records[0].values == Values{"a", "b" + prefix});
        records = read_all(with(d, "a~") + prefix, options);
        REQUIRE(records.size() == 1);
        CHECK(records[0].values == Values{"a", prefix});
        records = read_all("\"q\"" + prefix, options);
        REQUIRE(records.size() == 1);
        CHECK(records[0].values == Values{"q"});
        CHECK(records[0].text_after_closing_quote);
      }
    }
  }
}

TEST_CASE("multibyte delimiters split anywhere by chunk boundaries give the same records",
          "[record_reader][multibyte]") {
  for (const auto& d : multibyte_delimiters()) {
    INFO("delimiter " << d.delimiter);
    const std::string content = with(d,
                                     "name~\"quoted~ with delim\"~tail\r\n"
                                     "\n"
                                     "  x  ~  \"y\"  ~\"esc\"\"aped\"\"\"\n"
                                     "\"multi\r\nline~\nvalue\"~\"\"\"\"~\r\n"
                                     "   \t  \n"
                                     "a^b~\"ab\"c~d^\r\n"
                                     "\"\"~~\n"
                                     "^~\"q\"^~z\n"
                                     "\"last\"~");
    const auto expected = read_all(content, with_delimiter(d.delimiter));
    REQUIRE(expected.size() == 7);
    CHECK(expected[0].values == with(d, Values{"name", "quoted~ with delim", "tail"}));
    CHECK(expected[1].values == Values{"x", "y", "esc\"aped\""});
    CHECK(expected[1].line == 3);
    CHECK(expected[2].values == with(d, Values{"multi\r\nline~\nvalue", "\"", ""}));
    CHECK(expected[2].line == 4);
    CHECK(expected[3].values == with(d, Values{"a^b", "ab", "d^"}));
    CHECK(expected[3].text_after_closing_quote);
    CHECK(expected[3].line == 8);
    CHECK(expected[4].values == Values{"", "", ""});
    CHECK(expected[5].values == with(d, Values{"^", "q", "z"}));
    CHECK(expected[5].text_after_closing_quote);
    CHECK(expected[6].values == Values{"last", ""});
    CHECK(expected[6].line == 11);
    for (std::size_t chunk = 1; chunk <= 16; ++chunk) {
      INFO("chunk " << chunk);
      CHECK(read_all(content, tiny(chunk, std::size_t{1} << 20, d.delimiter)) == expected);
    }
  }
}

TEST_CASE("a too-long record keeps track of multibyte delimiters while skipped",
          "[record_reader][multibyte]") {
  // The quoted value after a delimiter holds a line break: a skipped record whose delimiter
  // straddles a refill must still see that quote open, or it would end one line early.
  for (const auto& d : multibyte_delimiters()) {
    const std::string content = with(d, "longer than the limit~\"x\ny~z\"~w\nnext~v\n");
    for (std::size_t chunk = 1; chunk <= content.size(); ++chunk) {
      INFO("delimiter " << d.delimiter << ", chunk " << chunk);
      const auto records = read_all(content, tiny(chunk, 10, d.delimiter));
      REQUIRE(records.size() == 2);
      CHECK(records[0].too_long);
      CHECK(records[0].line == 1);
      CHECK(records[0].length == content.find("\nnext"));
      CHECK(records[0].end_offset == content.find("next"));
      CHECK(records[1].values == Values{"next", "v"});
      CHECK(records[1].line == 3);
    }
  }
}

TEST_CASE("reading can start mid-file at a given line", "[record_reader]") {
  const std::string content = "Fields: a,b\n\n1,2\n3,4\n";
  FixtureFile fixture(content);
  auto file = fixture.open();
  const auto records = read_all(*file, {}, 13, 3);
  REQUIRE(records.size() == 2);
  CHECK(records[0].line == 3);
  CHECK(records[0].offset == 13);
  CHECK(records[1].line == 4);
  CHECK(records[1].values == Values{"3", "4"});
}

TEST_CASE("position reports the bytes consumed", "[record_reader]") {
  FixtureFile fixture("a\n\nb\nc");
  auto file = fixture.open();
  person_import::RecordReader reader(*file, 0, 1, tiny(2));
  CHECK(reader.position() == 0);
  auto first = reader.next();
  REQUIRE(first.ok());
  REQUIRE(first->has_value());
  CHECK(reader.position() == 2);
  auto second = reader.next();
  REQUIRE(second.ok());
  REQUIRE(second->has_value());
  CHECK(reader.position() == 5);
  auto third = reader.next();
  REQUIRE(third.ok());
  REQUIRE(third->has_value());
  CHECK(reader.position() == 6);
}

TEST_CASE("values point at the record's bytes until the next call", "[record_reader]") {
  FixtureFile fixture("abc,\"d\"\"e\"\n");
  auto file = fixture.open();
  person_import::RecordReader reader(*file, 0, 1, {});
  auto next = reader.next();
  REQUIRE(next.ok());
  REQUIRE(next->has_value());
  const person_import::Record& record = **next;
  // Unescaped values are not views into raw; plain ones are.
  CHECK(record.values[0].text.data() == record.raw.data());
  CHECK(record.values[1].text == "d\"e");
}
