#include "core/common/text_file.h"
#include "core/common/system_error_text.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace person_import {

Result<std::string> read_text_file(const std::string& path) {
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (error) return make_error(path + ": cannot read: " + error.message());
  if (std::filesystem::is_directory(status)) {
    return make_error(path + ": cannot read: is a directory");
  }
  if (!std::filesystem::is_regular_file(status)) {
    return make_error(path + ": cannot read: not a regular file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(path + ": cannot read: " + system_error_text(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return make_error(path + ": cannot read: " + system_error_text(errno));
  return text.str();
}

}  // namespace person_import
