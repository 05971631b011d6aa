#include "daemon/service/import_worker.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "core/common/clock.h"
#include "core/importing/importer.h"
#include "daemon/config/daemon_options.h"
#include "daemon/outbox/manifests.h"
#include "daemon/queueing/file_digest.h"

namespace person_import::service {
namespace {

std::string describe_counts(const JobRecord& job) {
  return "rows " + std::to_string(job.counts.rows) + ", created " +
         std::to_string(job.counts.created) + ", updated " + std::to_string(job.counts.updated) +
         ", failed " + std::to_string(job.counts.failed) + ", retryable " +
         std::to_string(job.counts.retryable);
}

// Sleeps `delay` in short steps; false as soon as stop_requested() is true.
bool wait_unless_stopped(std::chrono::milliseconds delay,
                         const std::function<bool()>& stop_requested) {
  const auto deadline = std::chrono::steady_clock::now() + delay;
  while (true) {
    if (stop_requested()) return false;
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return true;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
        deadline - now, std::chrono::milliseconds(20)));
  }
}

// The waits between retries of one file (a lost connection, manifests that cannot be written):
// reconnect_delay, doubled after each, up to reconnect_max_delay.
class Backoff {
 public:
  explicit Backoff(const WorkerSettings& settings)
      : delay_(settings.reconnect_delay), max_delay_(settings.reconnect_max_delay) {}
  std::chrono::milliseconds delay() const { return delay_; }
  int retry() const { return retry_; }  // 1 for the first wait
  // Waits delay(), then doubles it; false as soon as stop_requested() is true.
  bool wait(const std::function<bool()>& stop_requested) {
    if (!wait_unless_stopped(delay_, stop_requested)) return false;
    delay_ = std::min(delay_ * 2, max_delay_);
    ++retry_;
    return true;
  }

 private:
  std::chrono::milliseconds delay_;
  const std::chrono::milliseconds max_delay_;
  int retry_ = 1;
};

// The job's whole duration, from its stored start and end (a resumed job's too), in seconds.
std::optional<double> job_seconds(const JobRecord& job) {
  if (!job.started_at || !job.finished_at) return std::nullopt;
  const auto started = parse_timestamp(*job.started_at);
  const auto finished = parse_timestamp(*job.finished_at);
  if (!started || !finished) return std::nullopt;
  return std::chrono::duration<double>(*finished - *started).count();
}

// "every progress_log_interval, at the batch that passes it": rows, rate and share read.
class ProgressLog {
 public:
  ProgressLog(std::string what, std::chrono::milliseconds interval, std::uint64_t rows_before)
      : what_(std::move(what)),
        interval_(interval),
        last_(std::chrono::steady_clock::now()),
        rows_at_last_(rows_before) {}

  void operator()(const ImportProgress& step) {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < interval_) return;
    const double seconds = std::chrono::duration<double>(now - last_).count();
    const double rate =
        seconds > 0 ? static_cast<double>(step.rows_done - rows_at_last_) / seconds : 0.0;
    const double percent = step.bytes_total == 0 ? 100.0
                                                 : 100.0 * static_cast<double>(step.bytes_done) /
                                                       static_cast<double>(step.bytes_total);
    spdlog::info("{}: importing: {} rows done, {:.0f} rows/s, {:.1f}% of the file read", what_,
                 step.rows_done, rate, percent);
    last_ = now;
    rows_at_last_ = step.rows_done;
  }

 private:
  std::string what_;
  std::chrono::milliseconds interval_;
  std::chrono::steady_clock::time_point last_;
  std::uint64_t rows_at_last_;
};

