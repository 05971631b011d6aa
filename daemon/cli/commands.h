// The command line's commands (spec section 8). Each takes its parsed options and returns the
// process exit status; human-readable output goes to stderr, machine-readable to stdout.
// Exit statuses: 0 success, 1 failure, 2 usage error; `import` adds 3 (completed with row
// errors) and 4 (file rejected).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "daemon/config/daemon_options.h"

namespace person_import::cli {

inline constexpr int kExitSuccess = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

struct GlobalOptions {
  std::string database = "person-import.db";  // env PERSON_IMPORT_DB
  std::string company = "default";            // env PERSON_IMPORT_COMPANY
};

struct FieldsAddOptions {
  std::string name;
  std::string type;
  std::vector<std::string> options;
  std::optional<std::string> charset;
};
int fields_add(const GlobalOptions& global, const FieldsAddOptions& options);
int fields_load(const GlobalOptions& global, const std::string& path);
int fields_list(const GlobalOptions& global, bool json);

struct ImportCommandOptions {
  std::string path;
  bool dry_run = false;
  bool json = false;
  std::optional<std::string> report_path;
  std::optional<std::string> errors_path;
  std::optional<std::string> failed_path;
};
int import_file(const GlobalOptions& global, const ImportCommandOptions& options);

struct PersonsGetOptions {
  std::optional<std::string> person_id;
  std::optional<std::string> person_key;
  std::optional<std::string> external_id;
  std::optional<std::string> mdn;
};
int persons_get(const GlobalOptions& global, const PersonsGetOptions& options);
int persons_export(const GlobalOptions& global, const std::string& format);

int jobs_list(const GlobalOptions& global, bool json);
int jobs_show(const GlobalOptions& global, const std::string& job_id, bool json);

// With `drop_root` (--drop-root, env PERSON_IMPORT_DROP_ROOT), also creates the company's drop
// folders `<drop_root>/<key>/inbox` and `outbox` (the drop root itself must exist).
int companies_add(const GlobalOptions& global, const std::string& key,
                  const std::vector<std::string>& authorized_key_files,
                  const std::optional<std::string>& drop_root = std::nullopt);

// `companies authorized-keys KEY`: the company's stored OpenSSH key lines on stdout, one a line,
// each prefixed with the `restrict` option, for sshd's AuthorizedKeysCommand. Nothing (exit 0)
// when the company is unknown or KEY is no valid company key; exit 1 when the database cannot
// be read (a SQLite file must already exist: it is never created here).
int companies_authorized_keys(const GlobalOptions& global, const std::string& key);
// `companies keys KEY`: one line per authorized key on stdout, "TYPE SHA256:… [COMMENT]".
// Exit 1 when the company does not exist.
int companies_keys(const GlobalOptions& global, const std::string& key);
// `companies remove-key KEY FINGERPRINT` ("SHA256:…" as `keys` prints it): exit 1 when the
// company has no such key. Takes effect at the SFTP server's next login.
int companies_remove_key(const GlobalOptions& global, const std::string& key,
                         const std::string& fingerprint);

// `config check FILE`: "FILE: ok" on stderr and the effective values (a complete TOML file) on
// stdout, exit 0; or every problem on stderr, one a line, exit 1.
int config_check(const std::string& path);

struct DaemonCommandOptions {
  std::optional<std::string> config_path;  // --config FILE
  daemon::DaemonOverrides overrides;       // --db, --drop-root, --workers, --sftp-listen
};
// `daemon`: resolves and checks its options, then runs the service (daemon/service/) until
// SIGTERM or SIGINT: exit 0 after a clean stop, 1 when the options are invalid or it cannot start.
int run_daemon(const DaemonCommandOptions& options);

}  // namespace person_import::cli
