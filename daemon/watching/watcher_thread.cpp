#include "daemon/watching/watcher_thread.h"
#include "core/common/system_error_text.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <limits>
#include <system_error>

#include <spdlog/spdlog.h>

#include "daemon/watching/drop_folders.h"

namespace person_import::watching::detail {

FileDescriptor& FileDescriptor::operator=(FileDescriptor&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

FileDescriptor::~FileDescriptor() {
  if (fd_ >= 0) ::close(fd_);
}

WatcherThread::WatcherThread(const WatcherOptions& options, const Clock& clock, FileDescriptor wake)
    : options_(options), clock_(clock), wake_(std::move(wake)) {}

WatcherThread::~WatcherThread() {
  // The final class has stopped the thread; stopping here would be too late for run().
  assert(!thread_.joinable());
}

Result<FileDescriptor> make_wake_descriptor() {
  const int fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0)
    return make_error(std::string("cannot create an eventfd: ") + system_error_text(errno));
  return FileDescriptor(fd);
}

Status WatcherThread::start(Callback on_finished) {
  if (started_ || stop_requested()) {
    return make_error("the folder watcher was started or stopped before; it starts once");
  }
  if (!on_finished) return make_error("the folder watcher needs a callback");
  const auto root = is_directory(options_.drop_root, FollowSymlinks::kYes);
  if (!root.ok()) return root.error();
  if (!*root) {
    return make_error("drop root " + quote_for_log(options_.drop_root.string()) +
                      " is not a folder (create it, or set the drop root)");
  }
  const auto listing = list_directory(options_.drop_root);
  if (!listing.ok()) return listing.error();
  initial_scan();
  callback_ = std::move(on_finished);
  try {
    thread_ = std::thread([this] {
      watcher_thread_id_.store(std::this_thread::get_id(), std::memory_order_release);
      run();
    });
  } catch (const std::system_error& error) {
    return make_error(std::string("cannot start the folder watcher thread: ") + error.what());
  }
  started_ = true;
  spdlog::info("watching {} ({}, settle time {} ms{})", quote_for_log(options_.drop_root.string()),
               to_string(mode()), options_.settle_time.count(),
               mode() == WatchMode::kPoll
                   ? ", every " + std::to_string(options_.poll_interval.count()) + " ms"
                   : std::string());
  return {};
}

void WatcherThread::stop() {
  stop_.store(true, std::memory_order_release);
  const std::uint64_t one = 1;
  // Nothing to do on failure: the eventfd counter cannot overflow from a handful of writes.
  [[maybe_unused]] const ssize_t written = ::write(wake_.get(), &one, sizeof one);
  // From inside the callback, only ask. The watcher thread knows itself by the id it stored,
  // not by thread_: start() may still be assigning thread_ when the first callback runs (a data
  // race ThreadSanitizer found).
  if (watcher_thread_id_.load(std::memory_order_acquire) == std::this_thread::get_id()) return;
  if (!thread_.joinable()) return;
  thread_.join();
}

WatcherThread::Wake WatcherThread::wait(int fd, std::optional<std::chrono::milliseconds> timeout) {
  if (stop_requested()) return Wake::kStop;
  pollfd descriptors[2] = {{wake_.get(), POLLIN, 0}, {fd, POLLIN, 0}};
  int timeout_ms = -1;
  if (timeout) {
    timeout_ms = static_cast<int>(std::clamp<std::chrono::milliseconds::rep>(
        timeout->count(), 0, std::numeric_limits<int>::max()));
  }
  const int ready = ::poll(descriptors, fd >= 0 ? 2 : 1, timeout_ms);
  if (ready < 0) {
    if (errno != EINTR) {
      spdlog::error("folder watcher: poll() failed: {}", system_error_text(errno));
      // Do not spin: behave as a timeout after a short pause.
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return stop_requested() ? Wake::kStop : Wake::kTimeout;
  }
  if (stop_requested() || (descriptors[0].revents & POLLIN) != 0) return Wake::kStop;
  if (fd >= 0 && (descriptors[1].revents & (POLLIN | POLLERR | POLLHUP)) != 0) {
    return Wake::kReadable;
  }
  return Wake::kTimeout;
}

void WatcherThread::report(const std::vector<FinishedUpload>& uploads) {
  for (const FinishedUpload& upload : uploads) {
    if (stop_requested()) return;
    spdlog::debug("finished upload: {} ({} bytes)", quote_for_log(upload.path.string()),
                  upload.size);
    callback_(upload);
  }
}

}  // namespace person_import::watching::detail
