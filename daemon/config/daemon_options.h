// The daemon's configuration (spec section 10): what `person-import daemon` reads from its TOML
// file (`--config FILE`, documented in config/person-import.toml), what its command-line flags
// override, and the rules `person-import config check FILE` applies.
//
// Precedence, highest first: command-line flags (and PERSON_IMPORT_DB for the database), the
// file, the defaults below. Every key is optional except `drop_root` (which a flag may supply).
// A value written in the file must be valid even when a flag overrides it: the file is checked
// as `config check` would, whatever the command line says.
//
// The file holds top-level keys only (no tables), named like the fields below. Unknown keys,
// wrong types and values out of range are errors: a typo must not silently fall back to a
// default. Durations are written as an integer number of seconds (`settle_time = 2`) or as a
// string of digits followed by one unit, `ms`, `s`, `m` or `h` (`"500ms"`, `"2s"`, `"1m"`);
// every duration lies between 1ms and 24h. Relative paths are relative to the daemon's working
// directory, like the command line's `--db`.
//
// Nothing here throws: toml11's exceptions are caught at the boundary and become Errors.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.h"
#include "core/importing/import_options.h"
#include "daemon/watching/watch_mode.h"

namespace person_import::daemon {

using watching::WatchMode;

enum class LogLevel { kTrace, kDebug, kInfo, kWarn, kError };

enum class LogFormat {
  kText,  // "text": one line a message (timestamped, or with a priority prefix under journald)
  kJson,  // "json": one JSON object a line
};

// Limits of the values validate() accepts.
inline constexpr int kMinWorkers = 1;
inline constexpr int kMaxWorkers = 256;
inline constexpr std::size_t kMinBatchRows = 1;
inline constexpr std::size_t kMaxBatchRows = 1'000'000;
inline constexpr std::chrono::milliseconds kMinDuration{1};
inline constexpr std::chrono::milliseconds kMaxDuration = std::chrono::hours{24};
inline constexpr int kMaxSftpSessions = 1024;
inline constexpr int kMaxSftpAuthTries = 100;
inline constexpr int kMaxSftpAuthFailureLimit = 1000;
inline constexpr std::uint64_t kMaxSftpFileSize = std::uint64_t{1} << 40;  // 1 TiB
inline constexpr std::size_t kMaxManifestRowErrors = 1'000'000;

struct DaemonOptions {
  // The store every company's imports go to: a SQLite file path, as the command line's --db.
  // Default: "person-import.db" (in the working directory). Flag: --db (env PERSON_IMPORT_DB).
  std::string database = "person-import.db";

  // The drop root: one folder per company beneath it, `<drop_root>/<company>/inbox/` where
  // clients upload and `<drop_root>/<company>/outbox/` where results appear.
  // No default: required. Flag: --drop-root.
  std::string drop_root;

  // Daemon-owned storage (the durable queue of picked-up files, work in progress).
  // Default: `<drop_root>/.person-import` (unset here; see effective_state_dir()). A company
  // key never starts with '.', so the default never collides with a company folder, and SFTP
  // clients, confined to their company folder, never see it. Keep it on the drop root's
  // filesystem so that picking a file up is a rename.
  std::optional<std::string> state_dir;

  // Imports running at the same time, each for a different company (one company's files are
  // imported one at a time, in upload order). Default: 2; 1 to 256. Flag: --workers.
  int workers = 2;

  // How new uploads are noticed. Default: inotify.
  WatchMode watch = WatchMode::kInotify;

  // How often the inboxes are scanned when polling (watch = poll, or inotify unavailable).
  // Default: 2s.
  std::chrono::milliseconds poll_interval{std::chrono::seconds{2}};

  // An upload is finished when it was closed after writing or moved into the inbox, and then
  // left unchanged (size and modification time) for this long; a writer that reopens the file
  // restarts the wait. Default: 2s.
  std::chrono::milliseconds settle_time{std::chrono::seconds{2}};

