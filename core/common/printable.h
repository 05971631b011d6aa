// Text that came from a client (file names, column names, field values), made safe to print on
// a terminal or in a log line: nothing in it can move the cursor, change colours, start a new
// line or reorder what follows.
//
// Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace person_import {

// `text` with every control character written as an escape: LF, CR and tab as `\n`, `\r`,
// `\t`; other C0 controls, DEL and bytes that are not valid UTF-8 as `\xNN` (ESC is `\x1b`);
// C1 controls (U+0080–U+009F) and the bidirectional overrides and isolates (U+202A–U+202E,
// U+2066–U+2069) as `\uNNNN`. Everything else, backslashes included, is kept as it is.
std::string printable(std::string_view text);

}  // namespace person_import
