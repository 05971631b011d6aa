#include "core/reading/encoding_check.h"

#include <catch2/catch.hpp>

#include "reading_test_support.h"

using person_import::EncodingProblem;
using person_import::find_encoding_problem;
using reading_test::FixtureFile;

namespace {

std::optional<EncodingProblem> problem_in(const std::string& content,
                                          std::size_t chunk_bytes = std::size_t{1} << 20) {
  FixtureFile fixture(content);
  auto file = fixture.open();
  auto found = find_encoding_problem(*file, chunk_bytes);
  REQUIRE(found.ok());
  return *found;
}

// Checks `content` with every small chunk size and the default one; all must agree.
std::optional<EncodingProblem> problem_any_chunk(const std::string& content) {
  const auto expected = problem_in(content);
  for (std::size_t chunk = 1; chunk <= 9; ++chunk) {
    INFO("chunk " << chunk);
    const auto got = problem_in(content, chunk);
    REQUIRE(got.has_value() == expected.has_value());
    if (expected) {
      CHECK(got->line == expected->line);
      CHECK(got->byte_offset == expected->byte_offset);
      CHECK(got->kind == expected->kind);
    }
  }
  return expected;
}

}  // namespace

TEST_CASE("valid UTF-8 passes", "[encoding]") {
  CHECK_FALSE(problem_any_chunk(""));
  CHECK_FALSE(problem_any_chunk("person_id,mdn\n1,+13125550123\n"));
  // 2-, 3- and 4-byte sequences, the largest code point, U+FFFF, and one just below surrogates.
  CHECK_FALSE(
      problem_any_chunk("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF "
                        "\xEF\xBF\xBF \xED\x9F\xBF\n\xC2\x80"));
}

TEST_CASE("a UTF-8 BOM is valid", "[encoding]") {
  CHECK_FALSE(
      problem_any_chunk("\xEF\xBB\xBF"
                        "a,b\n"));
}

TEST_CASE("the check leaves the file position at end of file", "[encoding]") {
  FixtureFile fixture("a,b\n1,2\n");
  auto file = fixture.open();
  auto found = find_encoding_problem(*file);
  REQUIRE(found.ok());
  CHECK_FALSE(found->has_value());
  char byte;
  auto got = file->read(&byte, 1);
  REQUIRE(got.ok());
  CHECK(*got == 0);
}

TEST_CASE("the first bad byte is reported with its line and offset", "[encoding]") {
  // offset 0-based, BOM counted; line 1-based.
  const auto found = problem_any_chunk(
      "\xEF\xBB\xBF"
      "ab\ncd\n\xFF\n\xFE");
  REQUIRE(found);
  CHECK(found->byte_offset == 9);
  CHECK(found->line == 3);
}

TEST_CASE("invalid sequences are rejected at their first byte", "[encoding]") {
  struct Case {
    const char* name;
    std::string bytes;
  };
  const std::vector<Case> cases = {
      {"lone continuation byte", "\x80"},
      {"overlong 2-byte (C0)", "\xC0\x80"},
      {"overlong 2-byte (C1)", "\xC1\xBF"},
      {"overlong 3-byte", "\xE0\x80\x80"},
      {"overlong 3-byte (E0 9F)", "\xE0\x9F\xBF"},
      {"overlong 4-byte", "\xF0\x80\x80\x80"},
      {"overlong 4-byte (F0 8F)", "\xF0\x8F\xBF\xBF"},
      {"high surrogate", "\xED\xA0\x80"},
      {"low surrogate", "\xED\xBF\xBF"},
      {"above U+10FFFF", "\xF4\x90\x80\x80"},
      {"F5 lead", "\xF5\x80\x80\x80"},
      {"FF byte", "\xFF"},
      {"lead without continuation", "\xC3(x"},
      {"3-byte cut short by ASCII", "\xE2\x82x"},
      {"4-byte cut short by ASCII", "\xF0\x9F\x98x"},
      {"truncated at end of file", "\xE2\x82"},
      {"truncated 4-byte at end of file", "\xF0\x9F\x98"},
      {"lone lead at end of file", "\xC3"},
      {"Latin-1 e acute", "\xE9t\xE9"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    const std::string content = "ok\n\xC3\xA9t\xC3\xA9\nab" + c.bytes + "\n";
    // Also without the final newline, so truncated sequences end the file.
    for (const std::string& variant : {content, content.substr(0, content.size() - 1)}) {
      const auto found = problem_any_chunk(variant);
      REQUIRE(found);
      CHECK(found->byte_offset == 11);
      CHECK(found->line == 3);
    }
  }
}

TEST_CASE("a NUL byte is rejected", "[encoding]") {
  const auto found =
      problem_any_chunk(std::string("a,b\n1,\0"
                                    "2\n",
                                    8));
  REQUIRE(found);
  CHECK(found->byte_offset == 6);
  CHECK(found->line == 2);
  CHECK(found->kind == EncodingProblem::Kind::kNul);
  const auto at_start = problem_any_chunk(std::string("\0", 1));
  REQUIRE(at_start);
  CHECK(at_start->byte_offset == 0);
  CHECK(at_start->kind == EncodingProblem::Kind::kNul);
}

TEST_CASE("regression: NUL bytes are named as NUL, not as invalid UTF-8", "[encoding]") {
  const auto nul =
      problem_any_chunk(std::string("external_person_id\nc-\0"
                                    "1\n",
                                    24));
  REQUIRE(nul);
  CHECK(person_import::encoding_error(*nul).message ==
        "NUL byte at line 2, byte offset 21: a text file holds none (UTF-16 text without a "
        "byte-order mark, or not text at all?); save it as UTF-8 text");
  // Invalid UTF-8 is still named so.
  const auto latin1 = problem_any_chunk("caf\xE9\n");
  REQUIRE(latin1);
  CHECK(latin1->kind == EncodingProblem::Kind::kInvalidUtf8);
}

TEST_CASE("regression: UTF-16 and UTF-32 are named by their byte-order mark, with what to do",
          "[encoding]") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {std::string("\xFF\xFE"
                   "a\0",
                   4),
       "UTF-16 text (byte-order mark FF FE)"},
      {std::string("\xFE\xFF\0a", 4), "UTF-16 text (byte-order mark FE FF)"},
      {std::string("\xFF\xFE\0\0a\0\0\0", 8), "UTF-32 text (byte-order mark FF FE 00 00)"},
      {std::string("\0\0\xFE\xFF\0\0\0a", 8), "UTF-32 text (byte-order mark 00 00 FE FF)"},
  };
  for (const auto& [content, name] : cases) {
    INFO(name);
    const auto found = problem_any_chunk(content);
    REQUIRE(found);
    CHECK(person_import::encoding_error(*found).message ==
          name + " at line 1, byte offset 0: re-save the file as UTF-8");
  }
  // A byte-order mark only counts at the very start.
  const auto later = problem_any_chunk(std::string("a\n\xFF\xFE", 4));
  REQUIRE(later);
  CHECK(later->kind == EncodingProblem::Kind::kInvalidUtf8);
}