  // On SIGTERM running imports stop once their current batch commits (a restart resumes them
  // from there); this bounds the wait, after which the daemon exits anyway and the unfinished
  // batch never commits. Default: 30s.
  std::chrono::milliseconds shutdown_timeout{std::chrono::seconds{30}};

  // When an import loses its database connection (a failure that may pass, Error::transient:
  // the server restarted, a connection was terminated), the worker drops its connection, waits,
  // reconnects and continues the file from its last committed batch. The first wait is
  // reconnect_delay; each failed attempt doubles it, up to reconnect_max_delay. SIGTERM ends the
  // wait (the file stays queued). The same waits pace the retries of a finished job's result
  // files when they cannot be written (a full disk). Defaults: 500ms and 30s; reconnect_delay
  // must not exceed reconnect_max_delay.
  std::chrono::milliseconds reconnect_delay{500};
  std::chrono::milliseconds reconnect_max_delay{std::chrono::seconds{30}};

  // Rows resolved and committed per transaction (ImportOptions::batch_rows); also the most
  // work redone after a crash. Default: 5000; 1 to 1,000,000.
  std::size_t batch_rows = ImportOptions{}.batch_rows;

  // The least severe messages logged (to stderr). Default: info.
  LogLevel log_level = LogLevel::kInfo;

  // How log lines look. Text lines start with a UTC ISO 8601 timestamp and the level, except
  // under journald (JOURNAL_STREAM names stderr), where each starts with its sd-daemon
  // priority prefix (`<3>` error, `<4>` warning, `<6>` info, `<7>` debug) and journald stamps
  // it. Default: text.
  LogFormat log_format = LogFormat::kText;

  // A running import logs its progress (rows done, rows per second, share of the file read)
  // this often, at the batch that passes it. Default: 30s.
  std::chrono::milliseconds progress_log_interval{std::chrono::seconds{30}};

  // The row errors a result manifest lists (the first ones, by row); the errors CSV beside it
  // has them all, and the manifest counts them by class and by (class, field).
  // Default: 100; 0 to 1,000,000.
  std::size_t manifest_max_row_errors = 100;

  // Where the built-in SFTP server listens, "HOST:PORT" ("[::]:2222" for IPv6).
  // Default: unset, no built-in server (uploads arrive through an external OpenSSH server or
  // are copied in locally). Flag: --sftp-listen.
  std::optional<std::string> sftp_listen;

  // The built-in SFTP server's ed25519 host key (an OpenSSH private key file), generated with
  // mode 0600 at the first start when missing and kept. Default: unset here, see
  // effective_sftp_host_key(): `<state_dir>/ssh_host_ed25519_key`.
  std::optional<std::string> sftp_host_key;

  // SFTP connections at once (logged in or not, all companies together); connections beyond
  // are closed at once. Default: 64; 1 to 1024.
  int sftp_max_sessions = 64;

  // Logged-in SFTP sessions of one company at once; a further login is refused.
  // Default: 4; 1 to 1024, at most sftp_max_sessions.
  int sftp_max_sessions_per_company = 4;

  // An SFTP session with no request for this long is closed. Default: 10m.
  std::chrono::milliseconds sftp_idle_timeout{std::chrono::minutes{10}};

  // An SFTP connection not logged in after this long is closed (an offense of its address, see
  // sftp_auth_failure_limit). Default: 10s.
  std::chrono::milliseconds sftp_login_grace_time{std::chrono::seconds{10}};

  // SFTP connections from one address that have not logged in yet, at once; one more is
  // refused (an offense). Connections not logged in never take more than half of
  // sftp_max_sessions, whatever their addresses. Default: 8; 1 to 1024.
  int sftp_max_unauthenticated_per_address = 8;

  // When not empty, the built-in SFTP server serves only these client addresses: a list of
  // CIDR ranges or single addresses (["10.0.0.0/8", "192.0.2.7", "2001:db8::/32"]); others are
  // refused before the key exchange (an offense). Default: empty, every address.
  std::vector<std::string> sftp_allow_from;

