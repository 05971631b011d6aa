#include "daemon/sftp/host_key.h"
#include "core/common/system_error_text.h"

#include <fcntl.h>
#include <libssh/libssh.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "daemon/sftp/public_keys.h"

namespace person_import::sftp {
namespace {

struct KeyDeleter {
  void operator()(ssh_key key) const { ssh_key_free(key); }
};
using KeyPointer = std::unique_ptr<ssh_key_struct, KeyDeleter>;

std::string system_error(const std::string& what) { return what + ": " + system_error_text(errno); }

Status write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t wrote = ::write(fd, text.data() + done, text.size() - done);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) return make_error(system_error("write"));
    done += static_cast<std::size_t>(wrote);
  }
  return {};
}

Result<KeyPointer> generate(const std::filesystem::path& path) {
  ssh_key key = nullptr;
  if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &key) != SSH_OK || key == nullptr) {
    return make_error("cannot generate an ed25519 host key");
  }
  KeyPointer owned(key);
  char* base64 = nullptr;
  if (ssh_pki_export_privkey_base64(key, nullptr, nullptr, nullptr, &base64) != SSH_OK) {
    return make_error("cannot encode the host key");
  }
  std::string text = base64;
  ssh_string_free_char(base64);
  // Our own open() rather than libssh's file export: the mode is 0600 from the start (never
  // readable by others, whatever the umask) and the key appears whole, by a rename.
  const std::filesystem::path aside = path.string() + ".new";
  ::unlink(aside.c_str());
  const int fd = ::open(aside.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return make_error(system_error("cannot create " + aside.string()));
  Status written = write_all(fd, text);
  if (written.ok() && ::fsync(fd) != 0) written = make_error(system_error("fsync"));
  ::close(fd);
  if (written.ok() && ::rename(aside.c_str(), path.c_str()) != 0) {
    written = make_error(system_error("rename"));
  }
  if (!written.ok()) {
    ::unlink(aside.c_str());
    return make_error("cannot write the host key " + path.string() + ": " +
                      written.error().message);
  }
  return owned;
}

}  // namespace

Result<HostKey> load_or_create_host_key(const std::filesystem::path& path) {
  HostKey host_key;
  host_key.path = path;
  struct stat status {};
  KeyPointer key;
  if (::stat(path.c_str(), &status) == 0) {
    if ((status.st_mode & 077) != 0) {
      return make_error("host key " + path.string() +
                        " is readable by group or others: chmod 600 it");
    }
    ssh_key loaded = nullptr;
    if (ssh_pki_import_privkey_file(path.c_str(), nullptr, nullptr, nullptr, &loaded) != SSH_OK ||
        loaded == nullptr) {
      return make_error("host key " + path.string() + " is not an unencrypted private key");
    }
    key.reset(loaded);
  } else if (errno == ENOENT) {
    PI_ASSIGN_OR_RETURN(key, generate(path));
    host_key.generated = true;
  } else {
    return make_error(system_error("cannot stat host key " + path.string()));
  }
  host_key.fingerprint = fingerprint_of(key.get());
  return host_key;
}

}  // namespace person_import::sftp