TEST_CASE("UTF-16 files are rejected", "[encoding]") {
  SECTION("little-endian BOM") {
    const auto found =
        problem_in(std::string("\xFF\xFE"
                               "a\0,\0b\0",
                               8));
    REQUIRE(found);
    CHECK(found->byte_offset == 0);
    CHECK(found->line == 1);
  }
  SECTION("big-endian BOM") {
    const auto found = problem_in(std::string("\xFE\xFF\0a\0,\0b", 8));
    REQUIRE(found);
    CHECK(found->byte_offset == 0);
  }
  SECTION("little-endian without BOM: the NUL bytes give it away") {
    const auto found = problem_in(std::string("a\0,\0b\0\n\0", 8));
    REQUIRE(found);
    CHECK(found->byte_offset == 1);
  }
  SECTION("UTF-32 little-endian BOM") {
    const auto found = problem_in(std::string("\xFF\xFE\0\0a\0\0\0", 8));
    REQUIRE(found);
    CHECK(found->byte_offset == 0);
  }
}

TEST_CASE("sequences split across chunk boundaries", "[encoding]") {
  // Every position of a valid 4-byte character relative to a 1 MiB chunk boundary.
  const std::size_t mib = std::size_t{1} << 20;
  const std::string emoji = "\xF0\x9F\x98\x80";
  for (std::size_t before = mib - 4; before <= mib; ++before) {
    INFO("before " << before);
    std::string content(before, 'a');
    content += emoji + "z\n";
    CHECK_FALSE(problem_in(content));
  }
  SECTION("a bad byte in a later chunk: lines of earlier chunks are counted") {
    std::string content;
    std::uint64_t lines = 1;
    while (content.size() < 2 * mib + 100) {
      content += "row,\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\n";
      ++lines;
    }
    const std::uint64_t offset = content.size() + 3;
    content += "abc\xED\xA0\x80\n";
    const auto found = problem_in(content);
    REQUIRE(found);
    CHECK(found->byte_offset == offset);
    CHECK(found->line == lines);
    const auto small = problem_in(content, 4093);
    REQUIRE(small);
    CHECK(small->byte_offset == offset);
    CHECK(small->line == lines);
  }
  SECTION("a sequence cut short right at a boundary") {
    // C3 is the last byte of the first chunk; the next chunk starts with ASCII.
    std::string content(mib - 1, 'a');
    content +=
        "\xC3"
        "b\n";
    const auto found = problem_in(content);
    REQUIRE(found);
    CHECK(found->byte_offset == mib - 1);
    CHECK(found->line == 1);
  }
  SECTION("a file ending in a truncated sequence exactly at a boundary") {
    std::string content(mib - 2, '\n');
    content += "\xE2\x82";
    const auto found = problem_in(content);
    REQUIRE(found);
    CHECK(found->byte_offset == mib - 2);
    CHECK(found->line == mib - 1);
  }
}

TEST_CASE("the encoding error names line and offset", "[encoding]") {
  const person_import::FileError error = person_import::encoding_error(EncodingProblem{3, 17});
  CHECK(error.kind == person_import::error_kinds::kUnknown8BitEncoding);
  CHECK(error.kind.class_name == "FileEngine::EncodingDetection::Unknown8BitEncodingDetected");
  CHECK(error.message == "invalid UTF-8 at line 3, byte offset 17");
}

TEST_CASE("an unreadable file is an error, not a clean result", "[encoding]") {
  // A directory opens with O_RDONLY but read() fails; InputFile refuses it up front.
  FixtureFile fixture("x");
  auto opened = person_import::InputFile::open(fixture.directory());
  CHECK_FALSE(opened.ok());
}
