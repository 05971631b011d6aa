// Streaming RFC 4180-style record reader for the body of a `.persons` file (spec section 1).
//
// Reads records one at a time from an InputFile through a bounded buffer (about
// `chunk_bytes` plus one record of at most `max_record_bytes`), so memory stays flat however
// large the file. Rules:
//  - Records end at LF or CRLF outside quotes; a lone CR is data. The last record may lack
//    its terminator.
//  - A value may be enclosed in double quotes, optionally preceded and followed by spaces/tabs
//    that are trimmed (documented decision); inside quotes the delimiter and line breaks (kept
//    exactly as written) are literal and `""` is one `"`. Text other than spaces/tabs after a
//    closing quote makes the record `text_after_closing_quote`.
//  - A `"` inside an unquoted value is literal. Unquoted values are trimmed of surrounding
//    spaces and tabs, except that the delimiter itself is never trimmed (a tab delimiter keeps
//    tabs, a space delimiter keeps spaces as separators).
//  - A physical line of only spaces and tabs (outside quotes) is blank: skipped, never
//    returned, but counted in line numbers.
//  - A record longer than `max_record_bytes` (terminator excluded) is returned with
//    `too_long` set, no values and an empty `raw`; its bytes are skipped, not buffered.
//  - A quoted value still open at end of file ends the stream with `unterminated_quote` set on
//    the final record (the file must then be rejected by the caller).
// Not thread-safe. Borrows the InputFile, which must outlive the reader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.h"
#include "core/reading/input_file.h"

namespace person_import {

struct ReaderOptions {
  char delimiter = ',';
  // Longest record accepted, line terminator excluded (spec: 1 MiB).
  std::size_t max_record_bytes = std::size_t{1} << 20;
  // Bytes pulled from the file per read.
  std::size_t chunk_bytes = std::size_t{1} << 20;
};

struct RecordValue {
  std::string_view text;  // unescaped; trimmed when unquoted
  bool quoted = false;
};

// Valid until the next call to RecordReader::next().
struct Record {
  std::uint64_t line = 0;        // 1-based physical line where the record starts
  std::uint64_t offset = 0;      // byte offset in the file where the record starts
  std::uint64_t length = 0;      // bytes of the record, terminator excluded
  std::uint64_t end_offset = 0;  // byte offset just after the record's terminator (if any)
  std::string_view raw;          // the record's bytes exactly as written (empty if too_long)
  std::vector<RecordValue> values;
  bool too_long = false;
  bool text_after_closing_quote = false;
  bool unterminated_quote = false;
};

class RecordReader {
 public:
  // Starts reading `file` at byte `start_offset`, which is physical line `start_line`.
  RecordReader(InputFile& file, std::uint64_t start_offset, std::uint64_t start_line,
               ReaderOptions options);
  RecordReader(const RecordReader&) = delete;
  RecordReader& operator=(const RecordReader&) = delete;

  // The next non-blank record, or nullopt at end of file. Errors: a read failed.
  Result<std::optional<Record>> next();

  // Bytes of the file consumed so far (for progress reporting).
  std::uint64_t position() const;

 private:
  // Implementation-defined state (buffer, positions, scratch for unescaped values).
  InputFile& file_;
  ReaderOptions options_;
  std::string buffer_;
  std::size_t buffer_begin_ = 0;      // first unconsumed byte in buffer_
  std::uint64_t buffer_file_offset_ = 0;  // file offset of buffer_[0]
  std::uint64_t line_ = 1;
  bool end_of_file_ = false;
  std::string scratch_;
  Record record_;
};

}  // namespace person_import
