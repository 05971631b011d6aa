// `person-import daemon` (spec section 10): the drop-folder service in the foreground.
//
// Start-up: checks the drop root (it must exist) and the state folder (created; it must be on
// the drop root's filesystem, as a pick-up is a rename), creates `<company>/inbox` and
// `<company>/outbox` for every company in the database, hands every file still in the durable
// queue to the workers (each company's in queue order: imported, resumed, or only given its
// manifests, see import_worker.h), then starts the watcher and tells systemd READY=1.
//
// Serving: each finished upload the watcher reports is moved into the queue (it leaves the
// inbox) and appended to its company's FIFO; the workers import it and write its manifests.
//
// Signals (boost::asio::signal_set):
// - SIGTERM, SIGINT: STOPPING=1; the watcher stops (uploads stay in their inboxes for the next
//   start); no further queued file starts; running imports stop after their current batch, their
//   jobs left running with their checkpoint (the next start resumes them). Returns 0 once they
//   have stopped, or after shutdown_timeout at the latest: a batch still running then is
//   abandoned (its transaction never commits) and the process exits 0 at once.
// - SIGHUP: reads the configuration again (the same file and flags). log_level, batch_rows and
//   shutdown_timeout apply at once; a change to any other key is logged as needing a restart.
//   An invalid file is logged and the running configuration kept.
//
// Logging: spdlog to stderr, one line per pick-up, import start and end (with counts) and error;
// colours only when stderr is a terminal.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "core/common/result.h"
#include "daemon/config/daemon_options.h"

namespace person_import::service {

// What SIGHUP reloads from.
struct ConfigSource {
  std::optional<std::string> config_path;
  daemon::DaemonOverrides overrides;
};

// Runs the service until SIGTERM or SIGINT; the process exit status (0 after a clean stop, 1
// when it could not start).
int run_daemon(const daemon::DaemonOptions& options, const ConfigSource& source);

// Creates `<drop_root>/<company>/inbox` and `<drop_root>/<company>/outbox` (what exists is
// kept). `companies add` uses it when a drop root is configured.
Status create_company_folders(const std::filesystem::path& drop_root, const std::string& company);

}  // namespace person_import::service
