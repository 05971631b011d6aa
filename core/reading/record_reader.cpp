#include "core/reading/record_reader.h"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <utility>

namespace person_import {
namespace {

constexpr std::size_t kMaxDelimiterBytes = 4;

// What the scanner relies on: one byte that is no quote or line break, or up to four bytes of
// which none is ASCII (so none is a space, tab, quote or line break, and only a whole match
// can delimit). The layout parser checks it is one UTF-8 code point.
[[maybe_unused]] bool valid_delimiter(const std::string& delimiter) {
  if (delimiter.size() == 1) {
    const char c = delimiter.front();
    return c != '"' && c != '\r' && c != '\n';
  }
  return delimiter.size() >= 2 && delimiter.size() <= kMaxDelimiterBytes &&
         std::all_of(delimiter.begin(), delimiter.end(),
                     [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

}  // namespace

RecordReader::RecordReader(InputFile& file, std::uint64_t start_offset, std::uint64_t start_line,
                           ReaderOptions options)
    : file_(file),
      options_(std::move(options)),
      buffer_file_offset_(start_offset),
      read_offset_(start_offset),
      line_(start_line) {
  assert(valid_delimiter(options_.delimiter));
  if (options_.delimiter.empty()) options_.delimiter = ",";  // only when asserts are off
  delimiter_lead_ = options_.delimiter.front();
  options_.chunk_bytes = std::max<std::size_t>(options_.chunk_bytes, 1);
  // A record up to the limit, plus a CR that may turn out to be its terminator, plus one
  // chunk: switching to skip mode at refill time keeps the buffered part under that. In skip
  // mode a refill may keep the first bytes of a multibyte delimiter, hence the margin.
  capacity_ = options_.max_record_bytes + 1 + options_.chunk_bytes + options_.delimiter.size();
}

std::uint64_t RecordReader::position() const { return buffer_file_offset_ + scan_; }

Result<std::optional<Record>> RecordReader::next() {
  for (;;) {
    start_record();
    auto scanned = scan_record();
    if (!scanned) return scanned.error();
    switch (*scanned) {
      case Scan::kEnd:
        return std::optional<Record>();
      case Scan::kBlank:
        continue;
      case Scan::kRecord:
        return std::optional<Record>(build_record());
    }
  }
}

void RecordReader::start_record() {
  // A record always starts in buffered mode; a skipped record's successor begins inside the
  // chunk that held the skipped record's end.
  skipping_ = false;
  begin_ = scan_;
  record_offset_ = buffer_file_offset_ + scan_;
  record_line_ = line_;
  state_ = State::kFieldStart;
  blank_so_far_ = true;
  text_after_quote_ = false;
  unterminated_ = false;
  value_escaped_ = false;
  span_count_ = 0;
}

Status RecordReader::fill() {
  if (!buffer_) buffer_.reset(new char[capacity_]);
  const std::size_t kept = end_ - begin_;
  if (!skipping_ && kept > options_.max_record_bytes + 1) {
    // Too long whatever follows: from here on only quote state and line numbers matter.
    skipping_ = true;
    span_count_ = 0;
  }
  if (skipping_) {
    // Drops what was scanned; only the first bytes of a multibyte delimiter that straddles the
    // buffer's end are kept (scan_ < end_ only then).
    if (scan_ > 0) last_dropped_byte_ = buffer_[scan_ - 1];
    const std::size_t pending = end_ - scan_;
    std::memmove(buffer_.get(), buffer_.get() + scan_, pending);
    buffer_file_offset_ += scan_;
    begin_ = scan_ = 0;
    end_ = pending;
  } else if (begin_ > 0) {
    std::memmove(buffer_.get(), buffer_.get() + begin_, kept);
    buffer_file_offset_ += begin_;
    scan_ -= begin_;
    end_ = kept;
    begin_ = 0;
  }
  auto got = file_.read_at(read_offset_, buffer_.get() + end_,
                           std::min(options_.chunk_bytes, capacity_ - end_));
  if (!got) return got.error();
  if (*got == 0) end_of_file_ = true;
  end_ += *got;
  read_offset_ += *got;
  return Status::success();
}

inline void RecordReader::push_value(std::uint64_t begin, std::uint64_t end, bool quoted,
                                     bool escaped) {
  if (skipping_) return;
  // spans_ only grows, and is indexed rather than pushed to: this runs once per value.
  if (span_count_ == spans_.size()) [[unlikely]]
    grow_spans();
  spans_[span_count_++] = Span{begin, end, quoted, escaped};
}

void RecordReader::grow_spans() { spans_.resize(std::max<std::size_t>(16, 2 * spans_.size())); }

inline void RecordReader::push_unquoted(std::uint64_t begin, std::uint64_t end) {
  if (skipping_) return;
  const char* record = buffer_.get() + begin_;
  while (end > begin && is_trimmed(record[end - 1])) --end;
  push_value(begin, end, false, false);
}

Result<RecordReader::Scan> RecordReader::scan_record() {
  return options_.delimiter.size() == 1 ? scan_record_with<false>() : scan_record_with<true>();
}

RecordReader::Match RecordReader::match_multibyte(const char* p, const char* end) const {
  const std::size_t length = options_.delimiter.size();
  const auto available = static_cast<std::size_t>(end - p);
  const std::size_t compared = std::min(length, available);
  // The first byte is known to match.
  if (std::memcmp(p + 1, options_.delimiter.data() + 1, compared - 1) != 0) return Match::kNo;
  if (compared == length) return Match::kYes;
  // Cut short by the end of the buffer: at end of file the lead byte is plain data.
  return end_of_file_ ? Match::kNo : Match::kNeedMore;
}

template <bool kMultibyte>
RecordReader::RunEnd RecordReader::scan_run(const char*& p, const char* end) const {
  const char delimiter = delimiter_lead_;
  while (p < end && *p != delimiter && *p != '\n') ++p;
  if (p == end) return RunEnd::kContinue;
  if (*p == '\n') return RunEnd::kNewline;
  if constexpr (kMultibyte) {
    const Match match = match_multibyte(p, end);
    if (match == Match::kNeedMore) return RunEnd::kNeedMore;
    if (match == Match::kNo) {
      ++p;  // part of the run
      return RunEnd::kContinue;
    }
  }
  return RunEnd::kDelimiter;
}

template <bool kMultibyte>
Result<RecordReader::Scan> RecordReader::scan_record_with() {
  // For a single byte this is the plain scanner: every `if constexpr (kMultibyte)` block is
  // left out. For a multibyte delimiter a byte equal to its first byte is only a candidate,
  // settled by match_multibyte; that byte is never a space, tab, quote or line break.
  const char delimiter = delimiter_lead_;
  const std::size_t delimiter_length = kMultibyte ? options_.delimiter.size() : 1;
  for (;;) {
    if (scan_ == end_) {
      if (end_of_file_) return end_at_end_of_file();
      if (auto status = fill(); !status) return status.error();
      continue;
    }
    const char* const base = buffer_.get();
    const char* p = base + scan_;
    const char* const e = base + end_;
    // Set when a multibyte delimiter may straddle the end of the buffer: scanning stops at p
    // until the buffer holds more.
    bool need_more = false;
    while (p < e) {
      switch (state_) {
        case State::kFieldStart: {
          const char c = *p;
          if (c == delimiter) {
            if constexpr (kMultibyte) {
              const Match match = match_multibyte(p, e);
              if (match == Match::kNeedMore) {
                need_more = true;
                break;
              }
              if (match == Match::kNo) {
                // Another character with the same first byte: a value starts.
                blank_so_far_ = false;
                value_begin_ = relative(p - base);
                state_ = State::kUnquoted;
                ++p;
                break;
              }
            }
            push_value(relative(p - base), relative(p - base), false, false);
            if (c != ' ' && c != '\t') blank_so_far_ = false;
            p += delimiter_length;
          } else if (c == ' ' || c == '\t') {
            ++p;
          } else if (c == '"') {
            blank_so_far_ = false;
            value_begin_ = relative(p - base) + 1;
            value_escaped_ = false;
            state_ = State::kQuoted;
            ++p;
          } else if (c == '\n') {
            return end_at_newline(p - base);
          } else {
            // A CR may still be the first half of a CRLF ending a blank line; end_at_newline
            // settles that.
            if (c != '\r') blank_so_far_ = false;
            value_begin_ = relative(p - base);
            state_ = State::kUnquoted;
            ++p;
          }
          break;
        }
        case State::kUnquoted: {
          const RunEnd run_end = scan_run<kMultibyte>(p, e);
          if (run_end == RunEnd::kContinue) break;
          if (run_end == RunEnd::kNeedMore) {
            need_more = true;
            break;
          }
          if (run_end == RunEnd::kNewline) return end_at_newline(p - base);
          push_unquoted(value_begin_, relative(p - base));
          blank_so_far_ = false;
          state_ = State::kFieldStart;
          p += delimiter_length;
          break;
        }
        case State::kQuoted: {
          const auto* quote = static_cast<const char*>(std::memchr(p, '"', e - p));
          const char* stop = quote ? quote : e;
          line_ += static_cast<std::uint64_t>(std::count(p, stop, '\n'));
          if (quote) {
            state_ = State::kQuoteSeen;
            p = quote + 1;
          } else {
            p = e;
          }
          break;
        }
        case State::kQuoteSeen: {
          if (*p == '"') {
            value_escaped_ = true;
            state_ = State::kQuoted;
            ++p;
          } else {
            // The closing quote; this byte is looked at again as what follows it.
            quoted_end_ = relative(p - base) - 1;
            state_ = State::kAfterQuote;
          }
          break;
        }
        case State::kAfterQuote: {
          const char c = *p;
          if (c == delimiter) {
            if constexpr (kMultibyte) {
              const Match match = match_multibyte(p, e);
              if (match == Match::kNeedMore) {
                need_more = true;
                break;
              }
              if (match == Match::kNo) {
                // Another character with the same first byte: text after the quote.
                trailing_begin_ = relative(p - base);
                state_ = State::kTrailingText;
                ++p;
                break;
              }
            }
            push_value(value_begin_, quoted_end_, true, value_escaped_);
            state_ = State::kFieldStart;
            p += delimiter_length;
          } else if (c == ' ' || c == '\t') {
            ++p;
          } else if (c == '\n') {
            return end_at_newline(p - base);
          } else {
            // Possibly only the CR of a CRLF; end_at_newline tells.
            trailing_begin_ = relative(p - base);
            state_ = State::kTrailingText;
            ++p;
          }
          break;
        }
        case State::kTrailingText: {
          const RunEnd run_end = scan_run<kMultibyte>(p, e);
          if (run_end == RunEnd::kContinue) break;
          if (run_end == RunEnd::kNeedMore) {
            need_more = true;
            break;
          }
          if (run_end == RunEnd::kNewline) return end_at_newline(p - base);
          text_after_quote_ = true;
          push_value(value_begin_, quoted_end_, true, value_escaped_);
          state_ = State::kFieldStart;
          p += delimiter_length;
          break;
        }
      }
      if constexpr (kMultibyte) {
        if (need_more) break;
      }
    }
    scan_ = static_cast<std::size_t>(p - base);
    if (need_more) {
      // Keep the delimiter's first bytes (fill keeps [scan_, end_), in skip mode too) and read
      // on; at end of file match_multibyte answers kNo instead.
      if (auto status = fill(); !status) return status.error();
    }
  }
}

RecordReader::Scan RecordReader::end_at_newline(std::size_t newline_index) {
  const std::uint64_t newline = relative(newline_index);
  bool carriage_return = false;
  if (newline > 0) {
    const char before = newline_index > 0 ? buffer_[newline_index - 1] : last_dropped_byte_;
    carriage_return = before == '\r';
  }
  const std::uint64_t content_end = newline - (carriage_return ? 1 : 0);
  bool blank = false;
  switch (state_) {
    case State::kFieldStart:
      if (blank_so_far_) {
        blank = true;
      } else {
        push_value(content_end, content_end, false, false);
      }
      break;
    case State::kUnquoted:
      if (blank_so_far_ && value_begin_ == content_end) {
        blank = true;
      } else {
        push_unquoted(value_begin_, content_end);
      }
      break;
    case State::kTrailingText:
      if (trailing_begin_ < content_end) text_after_quote_ = true;
      push_value(value_begin_, quoted_end_, true, value_escaped_);
      break;
    case State::kAfterQuote:
      push_value(value_begin_, quoted_end_, true, value_escaped_);
      break;
    case State::kQuoted:
    case State::kQuoteSeen:
      assert(false && "a newline inside quotes never ends a record");
      break;
  }
  ++line_;
  scan_ = newline_index + 1;
  record_length_ = content_end;
  record_end_offset_ = record_offset_ + newline + 1;
  return blank ? Scan::kBlank : Scan::kRecord;
}

RecordReader::Scan RecordReader::end_at_end_of_file() {
  // Without a terminator nothing is in doubt: a final CR is data.
  const std::uint64_t end = relative(end_);
  switch (state_) {
    case State::kFieldStart:
      if (blank_so_far_) return Scan::kEnd;
      push_value(end, end, false, false);
      break;
    case State::kUnquoted:
      push_unquoted(value_begin_, end);
      break;
    case State::kQuoted:
      unterminated_ = true;
      push_value(value_begin_, end, true, value_escaped_);
      break;
    case State::kQuoteSeen:
      push_value(value_begin_, end - 1, true, value_escaped_);
      break;
    case State::kTrailingText:
      text_after_quote_ = true;
      push_value(value_begin_, quoted_end_, true, value_escaped_);
      break;
    case State::kAfterQuote:
      push_value(value_begin_, quoted_end_, true, value_escaped_);
      break;
  }
  record_length_ = end;
  record_end_offset_ = record_offset_ + end;
  return Scan::kRecord;
}

Record RecordReader::build_record() {
  Record record;
  record.line = record_line_;
  record.offset = record_offset_;
  record.length = record_length_;
  record.end_offset = record_end_offset_;
  record.text_after_closing_quote = text_after_quote_;
  record.unterminated_quote = unterminated_;
  record.too_long = skipping_ || record_length_ > options_.max_record_bytes;
  if (record.too_long) return record;

  const char* bytes = buffer_.get() + begin_;
  const auto length = static_cast<std::size_t>(record_length_);
  record.raw = std::string_view(bytes, length);
  // Unescaping never makes a value longer, so with the whole record's size reserved the
  // scratch never reallocates and earlier views into it stay valid.
  scratch_.clear();
  if (scratch_.capacity() < length) scratch_.reserve(length);
  record.values.resize(span_count_);
  for (std::size_t i = 0; i < span_count_; ++i) {
    const Span& span = spans_[i];
    RecordValue& value = record.values[i];
    value.quoted = span.quoted;
    const char* from = bytes + span.begin;
    const char* const to = bytes + span.end;
    if (!span.escaped) {
      value.text = std::string_view(from, static_cast<std::size_t>(to - from));
      continue;
    }
    const std::size_t start = scratch_.size();
    while (from < to) {
      const auto* quote = static_cast<const char*>(std::memchr(from, '"', to - from));
      if (!quote) {
        scratch_.append(from, to);
        break;
      }
      // Inside quotes every `"` is the first of a `""` pair; keep one, skip its twin.
      scratch_.append(from, quote + 1);
      from = quote + 1 < to ? quote + 2 : to;
    }
    value.text = std::string_view(scratch_.data() + start, scratch_.size() - start);
  }
  return record;
}

}  // namespace person_import
