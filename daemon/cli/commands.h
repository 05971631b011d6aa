// The command line's commands (spec section 8). Each takes its parsed options and returns the
// process exit status; human-readable output goes to stderr, machine-readable to stdout, and
// anything a client named (file, column and field names, values) is made printable first.
// Exit statuses: 0 success, 1 failure, 2 usage error; `import` adds 3 (completed with row
// errors) and 4 (file rejected).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "daemon/cli/command_context.h"

namespace person_import::cli {

// ---- fields (fields_commands.cpp)
struct FieldsAddOptions {
  std::string name;
  std::string type;
  std::vector<std::string> options;
  std::optional<std::string> charset;
};
// Defines one field; the same definition again changes nothing and succeeds.
int fields_add(const GlobalOptions& global, const FieldsAddOptions& options);
// Defines every field of a JSON file, all or none; definitions already there are kept.
int fields_load(const GlobalOptions& global, const std::string& path);
int fields_list(const GlobalOptions& global, bool json);
// Removes a definition; refused while persons hold a value for it, unless `force` (which
// removes those values too).
int fields_remove(const GlobalOptions& global, const std::string& name, bool force);

// ---- import (import_command.cpp)
struct ImportCommandOptions {
  std::string path;
  bool dry_run = false;
  bool json = false;
  std::optional<std::string> report_path;
  std::optional<std::string> errors_path;
  std::optional<std::string> failed_path;
  std::optional<std::string> created_path;
};
int import_file(const GlobalOptions& global, const ImportCommandOptions& options);

// ---- persons (persons_commands.cpp)
struct PersonsGetOptions {
  std::optional<std::string> person_id;
  std::optional<std::string> person_key;
  std::optional<std::string> external_id;
  std::optional<std::string> mdn;
};
int persons_get(const GlobalOptions& global, const PersonsGetOptions& options);
int persons_export(const GlobalOptions& global, const std::string& format);

// ---- jobs (jobs_commands.cpp)
struct JobsListOptions {
  bool json = false;
  bool all_companies = false;
  std::optional<std::string> status;  // queued, running, interrupted, completed, rejected, failed
  std::optional<std::string> since;   // 30m, 24h, 7d, 2026-12-01, 2026-12-01T08:00:00Z
};
// The company's (or every company's) jobs, and the files the daemon has queued and not yet
// started, when its configuration is known (a job the daemon left running while it is not
// running is `interrupted`).
int jobs_list(const GlobalOptions& global, const JobsListOptions& options);
int jobs_show(const GlobalOptions& global, const std::string& job_id, bool json);

// ---- companies (companies_commands.cpp)
// With `drop_root` (--drop-root, env PERSON_IMPORT_DROP_ROOT, else the configuration's
// drop_root), also creates the company's drop folders `<drop_root>/<key>/inbox` and `outbox`
// (the drop root itself must exist).
int companies_add(const GlobalOptions& global, const std::string& key,
                  const std::vector<std::string>& authorized_key_files,
                  const std::optional<std::string>& drop_root);
int companies_list(const GlobalOptions& global, bool json);
// Removes the company and everything it holds from the database; refused while it has persons
// (unless `force`) or a running job. Its drop folder is left on disk.
int companies_remove(const GlobalOptions& global, const std::string& key, bool force);
// `companies authorized-keys KEY`: the company's stored OpenSSH key lines on stdout, one a line,
// each prefixed with the `restrict` option, for sshd's AuthorizedKeysCommand. Nothing (exit 0)
// when the company is unknown or KEY is no valid company key; exit 1 when the database cannot
// be read (it is never created here).
int companies_authorized_keys(const GlobalOptions& global, const std::string& key);
// `companies keys KEY`: one line per authorized key on stdout, "TYPE SHA256:… [COMMENT]".
int companies_keys(const GlobalOptions& global, const std::string& key);
// `companies remove-key KEY FINGERPRINT` ("SHA256:…" as `keys` prints it): exit 1 when the
// company has no such key. Takes effect at the SFTP server's next login.
int companies_remove_key(const GlobalOptions& global, const std::string& key,
                         const std::string& fingerprint);

// ---- the daemon (daemon_commands.cpp)
// `config check FILE`: "FILE: ok" on stderr and the effective values (a complete TOML file) on
// stdout, exit 0; or every problem on stderr, one a line, exit 1.
int config_check(const std::string& path);

// `daemon`: resolves and checks its options (the configuration as for every command, then the
// flags), then runs the service (daemon/service/) until SIGTERM or SIGINT: exit 0 after a
// clean stop, 1 when the options are invalid or it cannot start.
int run_daemon(const GlobalOptions& global, const daemon::DaemonOverrides& overrides);

// `version` and `--version`: "person-import VERSION (commit COMMIT)".
std::string version_text();

}  // namespace person_import::cli
