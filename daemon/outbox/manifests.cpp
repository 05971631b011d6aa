#include "daemon/outbox/manifests.h"

#include <spdlog/spdlog.h>

#include <vector>

#include "core/common/printable.h"

#include "core/importing/import_report.h"
#include "core/importing/result_files.h"
#include "core/reading/file_layout.h"
#include "core/reading/input_file.h"
#include "daemon/queueing/upload_queue.h"

namespace person_import::outbox {
namespace {

Status stage_failed_rows_file(StagedFiles& staged, Store& store, CompanyId company,
                              const JobRecord& job, const std::filesystem::path& source,
                              const std::filesystem::path& path) {
  PI_ASSIGN_OR_RETURN(auto file, InputFile::open(source.string()));
  auto layout = read_layout(*file);
  if (!layout.layout) {
    return make_error("no failed-rows file: cannot read the layout of " + source.string());
  }
  return staged.stage(path, [&](std::ostream& out) {
    return write_failed_rows(out, *file, *layout.layout,
                             [&](const std::function<bool(const FailedRowRange&)>& fn) {
                               return store.for_each_job_failed_row(company, job.job_id, fn);
                             });
  });
}

Status remove_if_present(const std::filesystem::path& path) {
  std::error_code error;
  std::filesystem::remove(path, error);
  if (error) return make_error("cannot remove " + path.string() + ": " + error.message());
  return {};
}

}  // namespace

ManifestPaths manifest_paths(const std::filesystem::path& outbox, const std::string& name) {
  return {outbox / (name + ".result.json"), outbox / (name + ".errors.csv"),
          outbox / (name + ".failed.persons"), outbox / (name + ".created.csv")};
}

Status clean_up_outbox(const std::filesystem::path& outbox) {
  PI_ASSIGN_OR_RETURN(const std::size_t removed, remove_stale_temporaries(outbox));
  if (removed > 0) {
    spdlog::info("{}: removed {} temporary file(s) left by a process that no longer runs",
                 printable(outbox.string()), removed);
  }
  return {};
}

Status write_manifests(Store& store, CompanyId company, const JobRecord& job,
                       const std::filesystem::path& source, const std::filesystem::path& outbox,
                       const std::string& name, std::size_t max_row_errors) {
  std::error_code error;
  std::filesystem::create_directories(outbox, error);
  if (error) return make_error("cannot create " + outbox.string() + ": " + error.message());
  // A daemon killed while it wrote left its temporaries; a big one can hold gigabytes.
  PI_RETURN_IF_ERROR(clean_up_outbox(outbox));
  const ManifestPaths paths = manifest_paths(outbox, name);
  const RowErrorSource row_errors = [&](const std::function<bool(const RowErrorRecord&)>& fn) {
    return store.for_each_job_row_error(company, job.job_id, fn);
  };
  // Every file is staged before any is renamed: a failure (a full disk) leaves the previous
  // upload's set as it was.
  StagedFiles staged;
  ManifestFiles files;
  std::vector<std::filesystem::path> stale;
  if (job.counts.failed > 0) {
    PI_RETURN_IF_ERROR(staged.stage(
        paths.errors, [&](std::ostream& out) { return write_errors_csv(out, row_errors); }));
    PI_RETURN_IF_ERROR(
        stage_failed_rows_file(staged, store, company, job, source, paths.failed_rows));
    files.errors = paths.errors.filename().string();
    files.failed_rows = paths.failed_rows.filename().string();
  } else {
    stale.push_back(paths.errors);
    stale.push_back(paths.failed_rows);
  }
  if (job.counts.created > 0) {
    PI_RETURN_IF_ERROR(staged.stage(paths.created, [&](std::ostream& out) {
      return write_created_csv(
          out,
          [&](const std::function<bool(const CreatedPersonRecord&)>& fn) {
            return store.for_each_job_created_person(company, job.job_id, fn);
          },
          true);
    }));
    files.created = paths.created.filename().string();
  } else {
    stale.push_back(paths.created);
  }
  PI_RETURN_IF_ERROR(staged.stage(paths.result, [&](std::ostream& out) {
    return write_manifest_json(out, job, row_errors, max_row_errors, files);
  }));
  // The old result JSON goes first: while the set is swapped, and if a rename fails, no result
  // JSON describes files of another upload.
  PI_RETURN_IF_ERROR(remove_if_present(paths.result));
  for (const auto& path : stale) PI_RETURN_IF_ERROR(remove_if_present(path));
  PI_RETURN_IF_ERROR(staged.commit());
  return queueing::sync_directory(outbox);
}

}  // namespace person_import::outbox
