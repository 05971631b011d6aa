// Whole-file encoding check (spec section 1, "Encoding").
//
// A file must be valid UTF-8 with no NUL byte. The check streams the file in bounded chunks
// (memory flat in file size) and uses simdjson's validate_utf8 on each chunk, splitting chunks
// at code point boundaries; only when a chunk fails is it rescanned byte by byte to find the
// first bad sequence.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "core/common/error_kinds.h"
#include "core/common/result.h"
#include "core/reading/input_file.h"

namespace person_import {

struct EncodingProblem {
  enum class Kind {
    kInvalidUtf8,        // a byte sequence that is not UTF-8
    kNul,                // a NUL byte: no text file holds one
    kUtf16LittleEndian,  // the file starts with the UTF-16 byte-order mark FF FE
    kUtf16BigEndian,     // ... FE FF
    kUtf32LittleEndian,  // ... FF FE 00 00
    kUtf32BigEndian,     // ... 00 00 FE FF
  };
  std::uint64_t line;         // 1-based physical line (LF-terminated) of the first bad byte
  std::uint64_t byte_offset;  // 0-based offset in the file, BOM counted
  Kind kind = Kind::kInvalidUtf8;
};

// Scans `file` from its start to its end (leaves the position at end of file).
// Returns the first invalid UTF-8 sequence or NUL byte, or nullopt when the file is clean; a
// UTF-16 or UTF-32 byte-order mark at the start is named as such. A leading UTF-8 BOM is
// valid. Errors: the file could not be read.
Result<std::optional<EncodingProblem>> find_encoding_problem(InputFile& file);

// The same with a chosen chunk size (the default is 1 MiB); small chunks let tests put code
// points across chunk boundaries.
Result<std::optional<EncodingProblem>> find_encoding_problem(InputFile& file,
                                                             std::size_t chunk_bytes);

// The file-level error for `problem`: class
// FileEngine::EncodingDetection::Unknown8BitEncodingDetected, the message naming what was
// found, its line and offset, and what to do: `invalid UTF-8 at line L, byte offset B`,
// `NUL byte at line L, byte offset B: …`, `UTF-16 text (byte-order mark FF FE) at line 1, byte
// offset 0: re-save the file as UTF-8`.
FileError encoding_error(const EncodingProblem& problem);

}  // namespace person_import
