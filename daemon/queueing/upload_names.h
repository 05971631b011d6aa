// How long an upload's name may be. Every name the daemon derives from it must fit in NAME_MAX
// (255 bytes): the queued file `<20 digits>-<name>` (upload_queue.h), the built-in SFTP
// server's temporary `.sftp-upload.<session>.<n>.<name>` (up to 42 bytes more), and the result
// files `<name>.failed.persons` and the like. A cap well under the longest of these keeps room
// for result names to come, and is one rule a client can be told.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace person_import::queueing {

inline constexpr std::size_t kMaxUploadNameBytes = 200;

// Why an upload may not be named `name` (nullopt: it may): longer than kMaxUploadNameBytes.
// The text is what a client is told, e.g. "name too long: 231 bytes; the daemon takes upload
// names of up to 200 bytes: upload it under a shorter name".
inline std::optional<std::string> upload_name_problem(std::string_view name) {
  if (name.size() <= kMaxUploadNameBytes) return std::nullopt;
  return "name too long: " + std::to_string(name.size()) +
         " bytes; the daemon takes upload names of up to " + std::to_string(kMaxUploadNameBytes) +
         " bytes: upload it under a shorter name";
}

}  // namespace person_import::queueing
