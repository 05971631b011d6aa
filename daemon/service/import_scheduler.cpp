#include "daemon/service/import_scheduler.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

namespace person_import::service {

ImportScheduler::ImportScheduler(int workers, std::string database, queueing::UploadQueue& queue,
                                 WorkerSettings settings)
    : database_(std::move(database)),
      queue_(queue),
      batch_rows_(settings.batch_rows),
      settings_(std::move(settings)),
      pool_(static_cast<std::size_t>(workers)) {}

ImportScheduler::~ImportScheduler() {
  request_stop();
  pool_.join();
}

void ImportScheduler::submit(queueing::QueuedFile file) {
  std::lock_guard lock(mutex_);
  if (stopping_) return;
  const std::string company = file.company;
  CompanyFiles& entry = companies_[company];
  entry.files.push_back(std::move(file));
  if (!entry.busy) {
    entry.busy = true;
    ++active_;
    boost::asio::post(pool_, [this, company] { run_next(company); });
  }
}

void ImportScheduler::set_batch_rows(std::size_t batch_rows) { batch_rows_ = batch_rows; }

void ImportScheduler::request_stop() {
  std::lock_guard lock(mutex_);
  stopping_ = true;
}

bool ImportScheduler::wait_idle(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return idle_.wait_for(lock, timeout, [this] { return active_ == 0; });
}

ImportWorker* ImportScheduler::worker_for_this_thread() {
  const auto id = std::this_thread::get_id();
  std::lock_guard lock(mutex_);
  auto& slot = workers_[id];
  // Its connection is opened by the first file it imports.
  if (!slot) slot = std::make_unique<ImportWorker>(database_);
  return slot.get();
}

void ImportScheduler::run_next(const std::string& company) {
  std::optional<queueing::QueuedFile> file;
  {
    std::lock_guard lock(mutex_);
    CompanyFiles& entry = companies_[company];
    if (!stopping_ && !entry.files.empty()) {
      file = std::move(entry.files.front());
      entry.files.pop_front();
    }
  }
  if (file) {
    ImportWorker* worker = worker_for_this_thread();
    WorkerSettings settings = settings_;
    settings.batch_rows = batch_rows_;
    try {
      worker->process(*file, queue_, settings, [this] { return stopping_.load(); });
    } catch (const std::exception& exception) {
      spdlog::error("{}/{}: unexpected failure: {}; the file stays queued", file->company,
                    file->name, exception.what());
    }
  }
  std::lock_guard lock(mutex_);
  CompanyFiles& entry = companies_[company];
  if (file && !stopping_ && !entry.files.empty()) {
    boost::asio::post(pool_, [this, company] { run_next(company); });
    return;
  }
  entry.busy = false;
  if (entry.files.empty()) companies_.erase(company);
  --active_;
  idle_.notify_all();
}

}  // namespace person_import::service
