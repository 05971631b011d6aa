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
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "core/common/result.h"
#include "core/phones/carrier_lookup.h"
#include "core/storage/store.h"
#include "daemon/queueing/upload_queue.h"

namespace person_import::service {

struct WorkerSettings {
  std::filesystem::path drop_root;  // outboxes are <drop_root>/<company>/outbox
  std::size_t batch_rows = 5000;
};

enum class WorkOutcome {
  kDone,     // imported (or found imported), manifests written, queued file removed
  kStopped,  // stop_requested stopped the import at a batch boundary: the file stays queued
  kLeft,     // an error (logged) left the file in the queue, for the next start
};

class ImportWorker {
 public:
  // Opens the worker's own connection to `database`.
  static Result<std::unique_ptr<ImportWorker>> open(const std::string& database);

  WorkOutcome process(const queueing::QueuedFile& file, queueing::UploadQueue& queue,
                      const WorkerSettings& settings, const std::function<bool()>& stop_requested);

 private:
  ImportWorker(std::unique_ptr<Store> store, std::unique_ptr<CarrierLookup> carriers)
      : store_(std::move(store)), carriers_(std::move(carriers)) {}

  std::unique_ptr<Store> store_;
  std::unique_ptr<CarrierLookup> carriers_;
};

}  // namespace person_import::service
