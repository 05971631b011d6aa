// The daemon's durable queue (spec section 10, "Pick-up" and "Restarts"): picked-up uploads wait
// in `<state_dir>/queue/<company>/<sequence>-<name>` until their import has finished and their
// manifests are written. The queue is the directory: it survives restarts and needs no index.
//
// - Picking up is a rename from the inbox (so state_dir must be on the drop root's filesystem,
//   which the default `<drop_root>/.person-import` is), followed by an fsync of both folders:
//   once take() returns, the file is in the queue even after a power cut, and no longer in the
//   inbox.
// - `<sequence>` is 20 decimal digits, strictly increasing across the queue: the upload's
//   finish time (FinishedUpload::seen_at) in nanoseconds since the epoch, or one more than the
//   last sequence given when that is not larger (several uploads in one clock tick, a clock set
//   back). Queue order is therefore upload-completion order, every queued file has a path of its
//   own (the import's job records it as its source_path), and the receipt time survives a
//   restart (it is in the name).
// - Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/common/result.h"

namespace person_import::queueing {

struct QueuedFile {
  std::string company;
  std::string name;            // the upload's file name, e.g. "customers.persons"
  std::uint64_t sequence = 0;  // order in the queue
  std::filesystem::path path;  // <state_dir>/queue/<company>/<sequence>-<name>
  // When the upload finished (from the sequence).
  std::chrono::system_clock::time_point received_at() const;
};

class UploadQueue {
 public:
  explicit UploadQueue(const std::filesystem::path& state_dir);

  // Creates `<state_dir>/queue` if needed and reads the highest sequence in it.
  Status open();

  // Moves `upload` (a finished file in `company`'s inbox) into the queue. Errors: the rename
  // failed (the file is then where it was), e.g. because it vanished or the state folder is on
  // another filesystem.
  Result<QueuedFile> take(const std::string& company, const std::filesystem::path& upload,
                          const std::string& name, std::chrono::system_clock::time_point finished);

  // Every queued file, each company's in sequence order (companies by key).
  Result<std::vector<QueuedFile>> list() const;

  // Removes a queued file (its import is over and its manifests are written) durably.
  Status remove(const QueuedFile& file);

  const std::filesystem::path& root() const { return root_; }

  // Parses `<sequence>-<name>` (20 digits, '-', a name ending in ".persons").
  static std::optional<QueuedFile> parse(const std::string& company,
                                         const std::filesystem::path& path);

 private:
  std::filesystem::path root_;  // <state_dir>/queue
  std::mutex mutex_;
  std::uint64_t last_sequence_ = 0;
};

// fsync() on a directory, so that renames and removals in it are durable.
Status sync_directory(const std::filesystem::path& directory);

}  // namespace person_import::queueing
