// The daemon's commands: `config check`, `daemon`, and the build's version.
#include <iostream>

#include "daemon/build_info.h"
#include "daemon/cli/commands.h"
#include "daemon/config/daemon_options.h"
#include "daemon/service/daemon_service.h"

namespace person_import::cli {

int config_check(const std::string& path) {
  auto options = daemon::load_daemon_options(path);
  if (!options.ok()) {
    std::cerr << options.error().message << '\n';
    return kExitFailure;
  }
  std::cerr << path << ": ok\n";
  std::cout << daemon::to_toml(*options);
  return kExitSuccess;
}

int run_daemon(const GlobalOptions& global, const daemon::DaemonOverrides& flags) {
  daemon::DaemonOverrides overrides = flags;
  overrides.database = global.database;  // --db (or PERSON_IMPORT_DB) only when given
  const auto config_path = config_file_to_read(global.config, kDefaultConfigPath);
  auto options = daemon::resolve_daemon_options(config_path, overrides);
  if (!options.ok()) return fail(options.error().message);
  return service::run_daemon(*options, {config_path, overrides});
}

std::string version_text() {
  return std::string("person-import ") + build_info::kVersion + " (commit " + build_info::kCommit +
         ")";
}

}  // namespace person_import::cli
