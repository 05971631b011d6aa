// Writing result files whole: each is written beside its final name and renamed into place,
// so a reader (a person, or an SFTP client fetching from an outbox) never sees half a file.
#pragma once

#include <functional>
#include <ostream>
#include <string>

#include "core/common/result.h"
#include "core/reading/file_layout.h"
#include "core/reading/input_file.h"
#include "core/storage/records.h"

namespace person_import {

// Calls `write` with a stream onto `<dir>/.<name>.tmp-<pid>`, flushes and fsyncs it, then
// renames it to `path`. On any failure the temporary file is removed and `path` is untouched.
Status write_file_atomically(const std::string& path,
                             const std::function<Status(std::ostream&)>& write);

// Streams failed-row ranges into the callback, which returns false to stop.
using FailedRowSource = std::function<Status(const std::function<bool(const FailedRowRange&)>&)>;

// The failed-rows file (spec section 7): the source's header section and names row exactly as
// written, then each failed record exactly as written, each ending with a newline. Records are
// copied from `source` by offset in bounded chunks.
Status write_failed_rows(std::ostream& out, InputFile& source, const FileLayout& layout,
                         const FailedRowSource& failed_rows);

}  // namespace person_import
