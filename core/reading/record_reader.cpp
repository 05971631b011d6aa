#include "core/reading/record_reader.h"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace person_import {

RecordReader::RecordReader(InputFile& file, std::uint64_t start_offset, std::uint64_t start_line,
                           ReaderOptions options)
    : file_(file),
      options_(options),
      buffer_file_offset_(start_offset),
      read_offset_(start_offset),
      line_(start_line) {
  assert(options_.delimiter != '"' && options_.delimiter != '\r' && options_.delimiter != '\n');
  options_.chunk_bytes = std::max<std::size_t>(options_.chunk_bytes, 1);
  // A record up to the limit, plus a CR that may turn out to be its terminator, plus one
  // chunk: switching to skip mode at refill time keeps the buffered part under that.
  capacity_ = options_.max_record_bytes + 1 + options_.chunk_bytes;
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
    if (end_ > 0) last_dropped_byte_ = buffer_[end_ - 1];
    buffer_file_offset_ += end_;
    begin_ = scan_ = end_ = 0;
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
  const char delimiter = options_.delimiter;
  for (;;) {
    if (scan_ == end_) {
      if (end_of_file_) return end_at_end_of_file();
      if (auto status = fill(); !status) return status.error();
      continue;
    }
    const char* const base = buffer_.get();
    const char* p = base + scan_;
    const char* const e = base + end_;
    while (p < e) {
      switch (state_) {
        case State::kFieldStart: {
          const char c = *p;
          if (c == delimiter) {
            push_value(relative(p - base), relative(p - base), false, false);
            if (c != ' ' && c != '\t') blank_so_far_ = false;
            ++p;
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
          while (p < e && *p != delimiter && *p != '\n') ++p;
          if (p == e) break;
          if (*p == '\n') return end_at_newline(p - base);
          push_unquoted(value_begin_, relative(p - base));
          blank_so_far_ = false;
          state_ = State::kFieldStart;
          ++p;
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
            push_value(value_begin_, quoted_end_, true, value_escaped_);
            state_ = State::kFieldStart;
            ++p;
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
          while (p < e && *p != delimiter && *p != '\n') ++p;
          if (p == e) break;
          if (*p == '\n') return end_at_newline(p - base);
          text_after_quote_ = true;
          push_value(value_begin_, quoted_end_, true, value_escaped_);
          state_ = State::kFieldStart;
          ++p;
          break;
        }
      }
    }
    scan_ = static_cast<std::size_t>(p - base);
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