// The line that ends a job, at the level its outcome deserves.
void log_job_end(const std::string& what, const JobRecord& job, double run_seconds, bool resumed) {
  const double seconds = job_seconds(job).value_or(run_seconds);
  std::string took = fmt::format("{:.3f}s", seconds);
  if (resumed) took += fmt::format(" (resumed; {:.3f}s in this run)", run_seconds);
  if (job.status == JobStatus::kCompleted && job.counts.failed == 0) {
    spdlog::info("{}: job {} completed in {}: {}", what, job.job_id, took, describe_counts(job));
  } else if (job.status == JobStatus::kCompleted) {
    spdlog::warn("{}: job {} completed with {} failed row(s) in {}: {}", what, job.job_id,
                 job.counts.failed, took, describe_counts(job));
  } else {
    const std::string reason =
        job.file_errors.empty() ? std::string("") : ": " + job.file_errors.front().message;
    spdlog::error("{}: job {} {} in {}{} ({})", what, job.job_id, to_string(job.status), took,
                  reason, describe_counts(job));
  }
}

}  // namespace

StoreOpener ImportWorker::default_store_opener() {
  return [](const std::string& database) { return open_store(database); };
}

ImportWorker::ImportWorker(std::string database, StoreOpener open_store)
    : database_(std::move(database)),
      open_store_(std::move(open_store)),
      carriers_(make_builtin_carrier_lookup()) {}

WorkOutcome ImportWorker::process(const queueing::QueuedFile& file, queueing::UploadQueue& queue,
                                  const WorkerSettings& settings,
                                  const std::function<bool()>& stop_requested) {
  const std::string what = file.company + "/" + file.name;
  Backoff backoff(settings);
  while (true) {
    auto outcome = attempt(file, queue, settings, stop_requested);
    if (outcome.ok()) return *outcome;
    // A transient failure: whatever the connection was doing was rolled back. Start over on a
    // new one, which finds the job where its last committed batch left it.
    store_.reset();
    if (stop_requested()) {
      spdlog::info("{}: {}; stopping: the file stays queued as {} until the next start", what,
                   outcome.error().message, file.path.string());
      return WorkOutcome::kStopped;
    }
    spdlog::warn("{}: database connection lost ({}); reconnecting in {} (retry {})", what,
                 outcome.error().message, daemon::format_duration(backoff.delay()),
                 backoff.retry());
    if (!backoff.wait(stop_requested)) {
      spdlog::info(
          "{}: stopped while waiting to reconnect: the file stays queued as {} until "
          "the next start",
          what, file.path.string());
      return WorkOutcome::kStopped;
    }
  }
}

