// The SFTP server's host key: an ed25519 key in an OpenSSH private key file, generated on first
// start and kept, so that clients' known_hosts entries stay valid across restarts.
#pragma once

#include <filesystem>
#include <string>

#include "core/common/result.h"

namespace person_import::sftp {

struct HostKey {
  std::filesystem::path path;
  std::string fingerprint;  // "SHA256:..."
  bool generated = false;   // created by this call
};

// Loads the key at `path`, or, when no file is there, generates an ed25519 key and writes it
// with mode 0600 (created exclusively, written aside and renamed, so a crash never leaves half a
// key). The folder must exist. An existing file that is not a private key, or that group or
// others can read, is an Error: the daemon does not overwrite or use it.
Result<HostKey> load_or_create_host_key(const std::filesystem::path& path);

}  // namespace person_import::sftp
