// The text of an errno value, as std::strerror gives it, from any thread.
//
// Pure; thread-safe (std::strerror may share one buffer between threads).
#pragma once

#include <string>

namespace person_import {

// The system's message for `error` (an errno value), e.g. "No such file or directory"; for a
// value the system does not know, "Unknown error N".
std::string system_error_text(int error);

}  // namespace person_import
