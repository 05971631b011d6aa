// One worker thread's import of one queued upload (spec section 10, "Results" and "Restarts"),
// with the thread's own Store, carrier lookup and Importer (a Store is not thread-safe).
//
// The queued file's path is unique and is the job's source_path, so the job tells how far the
// file got, whatever happened before:
//   no job                         → import it (received_at, bytes and sha256 recorded);
//   a running job (crash, SIGTERM) → resume it from its checkpoint;
//   a finished job                 → nothing to import (a crash hit between the job's end
//                                    and the file's removal).
// Then the manifests are written from the stored job and the queued file is deleted. A crash at
// any point repeats only the steps after the last one that completed, so every row is applied
// once and the manifests always appear.
//
// Logs: the start; progress every progress_log_interval (rows, rows per second, share of the
// file read); the end with the job's whole duration (a resumed job's too), at info when every
// row applied, warning when rows failed, error when the file was rejected or the import failed.
//
// A lost database connection (any step failing with an Error whose `transient` is true: opening
// the store, an import's batch, writing the manifests) does not leave the file: the worker drops
// its Store, waits (WorkerSettings::reconnect_delay, doubling after each failed attempt up to
// reconnect_max_delay; each retry is logged; stop_requested ends the wait, kStopped) and starts
// over on a new connection with the same steps, so the job is resumed from its checkpoint (the
// failed batch was rolled back) and every row is still applied exactly once. Other errors leave
// the file queued until the next start (kLeft), except when only the manifests fail (a full
// disk, a broken outbox): the job is finished, so the worker retries writing them with the
// same backoff, each failure logged at error, until they are written or stop_requested
// (kStopped; the next start writes them). A failed attempt leaves the previous result set of
// the name whole or no result JSON at all (manifests.h), never a mixed set.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "core/common/result.h"
#include "core/importing/import_options.h"
#include "core/phones/carrier_lookup.h"
#include "core/storage/store.h"
#include "daemon/queueing/upload_queue.h"

namespace person_import::service {

struct WorkerSettings {
  std::filesystem::path drop_root;  // outboxes are <drop_root>/<company>/outbox
  std::size_t batch_rows = ImportOptions{}.batch_rows;
  // The wait before reconnecting after a transient database failure, or before writing the
  // manifests again after a failure, doubled after each further one for the same file, up to
  // reconnect_max_delay (DaemonOptions).
  std::chrono::milliseconds reconnect_delay{500};
  std::chrono::milliseconds reconnect_max_delay{std::chrono::seconds{30}};
  // How often a running import logs its progress (DaemonOptions::progress_log_interval).
  std::chrono::milliseconds progress_log_interval{std::chrono::seconds{30}};
  // The row errors a manifest lists (DaemonOptions::manifest_max_row_errors).
  std::size_t manifest_max_row_errors = 100;
};

// Opens a Store on `database` (open_store; tests inject failing stores).
using StoreOpener = std::function<Result<std::unique_ptr<Store>>(const std::string& database)>;

enum class WorkOutcome {
  kDone,     // imported (or found imported), manifests written, queued file removed
  kStopped,  // stop_requested stopped the import at a batch boundary: the file stays queued
  kLeft,     // an error (logged) left the file in the queue, for the next start
};

class ImportWorker {
 public:
  // The worker's own connection to `database` is opened by `open_store` when a file needs it
  // (and again after a lost connection).
  explicit ImportWorker(std::string database, StoreOpener open_store = default_store_opener());

  WorkOutcome process(const queueing::QueuedFile& file, queueing::UploadQueue& queue,
                      const WorkerSettings& settings, const std::function<bool()>& stop_requested);

  static StoreOpener default_store_opener();

 private:
  // One pass over the steps: the outcome, or a transient Error to reconnect and pass again on.
  Result<WorkOutcome> attempt(const queueing::QueuedFile& file, queueing::UploadQueue& queue,
                              const WorkerSettings& settings,
                              const std::function<bool()>& stop_requested);

  const std::string database_;
  const StoreOpener open_store_;
  std::unique_ptr<Store> store_;  // null until opened, and after a lost connection
  std::unique_ptr<CarrierLookup> carriers_;
};

}  // namespace person_import::service
