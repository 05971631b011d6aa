// How the folder watcher notices uploads, and the names the configuration gives the modes
// (`watch = "inotify"` or `"poll"`).
//
// Pure; thread-safe.
#pragma once

#include <array>
#include <string_view>
#include <utility>

namespace person_import::watching {

enum class WatchMode {
  kInotify,  // "inotify": kernel events; falls back to kPoll when inotify_init fails
  kPoll,     // "poll": scans every poll_interval: for network filesystems (NFS, CIFS, FUSE)
};

inline constexpr std::array<std::pair<std::string_view, WatchMode>, 2> kWatchModeNames{{
    {"inotify", WatchMode::kInotify},
    {"poll", WatchMode::kPoll},
}};

constexpr std::string_view to_string(WatchMode mode) {
  for (const auto& [name, value] : kWatchModeNames) {
    if (value == mode) return name;
  }
  return "unknown";
}

}  // namespace person_import::watching
