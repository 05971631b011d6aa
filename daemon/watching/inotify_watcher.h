// Internal to the watcher: the inotify implementation.
#pragma once

#include <memory>

#include "daemon/watching/folder_watcher.h"

namespace person_import::watching::detail {

// Fails when inotify cannot be initialised (too many instances, no kernel support).
Result<std::unique_ptr<FolderWatcher>> make_inotify_watcher(const WatcherOptions& options,
                                                            const Clock& clock);

}  // namespace person_import::watching::detail
