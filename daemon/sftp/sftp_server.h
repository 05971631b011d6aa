// The built-in SFTP server (spec section 10), on libssh: clients of a company upload `.persons`
// files into its inbox and fetch their result manifests from its outbox.
//
// - Authentication: public keys only (only "publickey" is advertised; password and
//   keyboard-interactive attempts are refused). The SSH user name is the company key; the key
//   must be one of the company's authorized keys, looked up through the AuthorizedKeySource at
//   every attempt (added and removed keys apply at once).
// - Confinement: a client sees its company folder as `/` with `inbox` and `outbox` only
//   (virtual_path.h for the rules, company_folder.h for how the disk is touched). Only the
//   "sftp" subsystem is served: shell, exec, pty, X11, agent and port forwarding requests and
//   channels other than one session channel are refused.
// - Uploads become visible to the watcher when the client closes them (written under a hidden
//   temporary, fsynced, renamed). A connection that ends first leaves nothing; temporaries left
//   by a previous run are removed at start.
// - Limits (SftpServerOptions): sessions in total and per company, login grace time for a
//   connection that has not authenticated, idle timeout for one that has, file size, auth
//   attempts per connection, connections not logged in per address (and in all: half of
//   max_sessions at most), an address allowlist, and bans of repeat offenders (defender.h).
// - Threads: one accept thread (which also enforces the timeouts) and one thread per session,
//   at most max_sessions; nothing is shared with the import workers, so uploads and imports
//   never wait for each other.
// - Logs (spdlog): connections, logins (company, address), refusals, finished uploads
//   (company, name, bytes), removals, renames, disconnections.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/common/address_range.h"
#include "core/common/result.h"
#include "daemon/sftp/authorized_keys.h"

namespace person_import::sftp {

struct SftpServerOptions {
  // "HOST:PORT" ("0.0.0.0:2222", "[::]:2222"). Required.
  std::string listen_address;
  // `<drop_root>/<company>/{inbox,outbox}` are what clients see. Required.
  std::filesystem::path drop_root;
  // The ed25519 host key, generated there (mode 0600) when missing. Required.
  std::filesystem::path host_key_path;
  // Connections at once (logged in or not, all companies together): each has a thread;
  // connections beyond are closed at once. Default 64.
  int max_sessions = 64;
  // Logged-in sessions of one company at once; a further login is refused. Default 4.
  int max_sessions_per_company = 4;
  // An authenticated session with no SFTP request for this long is closed. Default 10 minutes.
  std::chrono::milliseconds idle_timeout = std::chrono::minutes{10};
  // A connection not authenticated after this long is closed (and counts as an offense of its
  // address, defender.h). Default 10 seconds: a key exchange and a key login take well under
  // one.
  std::chrono::milliseconds login_grace_time = std::chrono::seconds{10};
  // Connections from one address that have not logged in yet, at once; one more is refused
  // (an offense). Whatever the addresses, connections not logged in never take more than half
  // of max_sessions: the rest is kept for sessions that have logged in. Default 8.
  int max_unauthenticated_per_address = 8;
  // When not empty, only connections from these ranges are served; others are refused before
  // the key exchange (an offense). Default: empty, every address.
  std::vector<AddressRange> allow_from;
  // A write past this size fails ("file too large") and the upload is discarded. Default 4 GiB.
  std::uint64_t max_file_size = std::uint64_t{4} << 30;
  // Refused authentication attempts (keys offered or signed, passwords) one connection may make
  // before it is closed. Default 6, as OpenSSH's MaxAuthTries.
  int max_auth_tries = 6;
  // `auth_failure_limit` offenses of one address (defender.h: failed logins, idle or refused
  // connections) within `auth_failure_window` ban that address for `auth_block_time`, each
  // later ban twice as long, up to 24 hours. Defaults 5, 1m, 60s.
  int auth_failure_limit = 5;
  std::chrono::milliseconds auth_failure_window = std::chrono::minutes{1};
  std::chrono::milliseconds auth_block_time = std::chrono::seconds{60};
};

// Checks the options: address HOST:PORT, paths set, every limit and duration positive, the
// per-company limit not above the total. Lists every problem, one a line.
Status validate(const SftpServerOptions& options);

class SftpServer {
 public:
  // Validates the options, removes stale upload temporaries, loads or creates the host key,
  // binds and starts accepting. An Error when the address cannot be bound (in use, not local,
  // privileged port) or the host key cannot be read or written.
  static Result<std::unique_ptr<SftpServer>> start(SftpServerOptions options,
                                                   std::unique_ptr<AuthorizedKeySource> keys);
  virtual ~SftpServer() = default;
  SftpServer(const SftpServer&) = delete;
  SftpServer& operator=(const SftpServer&) = delete;

  // Closes the listener, ends every session (their unfinished uploads are discarded) and joins
  // the threads. Idempotent; the destructor calls it.
  virtual void stop() = 0;
  // "SHA256:..." of the host key.
  virtual const std::string& host_key_fingerprint() const = 0;

 protected:
  SftpServer() = default;
};

}  // namespace person_import::sftp
