// SSH public keys of companies, as OpenSSH `authorized_keys` lines ("TYPE BASE64 [COMMENT]"),
// parsed and fingerprinted with libssh. Used by `companies add --authorized-key`, `companies
// keys`, `companies remove-key` and by the SFTP server's authentication.
//
// Lines with options before the key type (`from="…" ssh-ed25519 …`) are refused: the built-in
// server would not honour them, and silently ignoring a restriction would widen access.
//
// Thread safety: the functions are reentrant (libssh's key functions are).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.h"

struct ssh_key_struct;

namespace person_import::sftp {

struct PublicKeyInfo {
  std::string type;         // "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", ...
  std::string fingerprint;  // "SHA256:" and the unpadded base64 digest, as ssh-keygen -l prints
  std::string comment;      // what follows the key, may be empty
};

// Checks one line with libssh (the base64 blob must decode to a key of the named type).
// The Error says what is wrong ("not an OpenSSH public key line", "options are not supported").
Result<PublicKeyInfo> parse_public_key_line(std::string_view line);

// The key lines of an authorized_keys-style text: blank lines and `#` comments skipped, CRs
// before line ends removed, each line checked by parse_public_key_line. The Error names the
// first bad line's number.
Result<std::vector<std::string>> parse_public_key_lines(std::string_view text);

// Whether `line` holds the same public key as `key` (comments do not matter). A line that
// does not parse matches nothing.
bool key_line_matches(std::string_view line, const ssh_key_struct* key);

// `key`'s "SHA256:..." fingerprint; empty when libssh cannot hash it.
std::string fingerprint_of(const ssh_key_struct* key);

}  // namespace person_import::sftp
