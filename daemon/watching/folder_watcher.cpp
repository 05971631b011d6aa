#include "daemon/watching/folder_watcher.h"

#include <spdlog/spdlog.h>

#include "daemon/watching/inotify_watcher.h"
#include "daemon/watching/poll_watcher.h"

namespace person_import::watching {

Result<std::unique_ptr<FolderWatcher>> make_folder_watcher(const WatcherOptions& options,
                                                           const Clock& clock) {
  if (options.drop_root.empty()) return make_error("the drop root is not set");
  if (options.poll_interval.count() <= 0) {
    return make_error("the poll interval must be positive (it is " +
                      std::to_string(options.poll_interval.count()) + " ms)");
  }
  if (options.settle_time.count() < 0) {
    return make_error("the settle time must not be negative (it is " +
                      std::to_string(options.settle_time.count()) + " ms)");
  }
  if (options.mode == WatchMode::kInotify) {
    auto watcher = detail::make_inotify_watcher(options, clock);
    if (watcher.ok()) return watcher;
    spdlog::warn("inotify is unavailable ({}); polling the drop folders every {} ms instead",
                 watcher.error().message, options.poll_interval.count());
  }
  return detail::make_poll_watcher(options, clock);
}

}  // namespace person_import::watching
