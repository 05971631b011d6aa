// Reading a small text file whole: a configuration file, a key file, a field definitions file.
// (Import files are never read whole: see core/reading/input_file.h.)
#pragma once

#include <string>

#include "core/common/result.h"

namespace person_import {

// The bytes of the regular file at `path`. Errors: "PATH: cannot read: REASON" (it does not
// exist, is a folder or not a regular file, permission denied, an I/O error).
Result<std::string> read_text_file(const std::string& path);

}  // namespace person_import
