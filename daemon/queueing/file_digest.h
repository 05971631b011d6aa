// The size and SHA-256 of a queued file, recorded with its job and in its result manifest.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "core/common/result.h"

namespace person_import::queueing {

struct FileDigest {
  std::uint64_t bytes = 0;
  std::string sha256;  // 64 lower-case hex digits, as sha256sum prints it
};

// Reads the file in 1 MiB chunks through OpenSSL's EVP interface. Errors: cannot read it.
Result<FileDigest> digest_file(const std::filesystem::path& path);

}  // namespace person_import::queueing
