// The worker pool (spec section 10, "Order"): a Boost.Asio thread pool of `workers` threads.
// Each company has a FIFO of queued files and at most one of them in progress, so one company's
// files are imported one at a time in queue order while different companies proceed in
// parallel. After each file its company's next one is posted again (rather than run in a loop),
// so with fewer workers than busy companies they take turns file by file.
//
// Each pool thread makes its own ImportWorker (Store, carrier lookup) on first use; they are
// closed when the scheduler is destroyed. A worker that loses its database connection waits
// and reconnects within the file it is importing (import_worker.h), holding its company's turn.
// submit() never blocks on an import: the watcher's thread only appends to a FIFO.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <boost/asio/thread_pool.hpp>

#include "daemon/queueing/upload_queue.h"
#include "daemon/service/import_worker.h"

namespace person_import::service {

class ImportScheduler {
 public:
  ImportScheduler(int workers, std::string database, queueing::UploadQueue& queue,
                  WorkerSettings settings);
  // Stops (as request_stop) and joins the pool.
  ~ImportScheduler();
  ImportScheduler(const ImportScheduler&) = delete;
  ImportScheduler& operator=(const ImportScheduler&) = delete;

  // Appends a queued file to its company's FIFO. Thread-safe; ignored once stopping.
  void submit(queueing::QueuedFile file);

  // Used by files that start from now on.
  void set_batch_rows(std::size_t batch_rows);

  // No further file starts; running imports stop after their current batch (their jobs stay
  // running, to be resumed at the next start). Thread-safe.
  void request_stop();

  // Waits until no import runs, at most `timeout`. True when idle.
  bool wait_idle(std::chrono::milliseconds timeout);

 private:
  struct CompanyFiles {
    std::deque<queueing::QueuedFile> files;
    bool busy = false;  // a task for the company is posted or running
  };

  void run_next(const std::string& company);
  ImportWorker* worker_for_this_thread();

  const std::string database_;
  queueing::UploadQueue& queue_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> batch_rows_;
  WorkerSettings settings_;

  std::mutex mutex_;
  std::condition_variable idle_;
  std::map<std::string, CompanyFiles> companies_;
  int active_ = 0;  // companies with a task posted or running
  std::map<std::thread::id, std::unique_ptr<ImportWorker>> workers_;

  boost::asio::thread_pool pool_;  // last: joined first on destruction
};

}  // namespace person_import::service
