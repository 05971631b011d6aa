// Company keys name a tenant everywhere: in the database, as the drop folder's name and as the
// SFTP user name. So they are restricted to what is safe in all three (a documented decision):
// 1–64 characters of lowercase ASCII letters, digits, `-` and `_`, starting with a letter or
// digit.
#pragma once

#include <string_view>

#include "core/common/ascii.h"
#include "core/common/result.h"

namespace person_import {

inline Status validate_company_key(std::string_view key) {
  auto fail = [&] {
    return make_error("invalid company key \"" + std::string(key) +
                      "\": use 1-64 lowercase letters, digits, '-' or '_', starting with a "
                      "letter or digit");
  };
  if (key.empty() || key.size() > 64) return fail();
  for (std::size_t index = 0; index < key.size(); ++index) {
    const char c = key[index];
    const bool alphanumeric = ascii::is_lower_alphanumeric(c);
    if (!alphanumeric && (index == 0 || (c != '-' && c != '_'))) return fail();
  }
  return {};
}

}  // namespace person_import
