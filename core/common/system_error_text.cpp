#include "core/common/system_error_text.h"

#include <cstring>

namespace person_import {

std::string system_error_text(int error) {
  char buffer[256];
  // _GNU_SOURCE (always on with g++ and clang++ on glibc) selects the GNU strerror_r, which
  // returns the message: either a static string or `buffer`.
  return ::strerror_r(error, buffer, sizeof buffer);
}

}  // namespace person_import
