#include "daemon/outbox/manifests.h"

#include "core/importing/import_report.h"
#include "core/importing/result_files.h"
#include "core/reading/file_layout.h"
#include "core/reading/input_file.h"
#include "daemon/queueing/upload_queue.h"

namespace person_import::outbox {
namespace {

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
          outbox / (name + ".failed.persons"), outbox / (name + ".created.csv")};
}

Status write_manifests(Store& store, CompanyId company, const JobRecord& job,
                       const std::filesystem::path& source, const std::filesystem::path& outbox,
                       const std::string& name, std::size_t max_row_errors) {
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
  auto remove_stale = [&](const std::filesystem::path& stale) {
    std::filesystem::remove(stale, error);
    if (error) keep_first(make_error("cannot remove " + stale.string() + ": " + error.message()));
  };
  ManifestFiles files;
  if (job.counts.failed > 0) {
    keep_first(write_file_atomically(paths.errors.string(), [&](std::ostream& out) {
      return write_errors_csv(out, row_errors);
    }));
    keep_first(write_failed_rows_file(store, company, job, source, paths.failed_rows));
    files.errors = paths.errors.filename().string();
    files.failed_rows = paths.failed_rows.filename().string();
  } else {
    remove_stale(paths.errors);
    remove_stale(paths.failed_rows);
  }
  if (job.counts.created > 0) {
    keep_first(write_file_atomically(paths.created.string(), [&](std::ostream& out) {
      return write_created_csv(
          out,
          [&](const std::function<bool(const CreatedPersonRecord&)>& fn) {
            return store.for_each_job_created_person(company, job.job_id, fn);
          },
          true);
    }));
    files.created = paths.created.filename().string();
  } else {
    remove_stale(paths.created);
  }
  keep_first(write_file_atomically(paths.result.string(), [&](std::ostream& out) {
    return write_manifest_json(out, job, row_errors, max_row_errors, files);
  }));
  keep_first(queueing::sync_directory(outbox));
  return first_failure;
}

}  // namespace person_import::outbox
