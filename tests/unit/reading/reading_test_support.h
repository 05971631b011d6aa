// Fixture files and record snapshots shared by the reading tests.
#pragma once

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "core/reading/input_file.h"
#include "core/reading/record_reader.h"

namespace reading_test {

// A file with the given bytes in a directory of its own, removed when the fixture goes away.
class FixtureFile {
 public:
  explicit FixtureFile(const std::string& content, const std::string& name = "test.persons") {
    static std::atomic<unsigned> counter{0};
    directory_ =
        std::filesystem::temp_directory_path() /
        ("reading_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter.fetch_add(1)));
    std::filesystem::create_directories(directory_);
    path_ = (directory_ / name).string();
    std::ofstream out(path_, std::ios::binary);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    REQUIRE(out.good());
  }
  ~FixtureFile() {
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
  }
  FixtureFile(const FixtureFile&) = delete;
  FixtureFile& operator=(const FixtureFile&) = delete;

  const std::string& path() const { return path_; }
  std::string directory() const { return directory_.string(); }

  std::unique_ptr<person_import::InputFile> open() const {
    auto opened = person_import::InputFile::open(path_);
    REQUIRE(opened.ok());
    return std::move(opened).value();
  }

 private:
  std::filesystem::path directory_;
  std::string path_;
};

// A Record copied out of the reader's buffer, so it outlives the next call to next().
struct Snapshot {
  std::uint64_t line = 0;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  std::uint64_t end_offset = 0;
  std::string raw;
  std::vector<std::string> values;
  std::vector<bool> quoted;
  bool too_long = false;
  bool text_after_closing_quote = false;
  bool unterminated_quote = false;

  bool operator==(const Snapshot&) const = default;
};

inline Snapshot snapshot(const person_import::Record& record) {
  Snapshot copy;
  copy.line = record.line;
  copy.offset = record.offset;
  copy.length = record.length;
  copy.end_offset = record.end_offset;
  copy.raw = std::string(record.raw);
  for (const auto& value : record.values) {
    copy.values.emplace_back(value.text);
    copy.quoted.push_back(value.quoted);
  }
  copy.too_long = record.too_long;
  copy.text_after_closing_quote = record.text_after_closing_quote;
  copy.unterminated_quote = record.unterminated_quote;
  return copy;
}

inline std::vector<Snapshot> read_all(person_import::InputFile& file,
                                      person_import::ReaderOptions options,
                                      std::uint64_t start_offset = 0,
                                      std::uint64_t start_line = 1) {
  person_import::RecordReader reader(file, start_offset, start_line, options);
  std::vector<Snapshot> records;
  for (;;) {
    auto next = reader.next();
    REQUIRE(next.ok());
    if (!next->has_value()) break;
    records.push_back(snapshot(**next));
  }
  // The end is sticky.
  auto again = reader.next();
  REQUIRE(again.ok());
  CHECK_FALSE(again->has_value());
  return records;
}

inline std::vector<Snapshot> read_all(const std::string& content,
                                      person_import::ReaderOptions options = {}) {
  FixtureFile fixture(content);
  auto file = fixture.open();
  return read_all(*file, options);
}

inline person_import::ReaderOptions with_delimiter(std::string delimiter) {
  person_import::ReaderOptions options;
  options.delimiter = std::move(delimiter);
  return options;
}

// One delimiter of each UTF-8 length above one byte, and a code point that shares all but its
// last byte with it (a reader matching too few bytes would split there).
struct MultibyteDelimiter {
  std::string delimiter;
  std::string near_miss;
};
inline const std::vector<MultibyteDelimiter>& multibyte_delimiters() {
  static const std::vector<MultibyteDelimiter> all = {
      {"\xC2\xA6", "\xC2\xA7"},                  // ¦ U+00A6, § U+00A7
      {"\xE2\x80\xA2", "\xE2\x80\xA3"},          // • U+2022, ‣ U+2023
      {"\xF0\x9F\x98\x80", "\xF0\x9F\x98\x81"},  // 😀 U+1F600, 😁 U+1F601
  };
  return all;
}

using Values = std::vector<std::string>;

}  // namespace reading_test

namespace Catch {
template <>
struct StringMaker<reading_test::Snapshot> {
  static std::string convert(const reading_test::Snapshot& s) {
    std::string out = "{line " + std::to_string(s.line) + ", offset " + std::to_string(s.offset) +
                      ", length " + std::to_string(s.length) + ", end " +
                      std::to_string(s.end_offset) + ", raw " +
                      StringMaker<std::string>::convert(s.raw) + ", values [";
    for (std::size_t i = 0; i < s.values.size(); ++i) {
      out += (i ? ", " : "") + StringMaker<std::string>::convert(s.values[i]) +
             (s.quoted[i] ? "(q)" : "");
    }
    out += "]";
    if (s.too_long) out += " too_long";
    if (s.text_after_closing_quote) out += " text_after_closing_quote";
    if (s.unterminated_quote) out += " unterminated_quote";
    return out + "}";
  }
};
}  // namespace Catch
