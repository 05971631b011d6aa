// What every command works with: the options that apply to all of them, the daemon's
// configuration they may read, the database they open and the company they name.
//
// The database, highest precedence first: --db (or PERSON_IMPORT_DB); the `database` of the
// daemon's configuration, when one applies; "person-import.db". The configuration: --config
// FILE (or PERSON_IMPORT_CONFIG; an empty value means none); otherwise
// /etc/person-import/person-import.toml when that file exists. So on a server an administrator
// reaches the daemon's database without repeating --db. A configuration named by --config or
// PERSON_IMPORT_CONFIG must be valid (config check), whatever the command.
//
// Opening follows the command (StoreAccess, store.h): only the commands that define things
// create a database (kCreate); every other one needs it to exist ("no database at PATH"), and
// reading commands fall back to read-only.
//
// The implicit /etc file, when --db names the database, may be unreadable (then skipped) or
// invalid (a warning on stderr, then ignored): a command that has its database must not fail
// on it (sshd's AuthorizedKeysCommand among them).
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "core/common/result.h"
#include "core/storage/store.h"
#include "daemon/config/daemon_options.h"

namespace person_import::cli {

inline constexpr int kExitSuccess = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// Where the daemon's configuration is looked for when none is named.
inline constexpr const char* kDefaultConfigPath = "/etc/person-import/person-import.toml";
inline constexpr const char* kDefaultDatabase = "person-import.db";

struct GlobalOptions {
  std::optional<std::string> database;  // --db DB (env PERSON_IMPORT_DB), when given
  std::string company = "default";      // --company KEY (env PERSON_IMPORT_COMPANY)
  std::optional<std::string> config;    // --config FILE (env PERSON_IMPORT_CONFIG), when given
};

// The configuration file that applies: `named` when given (none when it is empty), else
// `default_path` when it exists, else none.
std::optional<std::string> config_file_to_read(const std::optional<std::string>& named,
                                               const std::filesystem::path& default_path);

// The settings a command runs with, resolved once.
struct Settings {
  std::string database;
  std::optional<std::string> config_path;       // the file read, if any
  std::optional<daemon::DaemonOptions> daemon;  // its contents (--db applied)
};
// `default_config` is where the configuration is looked for when none is named (tests name
// another).
Result<Settings> resolve_settings(const GlobalOptions& global,
                                  const std::filesystem::path& default_config = kDefaultConfigPath);

// A store and, for commands about one company, that company.
struct Workspace {
  Settings settings;
  std::unique_ptr<Store> store;
  Company company;  // id 0 when the command names no company
};

enum class CompanyUse {
  kNone,      // the command is about no one company
  kExisting,  // it must exist: an unknown one is an error naming the closest known key
  kEnsure,    // created on first use (commands that define things)
};

// Resolves the settings, opens the store with `access`, finds the company as `use` says.
Result<Workspace> open_workspace(const GlobalOptions& global, StoreAccess access, CompanyUse use);
// The same with settings already resolved, for `company`.
Result<Workspace> open_workspace(Settings settings, const std::string& company, StoreAccess access,
                                 CompanyUse use);

// The company `key` in `store`. Errors: an invalid key; no such company: "no company "acmee"
// in DB; did you mean "acme"?" (or the companies there, or that there are none yet).
Result<Company> find_existing_company(Store& store, const std::string& key,
                                      const std::string& database);

// "person-import: MESSAGE" on stderr; kExitFailure.
int fail(const std::string& message);

}  // namespace person_import::cli