  // The largest file a client may upload, in bytes: a write past it fails ("file too large")
  // and the partial upload is discarded. Default: 4294967296 (4 GiB); 1 to 2^40 (1 TiB).
  std::uint64_t sftp_max_file_size = std::uint64_t{4} << 30;

  // Refused authentication attempts one connection may make before it is closed.
  // Default: 6 (as OpenSSH's MaxAuthTries); 1 to 100.
  int sftp_max_auth_tries = 6;

  // sftp_auth_failure_limit offenses of one address within sftp_auth_failure_window ban it for
  // sftp_auth_block_time, each later ban of that address twice as long, up to 24h; every ban is
  // logged at warning. Offenses: a connection that ends without logging in after a refused
  // attempt, one closed by sftp_login_grace_time, one refused by
  // sftp_max_unauthenticated_per_address or sftp_allow_from. Defaults: 5 (1 to 1000), 1m, 1m.
  int sftp_auth_failure_limit = 5;
  std::chrono::milliseconds sftp_auth_failure_window{std::chrono::minutes{1}};
  std::chrono::milliseconds sftp_auth_block_time{std::chrono::minutes{1}};

  bool operator==(const DaemonOptions&) const = default;
};

// Command-line flags of `person-import daemon`: each set one replaces the file's value.
struct DaemonOverrides {
  std::optional<std::string> database;     // --db (or PERSON_IMPORT_DB)
  std::optional<std::string> drop_root;    // --drop-root DIR
  std::optional<int> workers;              // --workers N
  std::optional<std::string> sftp_listen;  // --sftp-listen HOST:PORT
};

// Reads the TOML file at `path`, applies `overrides`, and validates the result. The Error lists
// every problem found, one a line, each starting with where it is (`FILE:LINE: key: …`, or the
// flag for an overridden value, `--workers: …`); a syntax error, the one problem reported
// then, is followed by toml11's excerpt of the offending lines.
Result<DaemonOptions> load_daemon_options(const std::string& path,
                                          const DaemonOverrides& overrides = {});

// What `person-import daemon` runs with: the file at `config_path` when given (as
// load_daemon_options), otherwise the defaults, with `overrides` applied and validated.
Result<DaemonOptions> resolve_daemon_options(const std::optional<std::string>& config_path,
                                             const DaemonOverrides& overrides);

// Sets every field `overrides` holds.
void apply_overrides(const DaemonOverrides& overrides, DaemonOptions& options);

// Checks the rules above: drop_root set, paths not empty, workers 1..256, batch_rows
// 1..1,000,000, durations 1ms..24h, reconnect_delay <= reconnect_max_delay, sftp_listen of the
// form HOST:PORT, the SFTP limits in their ranges (sftp_max_sessions_per_company at most
// sftp_max_sessions). The Error lists every broken rule, one a line (`key: …`).
Status validate(const DaemonOptions& options);

// `<drop_root>/.person-import` unless state_dir is set.
std::string effective_state_dir(const DaemonOptions& options);

// `<effective state_dir>/ssh_host_ed25519_key` unless sftp_host_key is set.
std::string effective_sftp_host_key(const DaemonOptions& options);

// "500ms", "2s", "1m" or "1h": an integer followed by one unit. An integer number of seconds is
// written as an integer in the file, not as a string.
Result<std::chrono::milliseconds> parse_duration(std::string_view text);
// The largest unit that is exact: 2000ms → "2s", 1500ms → "1500ms", 90s → "90s".
std::string format_duration(std::chrono::milliseconds duration);

// "HOST:PORT" with a non-empty host (an IPv6 address in brackets) and a port of 1..65535.
Status check_listen_address(std::string_view address);

std::string_view to_string(LogLevel level);
std::string_view to_string(LogFormat format);

// The options as a complete TOML file, every key with its effective value (state_dir and
// sftp_host_key resolved; sftp_listen, when unset, as a comment): what `config check` prints on
// stdout.
std::string to_toml(const DaemonOptions& options);

}  // namespace person_import::daemon
