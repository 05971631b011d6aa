#include "core/reading/file_layout.h"

#include <algorithm>
#include <string_view>
#include <unordered_set>
#include <utility>

#include "core/common/ascii.h"
#include "core/common/utf8.h"
#include "core/reading/record_reader.h"

namespace person_import {
namespace {

constexpr std::size_t kLineReadStep = std::size_t{8} * 1024;

struct Line {
  std::string text;  // without its terminator; only a prefix when too_long
  std::uint64_t end_offset = 0;
  bool too_long = false;
};

// Reads the physical line at `offset`, holding at most about `max_bytes` of it: a longer line
// comes back as a prefix marked too_long. nullopt at end of file.
Result<std::optional<Line>> read_line(InputFile& file, std::uint64_t offset,
                                      std::size_t max_bytes) {
  std::string bytes;
  for (;;) {
    const std::size_t old_size = bytes.size();
    bytes.resize(old_size + kLineReadStep);
    auto got = file.read_at(offset + old_size, bytes.data() + old_size, kLineReadStep);
    if (!got) return got.error();
    bytes.resize(old_size + *got);
    const std::size_t newline = bytes.find('\n', old_size);
    Line line;
    if (newline != std::string::npos) {
      std::size_t content = newline;
      if (content > 0 && bytes[content - 1] == '\r') --content;
      line.end_offset = offset + newline + 1;
      line.too_long = content > max_bytes;
      bytes.resize(content);
      line.text = std::move(bytes);
      return std::optional<Line>(std::move(line));
    }
    if (*got == 0) {
      if (bytes.empty()) return std::optional<Line>();
      line.end_offset = offset + bytes.size();
      line.too_long = bytes.size() > max_bytes;
      line.text = std::move(bytes);
      return std::optional<Line>(std::move(line));
    }
    // Room for the limit plus a CR: anything longer without a newline is too long already.
    if (bytes.size() > max_bytes + 1) {
      line.too_long = true;
      line.text = std::move(bytes);
      return std::optional<Line>(std::move(line));
    }
  }
}

bool is_space_or_tab(char c) { return c == ' ' || c == '\t'; }

bool is_blank(std::string_view text) {
  return std::all_of(text.begin(), text.end(), is_space_or_tab);
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space_or_tab(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space_or_tab(text.back())) text.remove_suffix(1);
  return text;
}

// Length of `Name` when the line has the `Name:` shape (letters and hyphens, then a colon),
// else 0.
std::size_t header_name_length(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && (ascii::is_letter(text[i]) || text[i] == '-')) ++i;
  return i > 0 && i < text.size() && text[i] == ':' ? i : 0;
}

std::string in_quotes(std::string_view text) { return "\"" + std::string(text) + "\""; }

// The delimiter written in `value` (already trimmed): the UTF-8 bytes of one code point, or a
// message saying what is wrong.
std::pair<std::string, std::string> parse_delimiter(std::string_view value) {
  if (value == "\\t" || ascii::to_lower(value) == "tab") return {"\t", {}};
  std::string_view character = value;
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    character = value.substr(1, value.size() - 2);
    // Inside quotes `\t` still means a tab: someone quoting it expects that, and as two
    // characters it could mean nothing else.
    if (character == "\\t") return {"\t", {}};
  }
  if (character.empty()) return {{}, "is empty"};
  // One character is one code point, of 1 to 4 bytes; bytes that are not UTF-8 (a lone
  // Latin-1 byte) are no character of a UTF-8 file.
  if (!utf8::is_valid(character)) return {{}, "is not a single character (not valid UTF-8)"};
  if (utf8::decode(character, 0).length != character.size()) {
    return {{}, "is not a single character"};
  }
  if (character == "\"") return {{}, "cannot be a double quote"};
  if (character == "\r" || character == "\n") return {{}, "cannot be a line break"};
  return {std::string(character), {}};
}

// Checks names for repeats and count; an error message or empty.
std::string check_names(const std::vector<std::string>& names, std::size_t max_columns) {
  if (names.size() > max_columns) {
    return "more than " + std::to_string(max_columns) + " columns (" +
           std::to_string(names.size()) + ")";
  }
  std::unordered_set<std::string_view> seen;
  seen.reserve(names.size());
  for (const std::string& name : names) {
    if (!seen.insert(name).second) return "repeated column name " + in_quotes(name);
  }
  return {};
}

LayoutOutcome reject(std::string message) {
  return LayoutOutcome{std::nullopt,
                       FileError{error_kinds::kInvalidImportFileFormat, std::move(message)}};
}

}  // namespace

