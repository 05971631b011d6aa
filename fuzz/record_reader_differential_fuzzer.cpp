// The record reader (core/reading/record_reader.h) against a reference reader written here to
// be obviously correct rather than fast: the whole input in memory, one byte at a time, the
// rules of the reader's header comment read literally. On random inputs both must give the same
// records (offsets, lines, lengths, values, flags). The first byte picks the delimiter (single
// byte: ',', ';', '|') and the reader's buffer size, so records straddle refills.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/reading/input_file.h"
#include "core/reading/record_reader.h"
#include "fuzz/fuzz_input.h"

using namespace person_import;
using fuzzing::require;

namespace {

constexpr std::size_t kMaxRecordBytes = 64;

struct ReferenceValue {
  std::string text;
  bool quoted = false;
};

struct ReferenceRecord {
  std::uint64_t line = 0;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  std::uint64_t end_offset = 0;
  std::vector<ReferenceValue> values;
  bool too_long = false;
  bool text_after_closing_quote = false;
  bool unterminated_quote = false;
};

bool is_space(char c) { return c == ' ' || c == '\t'; }

class ReferenceReader {
 public:
  ReferenceReader(std::string_view input, char delimiter) : in_(input), delimiter_(delimiter) {}

  std::vector<ReferenceRecord> all() {
    std::vector<ReferenceRecord> records;
    while (position_ < in_.size()) {
      if (skip_blank_line()) continue;
      ReferenceRecord record = read_record();
      const bool last = record.unterminated_quote;
      records.push_back(std::move(record));
      if (last) break;
    }
    return records;
  }

 private:
  // At a line start: a line of only spaces and tabs (before its LF or CRLF, or the end) is
  // skipped and counted.
  bool skip_blank_line() {
    std::size_t p = position_;
    while (p < in_.size() && is_space(in_[p])) ++p;
    if (p == in_.size()) {
      position_ = p;
      return true;
    }
    if (in_[p] == '\n') {
      position_ = p + 1;
      ++line_;
      return true;
    }
    if (in_[p] == '\r' && p + 1 < in_.size() && in_[p + 1] == '\n') {
      position_ = p + 2;
      ++line_;
      return true;
    }
    return false;
  }

  // Whether a line terminator starts at `p`: LF, or CR followed by LF. Its length, or 0.
  std::size_t terminator_at(std::size_t p) const {
    if (p >= in_.size()) return 0;
    if (in_[p] == '\n') return 1;
    if (in_[p] == '\r' && p + 1 < in_.size() && in_[p + 1] == '\n') return 2;
    return 0;
  }

  ReferenceRecord read_record() {
    ReferenceRecord record;
    record.line = line_;
    record.offset = position_;
    std::size_t p = position_;
    std::size_t terminator = 0;
    while (true) {
      // A value: spaces and tabs, then quoted or unquoted.
      std::size_t start = p;
      while (p < in_.size() && is_space(in_[p])) ++p;
      ReferenceValue value;
      if (p < in_.size() && in_[p] == '"') {
        value.quoted = true;
        ++p;
        bool closed = false;
        while (p < in_.size()) {
          if (in_[p] == '"') {
            if (p + 1 < in_.size() && in_[p + 1] == '"') {
              value.text += '"';
              p += 2;
              continue;
            }
            ++p;
            closed = true;
            break;
          }
          if (in_[p] == '\n') ++line_;
          value.text += in_[p++];
        }
        if (!closed) {
          record.unterminated_quote = true;
          record.values.push_back(std::move(value));
          break;
        }
        while (p < in_.size() && is_space(in_[p])) ++p;
        if (p < in_.size() && in_[p] != delimiter_ && terminator_at(p) == 0) {
          record.text_after_closing_quote = true;
          while (p < in_.size() && in_[p] != delimiter_ && terminator_at(p) == 0) ++p;
        }
      } else {
        p = start;
        while (p < in_.size() && in_[p] != delimiter_ && terminator_at(p) == 0) ++p;
        std::string_view text = in_.substr(start, p - start);
        while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
        while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
        value.text = std::string(text);
      }
      record.values.push_back(std::move(value));
      if (p < in_.size() && in_[p] == delimiter_) {
        ++p;
        continue;
      }
      terminator = terminator_at(p);
      break;
    }
    record.length = p - record.offset;
    record.end_offset = p + terminator;
    if (terminator > 0) ++line_;
    position_ = record.end_offset;
    if (record.length > kMaxRecordBytes) {
      record.too_long = true;
      record.values.clear();
    }
    return record;
  }

  std::string_view in_;
  char delimiter_;
  std::size_t position_ = 0;
  std::uint64_t line_ = 1;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static constexpr char kDelimiters[] = {',', ';', '|'};
  const char delimiter = kDelimiters[data[0] % 3];
  const std::size_t chunk = std::size_t{1} + (data[0] >> 2);  // 1 to 64 bytes a read
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);

  fuzzing::MemoryFile memory(reinterpret_cast<const std::uint8_t*>(body.data()), body.size());
  auto file = InputFile::open(memory.path());
  require(file.ok(), "a memfd opens");
  ReaderOptions options;
  options.delimiter = std::string(1, delimiter);
  options.max_record_bytes = kMaxRecordBytes;
  options.chunk_bytes = chunk;
  RecordReader reader(**file, 0, 1, options);
  const std::vector<ReferenceRecord> expected = ReferenceReader(body, delimiter).all();

  std::size_t index = 0;
  while (true) {
    auto record = reader.next();
    require(record.ok(), "records read from a memfd");
    if (!record->has_value()) break;
    const Record& got = **record;
    require(index < expected.size(), "no more records than the reference");
    const ReferenceRecord& want = expected[index++];
    require(got.offset == want.offset, "same offset");
    require(got.line == want.line, "same line");
    require(got.too_long == want.too_long, "same too_long");
    require(got.unterminated_quote == want.unterminated_quote, "same unterminated_quote");
    if (got.unterminated_quote) break;
    require(got.end_offset == want.end_offset, "same end offset");
    require(got.length == want.length, "same length");
    if (got.too_long) continue;
    require(got.text_after_closing_quote == want.text_after_closing_quote,
            "same text_after_closing_quote");
    require(got.raw == body.substr(want.offset, want.length), "raw is the record's bytes");
    if (got.text_after_closing_quote) continue;
    require(got.values.size() == want.values.size(), "same number of values");
    for (std::size_t value = 0; value < got.values.size(); ++value) {
      require(got.values[value].text == want.values[value].text, "same value text");
      require(got.values[value].quoted == want.values[value].quoted, "same quoting");
    }
  }
  require(index == expected.size(), "no fewer records than the reference");
  return 0;
}
