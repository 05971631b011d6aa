#include "daemon/service/daemon_service.h"

#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdlib>
#include <functional>
#include <map>
#include <sstream>

#include "core/common/clock.h"
#include "core/storage/store.h"
#include "daemon/outbox/manifests.h"
#include "daemon/queueing/upload_queue.h"
#include "daemon/service/fatal_signals.h"
#include "daemon/service/import_scheduler.h"
#include "daemon/service/logging.h"
#include "daemon/service/state_lock.h"
#include "daemon/service/systemd_notify.h"
#include "daemon/sftp/sftp_server.h"
#include "daemon/watching/folder_watcher.h"

namespace person_import::service {
namespace {

Result<dev_t> device_of(const std::filesystem::path& path) {
  struct stat status {};
  if (::stat(path.c_str(), &status) != 0) return make_error("cannot stat " + path.string());
  return status.st_dev;
}

// `key = value` lines of the effective configuration, by key.
std::map<std::string, std::string> config_values(const daemon::DaemonOptions& options) {
  std::map<std::string, std::string> values;
  std::istringstream lines(daemon::to_toml(options));
  std::string line;
  while (std::getline(lines, line)) {
    const auto equals = line.find(" = ");
    if (line.empty() || line.front() == '#' || equals == std::string::npos) continue;
    values[line.substr(0, equals)] = line.substr(equals + 3);
  }
  return values;
}

class Service {
 public:
  Service(daemon::DaemonOptions options, ConfigSource source)
      : options_(std::move(options)),
        source_(std::move(source)),
        drop_root_(options_.drop_root),
        queue_(daemon::effective_state_dir(options_)),
        signals_(io_, SIGTERM, SIGINT, SIGHUP) {}

  int run() {
    // Signals are caught from here on: one arriving during the start-up is handled once serving.
    if (auto started = start(); !started.ok()) {
      spdlog::error("cannot start: {}", started.error().message);
      return 1;
    }
    wait_for_signal();
    io_.run();
    return stop();
  }

 private:
  Status start() {
    std::error_code error;
    if (!std::filesystem::is_directory(drop_root_, error)) {
      return make_error("drop_root " + drop_root_.string() + " is not a directory");
    }
    const std::filesystem::path state_dir = daemon::effective_state_dir(options_);
    std::filesystem::create_directories(state_dir, error);
    if (error) return make_error("cannot create " + state_dir.string() + ": " + error.message());
    // Before anything else touches the state folder: its queue belongs to one daemon.
    PI_ASSIGN_OR_RETURN(state_lock_, StateDirectoryLock::acquire(state_dir));
    PI_ASSIGN_OR_RETURN(auto root_device, device_of(drop_root_));
    PI_ASSIGN_OR_RETURN(auto state_device, device_of(state_dir));
    if (root_device != state_device) {
      return make_error("state_dir " + state_dir.string() +
                        " is not on the drop root's filesystem (picking a file up is a rename)");
    }
    PI_ASSIGN_OR_RETURN(auto store, open_store(options_.database));
    PI_ASSIGN_OR_RETURN(auto companies, store->list_companies());
    for (const auto& company : companies) {
      PI_RETURN_IF_ERROR(create_company_folders(drop_root_, company.key));
      if (auto cleaned = outbox::clean_up_outbox(drop_root_ / company.key / "outbox");
          !cleaned.ok()) {
        spdlog::warn("{}", cleaned.error().message);
      }
    }
    store.reset();
    PI_RETURN_IF_ERROR(queue_.open());

    scheduler_ = std::make_unique<ImportScheduler>(
        options_.workers, options_.database, queue_,
        WorkerSettings{drop_root_, options_.batch_rows, options_.reconnect_delay,
                       options_.reconnect_max_delay, options_.progress_log_interval,
                       options_.manifest_max_row_errors});
    // What a previous run left in the queue goes first: each company's FIFO then holds its
    // older files before any new upload.
    PI_ASSIGN_OR_RETURN(auto queued, queue_.list());
    if (!queued.empty()) spdlog::info("{} file(s) left in the queue: continuing", queued.size());
    for (auto& file : queued) scheduler_->submit(std::move(file));

    watching::WatcherOptions watcher_options;
    watcher_options.drop_root = drop_root_;
    watcher_options.mode = options_.watch;
    watcher_options.poll_interval = options_.poll_interval;
    watcher_options.settle_time = options_.settle_time;
    PI_ASSIGN_OR_RETURN(watcher_, watching::make_folder_watcher(watcher_options, system_clock()));
    PI_RETURN_IF_ERROR(
        watcher_->start([this](const watching::FinishedUpload& upload) { pick_up(upload); }));
    // After the watcher, so that the first upload is seen; on its own threads, so that uploads
    // and imports never wait for each other. A failure to bind is a start-up error.
    if (options_.sftp_listen) {
      PI_ASSIGN_OR_RETURN(
          sftp_, sftp::SftpServer::start(sftp_options(),
                                         sftp::make_store_authorized_keys(options_.database)));
    }
    spdlog::info("serving {} ({} watch, {} worker(s), database {}, state {})", drop_root_.string(),
                 watching::to_string(watcher_->mode()), options_.workers,
                 describe_database(options_.database), state_dir.string());
    notify_systemd("READY=1");
    return {};
  }

  // On the watcher's thread: a rename, an fsync and a FIFO append, never an import.
  void pick_up(const watching::FinishedUpload& upload) {
    auto queued = queue_.take(upload.company, upload.path, upload.name, upload.seen_at);
    if (!queued.ok()) {
      spdlog::error("{}/{}: not picked up: {}", upload.company, upload.name,
                    queued.error().message);
      return;
    }
    spdlog::info("{}/{}: picked up ({} bytes), queued as {}", upload.company, upload.name,
                 upload.size, queued->path.filename().string());
    std::error_code ignored;
    std::filesystem::create_directories(drop_root_ / upload.company / "outbox", ignored);
    scheduler_->submit(std::move(queued).value());
  }