LayoutOutcome read_layout(InputFile& file, const LayoutOptions& options) {
  FileLayout layout;
  {
    char start[3] = {};
    auto got = file.read_at(0, start, sizeof start);
    if (!got) return reject("cannot read the file: " + got.error().message);
    if (*got == 3 && start[0] == '\xEF' && start[1] == '\xBB' && start[2] == '\xBF') {
      layout.bom_bytes = 3;
    }
  }

  std::uint64_t offset = layout.bom_bytes;
  std::uint64_t line_number = 1;
  bool seen_fields = false;
  bool seen_delimiter = false;
  bool seen_multi_select_delimiter = false;
  for (;;) {
    auto read = read_line(file, offset, options.max_line_bytes);
    if (!read) return reject("cannot read the file: " + read.error().message);
    if (!read->has_value()) break;
    const Line& line = **read;
    if (!line.too_long && is_blank(line.text)) {
      // A blank first line means there is no header section; otherwise the blank line closes
      // the header section and belongs to it.
      if (layout.has_header_section) {
        offset = line.end_offset;
        ++line_number;
      }
      break;
    }
    const std::size_t name_length = header_name_length(line.text);
    if (name_length == 0) break;  // the body starts here
    const std::string where = " at line " + std::to_string(line_number);
    if (line.too_long) {
      return reject("header line" + where + " is longer than " +
                    std::to_string(options.max_line_bytes) + " bytes");
    }
    const std::string_view name = std::string_view(line.text).substr(0, name_length);
    const std::string_view value = trim(std::string_view(line.text).substr(name_length + 1));
    const std::string key = ascii::to_lower(name);
    bool* seen = nullptr;
    if (key == "fields") {
      seen = &seen_fields;
    } else if (key == "delimiter") {
      seen = &seen_delimiter;
    } else if (key == "multi-select-delimiter") {
      seen = &seen_multi_select_delimiter;
    } else {
      return reject("unknown header " + in_quotes(name) + where +
                    " (allowed: Fields, Delimiter, Multi-Select-Delimiter)");
    }
    if (*seen) return reject("repeated header " + in_quotes(name) + where);
    *seen = true;

    if (key == "fields") {
      if (value.empty()) return reject("empty Fields header" + where);
      // Fields is comma-separated whatever the body's delimiter is.
      std::string_view rest = value;
      for (;;) {
        const std::size_t comma = rest.find(',');
        const std::string_view piece = trim(rest.substr(0, comma));
        if (piece.empty()) {
          return reject("empty name in Fields header" + where + " (column " +
                        std::to_string(layout.column_names.size() + 1) + ")");
        }
        layout.column_names.emplace_back(piece);
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
      }
      if (auto problem = check_names(layout.column_names, options.max_columns); !problem.empty()) {
        return reject(problem + " in Fields header" + where);
      }
    } else {
      auto [delimiter, problem] = parse_delimiter(value);
      if (!problem.empty()) {
        // Bytes that are not UTF-8 are not echoed: the message ends up in UTF-8 reports.
        const std::string shown = utf8::is_valid(value) ? in_quotes(value) + " " : "";
        return reject(std::string(name) + " header" + where + ": delimiter " + shown + problem);
      }
      (key == "delimiter" ? layout.delimiter : layout.multi_select_delimiter) =
          std::move(delimiter);
    }
    layout.has_header_section = true;
    offset = line.end_offset;
    ++line_number;
  }
  layout.body_offset = offset;
  layout.body_line = line_number;

  if (!seen_fields) {
    ReaderOptions reader_options;
    reader_options.delimiter = layout.delimiter;
    reader_options.max_record_bytes = options.max_line_bytes;
    reader_options.chunk_bytes = std::size_t{64} * 1024;
    RecordReader reader(file, layout.body_offset, layout.body_line, reader_options);
    auto next = reader.next();
    if (!next) return reject("cannot read the file: " + next.error().message);
    if (!next->has_value()) {
      return reject("no column names: no Fields header and no field-names row");
    }
    const Record& names = **next;
    const std::string where = " at line " + std::to_string(names.line);
    if (names.too_long) {
      return reject("field-names row" + where + " is longer than " +
                    std::to_string(options.max_line_bytes) + " bytes");
    }
    if (names.unterminated_quote) {
      return reject("field-names row" + where + " has an unterminated quoted value");
    }
    if (names.text_after_closing_quote) {
      return reject("field-names row" + where + " has text after a closing quote");
    }
    if (names.values.size() > options.max_columns) {
      return reject("more than " + std::to_string(options.max_columns) + " columns (" +
                    std::to_string(names.values.size()) + ") in field-names row" + where);
    }
    layout.column_names.reserve(names.values.size());
    for (const RecordValue& value : names.values) layout.column_names.emplace_back(value.text);
    if (auto problem = check_names(layout.column_names, options.max_columns); !problem.empty()) {
      return reject(problem + " in field-names row" + where);
    }
    layout.has_names_row = true;
    const bool terminated = names.end_offset > names.offset + names.length;
    layout.body_offset = names.end_offset;
    layout.body_line =
        names.line +
        static_cast<std::uint64_t>(std::count(names.raw.begin(), names.raw.end(), '\n')) +
        (terminated ? 1 : 0);
  }
  return LayoutOutcome{std::move(layout), std::nullopt};
}

Result<StructureOutcome> check_structure(InputFile& file, const FileLayout& layout) {
  ReaderOptions reader_options;
  reader_options.delimiter = layout.delimiter;
  RecordReader reader(file, layout.body_offset, layout.body_line, reader_options);
  StructureOutcome outcome;
  for (;;) {
    auto next = reader.next();
    if (!next) return next.error();
    if (!next->has_value()) break;
    const Record& record = **next;
    if (record.unterminated_quote) {
      outcome.error =
          FileError{error_kinds::kInvalidImportFileFormat,
                    "unterminated quoted value starting at line " + std::to_string(record.line)};
      return outcome;
    }
    ++outcome.data_rows;
  }
  if (outcome.data_rows == 0) {
    outcome.error = FileError{error_kinds::kInvalidImportFileFormat, "no data rows"};
  }
  return outcome;
}

Result<bool> has_bare_cr_line_endings(InputFile& file) {
  constexpr std::size_t kLooked = std::size_t{64} * 1024;
  std::string start(kLooked, '\0');
  PI_ASSIGN_OR_RETURN(const std::size_t got, file.read_at(0, start.data(), start.size()));
  start.resize(got);
  return start.find('\r') != std::string::npos && start.find('\n') == std::string::npos;
}

}  // namespace person_import
