#include "core/reading/encoding_check.h"

#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

namespace person_import {
namespace {

constexpr std::size_t kChunkBytes = std::size_t{1} << 20;
// The longest UTF-8 sequence minus one: the most a chunk can end with that is incomplete.
constexpr std::size_t kMaxCarry = 3;

bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// Sequence length announced by a lead byte; 1 for bytes that cannot lead (the validator
// rejects those anyway, so there is no point carrying them).
std::size_t announced_length(unsigned char c) {
  if (c >= 0xC0 && c <= 0xDF) return 2;
  if (c >= 0xE0 && c <= 0xEF) return 3;
  if (c >= 0xF0 && c <= 0xF7) return 4;
  return 1;
}

// Where to cut [data, data + size) so that no code point is split: the start of a trailing
// sequence that announces more bytes than are present, else `size`.
std::size_t complete_prefix(const unsigned char* data, std::size_t size) {
  const std::size_t lowest = size > kMaxCarry + 1 ? size - (kMaxCarry + 1) : 0;
  for (std::size_t i = size; i > lowest; --i) {
    const unsigned char c = data[i - 1];
    if (is_continuation(c)) continue;
    return (i - 1) + announced_length(c) > size ? i - 1 : size;
  }
  return size;
}

// Index of the first byte that starts an invalid sequence or is NUL, or `size`. Follows the
// well-formed table of the Unicode standard (table 3-7): it excludes overlong forms,
// surrogates and code points above U+10FFFF; a sequence cut short is invalid.
std::size_t first_bad_byte(const unsigned char* s, std::size_t size) {
  auto in = [](unsigned char c, unsigned char low, unsigned char high) {
    return c >= low && c <= high;
  };
  std::size_t i = 0;
  while (i < size) {
    const unsigned char c = s[i];
    if (c == 0) return i;
    if (c < 0x80) {
      ++i;
      continue;
    }
    unsigned char second_low = 0x80;
    unsigned char second_high = 0xBF;
    std::size_t length;
    if (in(c, 0xC2, 0xDF)) {
      length = 2;
    } else if (c == 0xE0) {
      length = 3;
      second_low = 0xA0;
    } else if (in(c, 0xE1, 0xEC) || in(c, 0xEE, 0xEF)) {
      length = 3;
    } else if (c == 0xED) {
      length = 3;
      second_high = 0x9F;
    } else if (c == 0xF0) {
      length = 4;
      second_low = 0x90;
    } else if (in(c, 0xF1, 0xF3)) {
      length = 4;
    } else if (c == 0xF4) {
      length = 4;
      second_high = 0x8F;
    } else {
      return i;
    }
    if (i + length > size || !in(s[i + 1], second_low, second_high)) return i;
    for (std::size_t k = 2; k < length; ++k) {
      if (!is_continuation(s[i + k])) return i;
    }
    i += length;
  }
  return size;
}

// Lines are only needed once a problem is found, so the prefix is re-read then instead of
// counting newlines on the (common) clean path.
Result<std::uint64_t> count_newlines(InputFile& file, std::uint64_t end, char* scratch,
                                     std::size_t scratch_size) {
  std::uint64_t count = 0;
  std::uint64_t offset = 0;
  while (offset < end) {
    const std::size_t want =
        static_cast<std::size_t>(std::min<std::uint64_t>(scratch_size, end - offset));
    auto got = file.read_at(offset, scratch, want);
    if (!got) return got.error();
    if (*got == 0) break;
    count += static_cast<std::uint64_t>(std::count(scratch, scratch + *got, '\n'));
    offset += *got;
  }
  return count;
}

// What the bad byte at `offset` of `file` is: a UTF-16 or UTF-32 byte-order mark when the file
// starts with one (`start` holds its first bytes), a NUL, or a sequence that is not UTF-8.
EncodingProblem::Kind kind_of(const unsigned char* start, std::size_t start_size,
                              std::uint64_t offset, unsigned char bad) {
  using Kind = EncodingProblem::Kind;
  auto starts_with = [&](std::initializer_list<unsigned char> bytes) {
    return start_size >= bytes.size() && std::equal(bytes.begin(), bytes.end(), start);
  };
  if (offset == 0) {
    if (starts_with({0xFF, 0xFE, 0x00, 0x00})) return Kind::kUtf32LittleEndian;
    if (starts_with({0x00, 0x00, 0xFE, 0xFF})) return Kind::kUtf32BigEndian;
    if (starts_with({0xFF, 0xFE})) return Kind::kUtf16LittleEndian;
    if (starts_with({0xFE, 0xFF})) return Kind::kUtf16BigEndian;
  }
  return bad == 0 ? Kind::kNul : Kind::kInvalidUtf8;
}

Result<std::optional<EncodingProblem>> report(InputFile& file, std::uint64_t bad_offset,
                                              const char* chunk, std::uint64_t chunk_offset,
                                              char* scratch, std::size_t scratch_size) {
  // Newlines inside the current chunk are counted from memory; only earlier ones are re-read.
  auto before = count_newlines(file, chunk_offset, scratch, scratch_size);
  if (!before) return before.error();
  const auto in_chunk_offset = static_cast<std::size_t>(bad_offset - chunk_offset);
  const auto in_chunk =
      static_cast<std::uint64_t>(std::count(chunk, chunk + in_chunk_offset, '\n'));
  // A byte-order mark is the file's first bytes, whatever the chunks' size.
  unsigned char start[4] = {};
  std::size_t start_size = 0;
  if (bad_offset == 0) {
    auto got = file.read_at(0, reinterpret_cast<char*>(start), sizeof start);
    if (!got) return got.error();
    start_size = *got;
  }
  const auto kind =
      kind_of(start, start_size, bad_offset, static_cast<unsigned char>(chunk[in_chunk_offset]));
  if (auto status = file.seek(file.size()); !status) return status.error();
  return std::optional<EncodingProblem>(EncodingProblem{*before + in_chunk + 1, bad_offset, kind});
}

}  // namespace

Result<std::optional<EncodingProblem>> find_encoding_problem(InputFile& file) {
  return find_encoding_problem(file, kChunkBytes);
}

Result<std::optional<EncodingProblem>> find_encoding_problem(InputFile& file,
                                                             std::size_t chunk_bytes) {
  if (auto status = file.seek(0); !status) return status.error();
  chunk_bytes = std::max<std::size_t>(chunk_bytes, 1);
  const std::size_t capacity = chunk_bytes + kMaxCarry;
  std::unique_ptr<char[]> buffer(new char[capacity]);
  auto* bytes = reinterpret_cast<const unsigned char*>(buffer.get());
  std::size_t carry = 0;
  std::uint64_t buffer_offset = 0;  // file offset of buffer[0]
  for (;;) {
    auto got = file.read(buffer.get() + carry, chunk_bytes);
    if (!got) return got.error();
    const std::size_t filled = carry + *got;
    // At end of file a carried tail can no longer be completed: it is a truncated sequence.
    const std::size_t cut = *got == 0 ? filled : complete_prefix(bytes, filled);
    if (cut == 0 && *got == 0) break;
    const bool clean =
        simdjson::validate_utf8(buffer.get(), cut) && std::memchr(buffer.get(), 0, cut) == nullptr;
    if (!clean) {
      const std::size_t bad = first_bad_byte(bytes, cut);
      if (bad < cut) {
        // The chunk buffer is still needed for the in-chunk count, so re-read the prefix
        // through a separate, smaller scratch buffer.
        constexpr std::size_t kScratch = std::size_t{64} * 1024;
        std::unique_ptr<char[]> scratch(new char[kScratch]);
        return report(file, buffer_offset + bad, buffer.get(), buffer_offset, scratch.get(),
                      kScratch);
      }
    }
    if (*got == 0) break;
    carry = filled - cut;
    std::memmove(buffer.get(), buffer.get() + cut, carry);
    buffer_offset += cut;
  }
  return std::optional<EncodingProblem>();
}

FileError encoding_error(const EncodingProblem& problem) {
  using Kind = EncodingProblem::Kind;
  const std::string where = " at line " + std::to_string(problem.line) + ", byte offset " +
                            std::to_string(problem.byte_offset);
  std::string message;
  switch (problem.kind) {
    case Kind::kInvalidUtf8:
      message = "invalid UTF-8" + where;
      break;
    case Kind::kNul:
      message = "NUL byte" + where +
                ": a text file holds none (UTF-16 text without a byte-order mark, or not text "
                "at all?); save it as UTF-8 text";
      break;
    case Kind::kUtf16LittleEndian:
      message = "UTF-16 text (byte-order mark FF FE)" + where + ": re-save the file as UTF-8";
      break;
    case Kind::kUtf16BigEndian:
      message = "UTF-16 text (byte-order mark FE FF)" + where + ": re-save the file as UTF-8";
      break;
    case Kind::kUtf32LittleEndian:
      message = "UTF-32 text (byte-order mark FF FE 00 00)" + where + ": re-save the file as UTF-8";
      break;
    case Kind::kUtf32BigEndian:
      message = "UTF-32 text (byte-order mark 00 00 FE FF)" + where + ": re-save the file as UTF-8";
      break;
  }
  return FileError{error_kinds::kUnknown8BitEncoding, std::move(message)};
}

}  // namespace person_import
