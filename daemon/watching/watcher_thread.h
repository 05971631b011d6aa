// Internal to the watcher: what both implementations share, the thread, its wake-up eventfd and
// the start/stop protocol of FolderWatcher. Each final class calls stop() in its destructor, so
// run() never outlives the members it uses.
#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "daemon/watching/folder_watcher.h"

namespace person_import::watching::detail {

// An owned file descriptor.
class FileDescriptor {
 public:
  FileDescriptor() = default;
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(FileDescriptor&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  FileDescriptor& operator=(FileDescriptor&& other) noexcept;
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor();
  int get() const { return fd_; }

 private:
  int fd_ = -1;
};

// A non-blocking eventfd, for WatcherThread's `wake`.
Result<FileDescriptor> make_wake_descriptor();

class WatcherThread : public FolderWatcher {
 public:
  Status start(Callback on_finished) final;
  void stop() final;

 protected:
  WatcherThread(const WatcherOptions& options, const Clock& clock, FileDescriptor wake);
  ~WatcherThread() override;

  // The first scan of the drop root, on the thread calling start() before the watcher thread
  // starts: once start() returns, every inbox there is watched.
  virtual void initial_scan() = 0;
  // The watcher thread's body: returns once stop_requested().
  virtual void run() = 0;

  bool stop_requested() const { return stop_.load(std::memory_order_acquire); }

  enum class Wake { kTimeout, kReadable, kStop };
  // Waits until `fd` (when not -1) is readable, `timeout` (none: no limit) passes or stop()
  // is called.
  Wake wait(int fd, std::optional<std::chrono::milliseconds> timeout);

  // Calls the callback for each upload in turn, until stop() is called.
  void report(const std::vector<FinishedUpload>& uploads);

  const WatcherOptions options_;
  const Clock& clock_;

 private:
  FileDescriptor wake_;
  Callback callback_;
  std::thread thread_;
  std::atomic<std::thread::id> watcher_thread_id_{};  // set by the watcher thread as it starts
  std::atomic<bool> stop_{false};
  bool started_ = false;
};

}  // namespace person_import::watching::detail