  void wait_for_signal() {
    signals_.async_wait([this](const boost::system::error_code& error, int signal) {
      if (error) return;
      if (signal == SIGHUP) {
        reload();
        wait_for_signal();
        return;
      }
      spdlog::info("{} received: stopping", signal == SIGTERM ? "SIGTERM" : "SIGINT");
      io_.stop();
    });
  }

  void reload() {
    auto reloaded = daemon::resolve_daemon_options(source_.config_path, source_.overrides);
    if (!reloaded.ok()) {
      spdlog::error("SIGHUP: configuration not reloaded, keeping the running one:\n{}",
                    reloaded.error().message);
      return;
    }
    const auto before = config_values(options_);
    const auto after = config_values(*reloaded);
    bool changed = false;
    for (const auto& [key, value] : after) {
      const auto old = before.find(key);
      std::string old_value = old == before.end() ? "(unset)" : old->second;
      if (old_value == value) continue;
      changed = true;
      // A PostgreSQL URL may hold a password: never logged.
      std::string new_value = value;
      if (key == "database") {
        old_value = describe_database(options_.database);
        new_value = describe_database(reloaded->database);
      }
      const bool live = key == "log_level" || key == "batch_rows" || key == "shutdown_timeout";
      if (live) {
        spdlog::info("SIGHUP: {} {} -> {} (applied)", key, old_value, new_value);
      } else {
        spdlog::warn("SIGHUP: {} {} -> {} (takes effect after a restart)", key, old_value,
                     new_value);
      }
    }
    if (!changed) spdlog::info("SIGHUP: configuration reloaded, nothing changed");
    options_.log_level = reloaded->log_level;
    options_.batch_rows = reloaded->batch_rows;
    options_.shutdown_timeout = reloaded->shutdown_timeout;
    set_log_level(options_.log_level);
    scheduler_->set_batch_rows(options_.batch_rows);
  }

  sftp::SftpServerOptions sftp_options() const {
    sftp::SftpServerOptions sftp;
    sftp.listen_address = options_.sftp_listen.value_or("");
    sftp.drop_root = drop_root_;
    sftp.host_key_path = daemon::effective_sftp_host_key(options_);
    sftp.max_sessions = options_.sftp_max_sessions;
    sftp.max_sessions_per_company = options_.sftp_max_sessions_per_company;
    sftp.idle_timeout = options_.sftp_idle_timeout;
    sftp.login_grace_time = options_.sftp_login_grace_time;
    sftp.max_file_size = options_.sftp_max_file_size;
    sftp.max_auth_tries = options_.sftp_max_auth_tries;
    sftp.auth_failure_limit = options_.sftp_auth_failure_limit;
    sftp.auth_failure_window = options_.sftp_auth_failure_window;
    sftp.auth_block_time = options_.sftp_auth_block_time;
    sftp.max_unauthenticated_per_address = options_.sftp_max_unauthenticated_per_address;
    for (const auto& range : options_.sftp_allow_from) {
      // Validated with the options: every range parses.
      if (auto parsed = AddressRange::parse(range); parsed.ok()) sftp.allow_from.push_back(*parsed);
    }
    return sftp;
  }

  int stop() {
    notify_systemd("STOPPING=1");
    // No new uploads first: the listener closes, sessions end, unfinished uploads are deleted.
    if (sftp_) sftp_->stop();
    watcher_->stop();
    scheduler_->request_stop();
    if (!scheduler_->wait_idle(options_.shutdown_timeout)) {
      spdlog::warn(
          "imports still running after shutdown_timeout ({}); exiting now: they resume from "
          "their last committed batch at the next start",
          daemon::format_duration(options_.shutdown_timeout));
      spdlog::shutdown();
      std::_Exit(0);
    }
    scheduler_.reset();
    spdlog::info("stopped");
    return 0;
  }

  daemon::DaemonOptions options_;
  const ConfigSource source_;
  const std::filesystem::path drop_root_;
  queueing::UploadQueue queue_;
  boost::asio::io_context io_;
  boost::asio::signal_set signals_;
  std::unique_ptr<ImportScheduler> scheduler_;
  std::unique_ptr<watching::FolderWatcher> watcher_;
  std::unique_ptr<sftp::SftpServer> sftp_;
  std::unique_ptr<StateDirectoryLock> state_lock_;  // held from the start to the exit
};

}  // namespace

Status create_company_folders(const std::filesystem::path& drop_root, const std::string& company) {
  for (const char* folder : {"inbox", "outbox"}) {
    std::error_code error;
    std::filesystem::create_directories(drop_root / company / folder, error);
    if (error) {
      return make_error("cannot create " + (drop_root / company / folder).string() + ": " +
                        error.message());
    }
  }
  return {};
}

int run_daemon(const daemon::DaemonOptions& options, const ConfigSource& source) {
  set_up_logging(options.log_level, options.log_format);
  const LogLineStyle style = log_line_style(options.log_format, is_journal_stream(STDERR_FILENO));
  report_bus_errors([style](std::chrono::system_clock::time_point time) {
    return format_log_line(style, daemon::LogLevel::kError, time,
                           std::string(kBusErrorMessage) +
                               "; interrupted imports resume from their last committed batch at "
                               "the next start");
  });
  Service service(options, source);
  return service.run();
}

}  // namespace person_import::service