Result<WorkOutcome> ImportWorker::attempt(const queueing::QueuedFile& file,
                                          queueing::UploadQueue& queue,
                                          const WorkerSettings& settings,
                                          const std::function<bool()>& stop_requested) {
  const std::string what = file.company + "/" + file.name;
  const std::string source = file.path.string();
  // A transient error is handed back to process() to reconnect; any other leaves the file.
  auto left = [&](const Error& error, const std::string& context = "") -> Result<WorkOutcome> {
    if (error.transient) return Error{context + error.message, true};
    spdlog::error("{}: {}{}; the file stays queued as {} until the next start", what, context,
                  error.message, source);
    return WorkOutcome::kLeft;
  };
  if (!store_) {
    auto opened = open_store_(database_);
    if (!opened.ok()) return left(opened.error(), "cannot open the database: ");
    store_ = std::move(opened).value();
  }
  // A company folder without a company in the database (made by an administrator) is served:
  // the company is created, as the command line creates one on first use.
  auto company = store_->ensure_company(file.company);
  if (!company.ok()) return left(company.error());
  auto existing = store_->find_job_by_source(company->id, source);
  if (!existing.ok()) return left(existing.error());

  ImportOptions import_options;
  import_options.batch_rows = settings.batch_rows;
  Importer importer(*store_, *carriers_, system_clock(), import_options);
  ImportRequest request;
  request.path = source;
  request.display_name = file.name;
  request.stop_requested = stop_requested;
  request.keep_running_on_transient_error = true;  // resumed below, on a new connection
  bool resumed = false;
  double run_seconds = 0;  // this run's import (not the manifests): what a resumed job adds

  if (!existing->has_value()) {
    auto digest = queueing::digest_file(file.path);
    if (!digest.ok()) return left(digest.error());
    request.received_at = format_timestamp(file.received_at());
    request.bytes = digest->bytes;
    request.sha256 = digest->sha256;
    spdlog::info("{}: import started ({} bytes, sha256 {})", what, digest->bytes, digest->sha256);
    request.on_progress = ProgressLog(what, settings.progress_log_interval, 0);
    const auto started = std::chrono::steady_clock::now();
    auto summary = importer.run(*company, request);
    run_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (!summary.ok() && !stop_requested()) {
      if (summary.error().transient) return summary.error();
      spdlog::error("{}: import failed: {}", what, summary.error().message);
    }
  } else if ((*existing)->status == JobStatus::kRunning) {
    const JobRecord& job = **existing;
    spdlog::info("{}: resuming job {} after row {}", what, job.job_id, job.checkpoint.counts.rows);
    resumed = true;
    request.on_progress =
        ProgressLog(what, settings.progress_log_interval, job.checkpoint.counts.rows);
    const auto started = std::chrono::steady_clock::now();
    auto summary = importer.resume(*company, job.job_id, request);
    run_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (!summary.ok() && !stop_requested()) {
      if (summary.error().transient) return summary.error();
      spdlog::error("{}: resuming job {} failed: {}", what, job.job_id, summary.error().message);
    }
  } else {
    spdlog::info("{}: job {} had already finished ({}); writing its manifests", what,
                 (*existing)->job_id, to_string((*existing)->status));
  }

  auto ended = store_->find_job_by_source(company->id, source);
  if (!ended.ok()) return left(ended.error());
  if (!ended->has_value()) return left(make_error("no job was recorded"));
  const JobRecord& job = **ended;
  if (job.status == JobStatus::kRunning) {
    if (stop_requested()) {
      spdlog::info("{}: job {} stopped after row {}; it resumes at the next start", what,
                   job.job_id, job.checkpoint.counts.rows);
      return WorkOutcome::kStopped;
    }
    return left(make_error("job " + std::to_string(job.job_id) + " did not finish"));
  }
  const auto outbox = settings.drop_root / file.company / "outbox";
  Backoff backoff(settings);
  while (true) {
    auto written = outbox::write_manifests(*store_, company->id, job, file.path, outbox, file.name,
                                           settings.manifest_max_row_errors);
    if (written.ok()) break;
    const std::string context = "manifests of job " + std::to_string(job.job_id) + " not written: ";
    if (written.error().transient) return Error{context + written.error().message, true};
    // A full disk or a broken outbox: the job is finished, only its results wait. The file
    // stays queued meanwhile, so a restart writes them too.
    spdlog::error("{}: {}{}; retrying in {} (retry {})", what, context, written.error().message,
                  daemon::format_duration(backoff.delay()), backoff.retry());
    if (!backoff.wait(stop_requested)) {
      spdlog::info(
          "{}: stopped while waiting to write the manifests of job {}: the next start "
          "writes them",
          what, job.job_id);
      return WorkOutcome::kStopped;
    }
  }
  // The import checks the file at every batch; a writer on another machine (which no lease or
  // /proc shows) may still have appended after the last one. Said loudly: those bytes are gone
  // with the queued file.
  std::error_code size_error;
  const auto size_now = std::filesystem::file_size(file.path, size_error);
  if (!size_error && job.bytes && size_now != *job.bytes) {
    spdlog::error(
        "{}: the file changed after it was picked up: job {} was of {} bytes, the file now has "
        "{}; what was written later is not imported: upload the whole file again, moved into the "
        "inbox only once it is complete",
        what, job.job_id, *job.bytes, size_now);
  }
  if (auto removed = queue.remove(file); !removed.ok()) {
    // The next start finds the job finished and only rewrites the manifests.
    spdlog::warn("{}: {}", what, removed.error().message);
  }
  log_job_end(what, job, run_seconds, resumed);
  return WorkOutcome::kDone;
}

}  // namespace person_import::service
