#include "daemon/outbox/manifests.h"

#include <nlohmann/json.hpp>

#include "core/importing/import_report.h"
#include "core/importing/result_files.h"
#include "core/reading/file_layout.h"
#include "core/reading/input_file.h"
#include "daemon/queueing/upload_queue.h"

namespace person_import::outbox {
namespace {

nlohmann::json optional_json(const std::optional<std::string>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

Status write_failed_rows_file(Store& store, CompanyId company, const JobRecord& job,
                              const std::filesystem::path& source,
                              const std::filesystem::path& path) {
  PI_ASSIGN_OR_RETURN(auto file, InputFile::open(source.string()));
  auto layout = read_layout(*file);
  if (!layout.layout) {
    return make_error("no failed-rows file: cannot read the layout of " + source.string());
  }
  return write_file_atomically(path.string(), [&](std::ostream& out) {
    return write_failed_rows(out, *file, *layout.layout,
                             [&](const std::function<bool(const FailedRowRange&)>& fn) {
                               return store.for_each_job_failed_row(company, job.job_id, fn);
                             });
  });
}

}  // namespace

ManifestPaths manifest_paths(const std::filesystem::path& outbox, const std::string& name) {
  return {outbox / (name + ".result.json"), outbox / (name + ".errors.csv"),
          outbox / (name + ".failed.persons")};
}

Status write_manifests(Store& store, CompanyId company, const JobRecord& job,
                       const std::filesystem::path& source, const std::filesystem::path& outbox,
                       const std::string& name) {
  std::error_code error;
  std::filesystem::create_directories(outbox, error);
  if (error) return make_error("cannot create " + outbox.string() + ": " + error.message());
  const ManifestPaths paths = manifest_paths(outbox, name);
  const RowErrorSource row_errors = [&](const std::function<bool(const RowErrorRecord&)>& fn) {
    return store.for_each_job_row_error(company, job.job_id, fn);
  };
  Status first_failure;
  auto keep_first = [&](Status status) {
    if (first_failure.ok() && !status.ok()) first_failure = std::move(status);
  };
  if (job.counts.failed > 0) {
    keep_first(write_file_atomically(paths.errors.string(), [&](std::ostream& out) {
      return write_errors_csv(out, row_errors);
    }));
    keep_first(write_failed_rows_file(store, company, job, source, paths.failed_rows));
  } else {
    for (const auto& stale : {paths.errors, paths.failed_rows}) {
      std::filesystem::remove(stale, error);
      if (error) keep_first(make_error("cannot remove " + stale.string() + ": " + error.message()));
    }
  }
  nlohmann::json extra = nlohmann::json::object();
  extra["received_at"] = optional_json(job.received_at);
  extra["started_at"] = optional_json(job.started_at);
  extra["finished_at"] = optional_json(job.finished_at);
  extra["bytes"] = job.bytes ? nlohmann::json(*job.bytes) : nlohmann::json(nullptr);
  extra["sha256"] = optional_json(job.sha256);
  keep_first(write_file_atomically(paths.result.string(), [&](std::ostream& out) {
    return write_report_json(out, summary_of(job), row_errors, extra);
  }));
  keep_first(queueing::sync_directory(outbox));
  return first_failure;
}

}  // namespace person_import::outbox
