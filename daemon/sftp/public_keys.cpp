#include "daemon/sftp/public_keys.h"

#include <libssh/libssh.h>

namespace person_import::sftp {
namespace {

struct KeyDeleter {
  void operator()(ssh_key key) const { ssh_key_free(key); }
};
using KeyPointer = std::unique_ptr<ssh_key_struct, KeyDeleter>;

struct SplitLine {
  std::string type;
  std::string blob;
  std::string comment;
};

std::string trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return "";
  const auto last = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(first, last - first + 1));
}

Result<SplitLine> split_line(std::string_view line) {
  const std::string text = trim(line);
  SplitLine split;
  const auto first_space = text.find_first_of(" \t");
  if (first_space == std::string::npos) {
    return make_error("not an OpenSSH public key line (TYPE BASE64 [COMMENT])");
  }
  split.type = text.substr(0, first_space);
  const auto blob_start = text.find_first_not_of(" \t", first_space);
  const auto blob_end = text.find_first_of(" \t", blob_start);
  split.blob = text.substr(
      blob_start, blob_end == std::string::npos ? std::string::npos : blob_end - blob_start);
  if (blob_end != std::string::npos) split.comment = trim(text.substr(blob_end));
  return split;
}

Result<KeyPointer> import_key(const SplitLine& split) {
  const ssh_keytypes_e type = ssh_key_type_from_name(split.type.c_str());
  if (type == SSH_KEYTYPE_UNKNOWN) {
    // Options come first in authorized_keys lines: say so rather than "unknown type".
    if (split.type.find('=') != std::string::npos || split.type.find(',') != std::string::npos) {
      return make_error("key options (" + split.type.substr(0, 40) +
                        ") are not supported: give the bare key line");
    }
    return make_error("not an OpenSSH public key line: unknown key type \"" +
                      split.type.substr(0, 40) + "\"");
  }
  ssh_key key = nullptr;
  if (ssh_pki_import_pubkey_base64(split.blob.c_str(), type, &key) != SSH_OK || key == nullptr) {
    return make_error("not a valid " + split.type +
                      " public key (the base64 part does not decode)");
  }
  KeyPointer owned(key);
  // A blob of another type under this name ("ssh-rsa AAAAC3NzaC1lZDI1NTE5...") is refused.
  if (ssh_key_type(key) != type) {
    return make_error("the key is not of the type its line names (" + split.type + ")");
  }
  return owned;
}

}  // namespace

std::string fingerprint_of(const ssh_key_struct* key) {
  unsigned char* hash = nullptr;
  size_t length = 0;
  if (ssh_get_publickey_hash(const_cast<ssh_key>(key), SSH_PUBLICKEY_HASH_SHA256, &hash, &length) !=
      SSH_OK) {
    return "";
  }
  char* text = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, length);
  ssh_clean_pubkey_hash(&hash);
  if (text == nullptr) return "";
  std::string fingerprint = text;
  ssh_string_free_char(text);
  return fingerprint;
}

Result<PublicKeyInfo> parse_public_key_line(std::string_view line) {
  PI_ASSIGN_OR_RETURN(auto split, split_line(line));
  PI_ASSIGN_OR_RETURN(auto key, import_key(split));
  PublicKeyInfo info;
  info.type = split.type;
  info.fingerprint = fingerprint_of(key.get());
  info.comment = split.comment;
  if (info.fingerprint.empty()) return make_error("cannot fingerprint the key");
  return info;
}

Result<std::vector<std::string>> parse_public_key_lines(std::string_view text) {
  std::vector<std::string> lines;
  std::size_t number = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    ++number;
    const std::string line = trim(text.substr(start, end - start));
    start = end + 1;
    if (line.empty() || line.front() == '#') continue;
    if (auto parsed = parse_public_key_line(line); !parsed.ok()) {
      return make_error("line " + std::to_string(number) + ": " + parsed.error().message);
    }
    lines.push_back(line);
  }
  return lines;
}

bool key_line_matches(std::string_view line, const ssh_key_struct* key) {
  auto split = split_line(line);
  if (!split.ok()) return false;
  auto imported = import_key(*split);
  if (!imported.ok()) return false;
  return ssh_key_cmp(imported->get(), const_cast<ssh_key>(key), SSH_KEY_CMP_PUBLIC) == 0;
}

}  // namespace person_import::sftp
