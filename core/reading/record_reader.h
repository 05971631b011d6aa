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
//  - The delimiter is one character: one byte, or the 2 to 4 bytes of a UTF-8 code point (a
//    multibyte delimiter may straddle a chunk boundary). Only a whole match delimits: a lone
//    lead byte of it is data.
//  - A `"` inside an unquoted value is literal. Unquoted values are trimmed of surrounding
//    spaces and tabs, except that the delimiter itself is never trimmed (a tab delimiter keeps
//    tabs, a space delimiter keeps spaces as separators; a multibyte delimiter holds neither).
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
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.h"
#include "core/reading/input_file.h"

namespace person_import {

struct ReaderOptions {
  // One character: a single byte other than `"`, CR and LF, or the UTF-8 bytes of one code
  // point above U+007F (so none of its bytes is a space, tab, quote or line break).
  std::string delimiter = ",";
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

  // The physical line at position(): where reading would resume (import checkpoints).
  std::uint64_t next_line() const { return line_; }

 private:
  // Where the scanner stands inside the current record. Every state survives a buffer refill,
  // which is what lets records (and quoted values) span chunk boundaries.
  enum class State : unsigned char {
    kFieldStart,    // before a value: trimming, or deciding quoted vs unquoted
    kUnquoted,      // inside an unquoted value
    kQuoted,        // inside quotes
    kQuoteSeen,     // just after a `"` inside quotes: an escape or the closing quote
    kAfterQuote,    // after the closing quote, before the delimiter (spaces/tabs allowed)
    kTrailingText,  // text after a closing quote, up to the delimiter
  };
  enum class Scan : unsigned char { kRecord, kBlank, kEnd };
  // A value's position relative to the record's first byte.
  struct Span {
    std::uint64_t begin;
    std::uint64_t end;
    bool quoted;
    bool escaped;  // holds `""` pairs, so it must be unescaped into scratch_
  };

  void start_record();
  Result<Scan> scan_record();
  // The scanner, instantiated for a single-byte delimiter (the fast path) and for a
  // multibyte one.
  template <bool kMultibyte>
  Result<Scan> scan_record_with();
  // Whether the bytes at `p` (whose first byte equals the delimiter's first byte) are the
  // whole multibyte delimiter; kNeedMore when the buffer ends before that is known.
  enum class Match : unsigned char { kNo, kYes, kNeedMore };
  Match match_multibyte(const char* p, const char* end) const;
  // Advances `p` over a run of value bytes (unquoted, or text after a closing quote) and says
  // what stopped it: kContinue at the buffer's end or after stepping over a byte that only
  // looked like a multibyte delimiter's start; else a line break, the delimiter, or kNeedMore
  // when the buffer ends inside a possible multibyte delimiter (p stays on it).
  enum class RunEnd : unsigned char { kContinue, kNewline, kDelimiter, kNeedMore };
  template <bool kMultibyte>
  RunEnd scan_run(const char*& p, const char* end) const;
  Scan end_at_newline(std::size_t newline_index);
  Scan end_at_end_of_file();
  Status fill();
  Record build_record();
  std::uint64_t relative(std::size_t index) const {
    return buffer_file_offset_ + index - record_offset_;
  }
  // A multibyte delimiter's first byte is never a space or tab, so comparing it is enough.
  bool is_trimmed(char c) const { return (c == ' ' || c == '\t') && c != delimiter_lead_; }
  void push_value(std::uint64_t begin, std::uint64_t end, bool quoted, bool escaped);
  void push_unquoted(std::uint64_t begin, std::uint64_t end);
  void grow_spans();

  InputFile& file_;
  ReaderOptions options_;
  char delimiter_lead_ = ',';  // the delimiter's first (or only) byte

  // buffer_[begin_, end_) holds the current record's bytes read so far (or, while skipping a
  // too-long record, only the latest chunk, after the first bytes of a multibyte delimiter
  // that straddled the previous one); scan_ is the next byte to look at.
  std::unique_ptr<char[]> buffer_;
  std::size_t capacity_ = 0;
  std::size_t begin_ = 0;
  std::size_t scan_ = 0;
  std::size_t end_ = 0;
  std::uint64_t buffer_file_offset_ = 0;  // file offset of buffer_[0]
  std::uint64_t read_offset_ = 0;         // file offset of the next read
  std::uint64_t line_ = 1;                // physical line of buffer_[scan_]
  bool end_of_file_ = false;

  // The current record.
  State state_ = State::kFieldStart;
  std::uint64_t record_offset_ = 0;
  std::uint64_t record_line_ = 1;
  std::uint64_t record_length_ = 0;
  std::uint64_t record_end_offset_ = 0;
  bool blank_so_far_ = true;  // every byte so far is a space or tab (or a CR still in doubt)
  bool skipping_ = false;     // longer than the buffer allows: bytes are dropped, not kept
  char last_dropped_byte_ = 0;
  bool text_after_quote_ = false;
  bool unterminated_ = false;
  std::uint64_t value_begin_ = 0;
  std::uint64_t quoted_end_ = 0;
  std::uint64_t trailing_begin_ = 0;
  bool value_escaped_ = false;
  std::vector<Span> spans_;
  std::size_t span_count_ = 0;
  std::string scratch_;
};

}  // namespace person_import
