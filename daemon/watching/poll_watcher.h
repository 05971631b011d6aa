// Internal to the watcher: the polling implementation.
#pragma once

#include <memory>

#include "daemon/watching/folder_watcher.h"

namespace person_import::watching::detail {

Result<std::unique_ptr<FolderWatcher>> make_poll_watcher(const WatcherOptions& options,
                                                         const Clock& clock);

}  // namespace person_import::watching::detail
