// The file's header section and column names (spec section 1 "Shape", "Headers"; section 2).
//
// `read_layout` reads the optional header section (`Name: value` lines up to the first blank
// line, or up to the first line not of that shape), applies the `Fields`, `Delimiter` and
// `Multi-Select-Delimiter` headers, and — when there is no `Fields` header — reads the column
// names from the body's first record. It rejects, as `PersonErrors::InvalidImportFileFormat`
// with a message saying which: an unknown or repeated header, an empty `Fields` or an empty
// name in it, a bad delimiter (empty, not one character, `"`, CR or LF), a repeated column
// name, more than `max_columns` columns, a header line or names row longer than 1 MiB, a
// names row with broken quoting, a file with no column names at all.
// It does not check for identifier columns or data rows (see check_structure).
//
// Decisions where the spec is silent: a header line must start with its name (no leading
// spaces) and have no space before the colon, else it is the first body line; a delimiter's
// "one character" is one Unicode code point, as the spec counts characters elsewhere, so
// `Delimiter: ¦` (2 bytes in UTF-8), `•` (3) or an emoji (4) is accepted, while two code points
// (`¦¦`, `ab`, `e` plus a combining accent) or bytes that are not valid UTF-8 are "not a single
// character"; inside quotes `\t` also means a tab (`Delimiter: "\t"`), as no two-character
// delimiter could be meant; a blank line over `max_line_bytes` does not close the header
// section but starts the body (whose reader skips it as blank).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/common/error_kinds.h"
#include "core/common/result.h"
#include "core/reading/input_file.h"

namespace person_import {

struct FileLayout {
  std::vector<std::string> column_names;  // in file order; an empty name is possible
  // Each one character: the UTF-8 bytes of one code point (1 to 4 bytes).
  std::string delimiter = ",";
  std::string multi_select_delimiter = "|";
  bool has_header_section = false;
  bool has_names_row = false;     // names came from the body's first record
  std::uint64_t bom_bytes = 0;    // 3 when the file starts with a UTF-8 BOM, else 0
  std::uint64_t body_offset = 0;  // offset of the first data record (or of blank lines before it)
  std::uint64_t body_line = 1;    // physical line number at body_offset
};

struct LayoutOptions {
  std::size_t max_columns = 1000;
  std::size_t max_line_bytes = std::size_t{1} << 20;
};

// Reads the layout from the start of `file` (moves its position). The bytes
// [bom_bytes, body_offset) are the header section and names row exactly as written, which the
// failed-rows file repeats. Returns a FileError for a malformed file; a read failure is also
// returned as a FileError with kind kInvalidImportFileFormat.
struct LayoutOutcome {
  std::optional<FileLayout> layout;
  std::optional<FileError> error;
};
LayoutOutcome read_layout(InputFile& file, const LayoutOptions& options = {});

// Scans every body record from `layout.body_offset` to end of file and returns the file-level
// error, if any: an unterminated quoted value at end of file, or no data rows at all.
// Also returns the number of data records. Row-level problems (too long, text after quote,
// wrong value count) are not file errors and are left to the import.
struct StructureOutcome {
  std::uint64_t data_rows = 0;
  std::optional<FileError> error;
};
Result<StructureOutcome> check_structure(InputFile& file, const FileLayout& layout);

// Whether the file's lines end with a bare CR (old Mac line endings): its first 64 KiB hold a
// CR and no LF. A lone CR is data, so such a file reads as one line; the hint below says why
// it was rejected. Errors: the file could not be read.
Result<bool> has_bare_cr_line_endings(InputFile& file);
inline constexpr const char* kBareCrHint =
    " (the file's lines end with a bare CR, the old Mac line ending: save it with LF or CRLF "
    "line endings)";

}  // namespace person_import
