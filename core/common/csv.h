// Writing CSV values (RFC 4180), shared by the errors CSV and the CSV export.
#pragma once

#include <ostream>
#include <string_view>

namespace person_import {

// Writes `value`, quoted (with `"` doubled) when it holds a comma, quote, CR or LF.
inline void write_csv_value(std::ostream& out, std::string_view value) {
  if (value.find_first_of(",\"\r\n") == std::string_view::npos) {
    out << value;
    return;
  }
  out << '"';
  for (char c : value) {
    if (c == '"') out << '"';
    out << c;
  }
  out << '"';
}

}  // namespace person_import
