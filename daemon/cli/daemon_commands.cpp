// The daemon's commands: `config check` and `daemon` (spec sections 8 and 10).
#include <iostream>

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

int run_daemon(const DaemonCommandOptions& command) {
  auto options = daemon::resolve_daemon_options(command.config_path, command.overrides);
  if (!options.ok()) {
    std::cerr << options.error().message << '\n';
    return kExitFailure;
  }
  return service::run_daemon(*options, {command.config_path, command.overrides});
}

}  // namespace person_import::cli
