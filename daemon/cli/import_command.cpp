// import FILE: the import core on one file, with a progress bar and a human summary.
#include <iostream>

#include "core/common/printable.h"
#include "core/importing/importer.h"
#include "core/phones/carrier_lookup.h"
#include "daemon/cli/commands.h"
#include "daemon/cli/progress_bar.h"

namespace person_import::cli {
namespace {

void print_human_summary(const ImportSummary& summary, const RowErrorSource& row_errors) {
  std::cerr << printable(summary.file) << ": " << to_string(summary.status);
  if (summary.dry_run) std::cerr << " (dry run, nothing changed)";
  if (summary.job_id) std::cerr << ", job " << *summary.job_id;
  std::cerr << "\n  rows " << summary.counts.rows << ", created " << summary.counts.created
            << ", updated " << summary.counts.updated << ", failed " << summary.counts.failed
            << ", retryable " << summary.counts.retryable << '\n';
  for (const auto& warning : summary.warnings) {
    std::cerr << "  warning: " << printable(warning) << '\n';
  }
  for (const auto& error : summary.file_errors) {
    std::cerr << "  file error: " << error.class_name << ": " << printable(error.message) << '\n';
  }
  constexpr std::uint64_t kShown = 10;
  std::uint64_t shown = 0;
  (void)row_errors([&](const RowErrorRecord& error) {
    if (shown == kShown) return false;
    std::cerr << "  line " << error.line << ": " << error.class_name << ": "
              << printable(error.message);
    if (error.field) std::cerr << " (" << printable(*error.field) << ")";
    std::cerr << '\n';
    ++shown;
    return true;
  });
  if (summary.counts.failed > 0 && shown == kShown) {
    std::cerr << "  … see --errors or --report for every error\n";
  }
}

}  // namespace

int import_file(const GlobalOptions& global, const ImportCommandOptions& options) {
  // A dry run changes nothing: it needs the database and the company to exist already.
  auto workspace = options.dry_run
                       ? open_workspace(global, StoreAccess::kExisting, CompanyUse::kExisting)
                       : open_workspace(global, StoreAccess::kCreate, CompanyUse::kEnsure);
  if (!workspace.ok()) return fail(workspace.error().message);
  auto carrier_lookup = make_builtin_carrier_lookup();
  Importer importer(*workspace->store, *carrier_lookup, system_clock(), ImportOptions{});
  ProgressBar progress(stderr);
  ImportRequest request;
  request.path = options.path;
  request.dry_run = options.dry_run;
  request.report_path = options.report_path;
  request.errors_path = options.errors_path;
  request.failed_rows_path = options.failed_path;
  request.created_path = options.created_path;
  if (options.json) request.report_stream = &std::cout;
  request.on_progress = [&](const ImportProgress& step) {
    progress.update(step.bytes_done, step.bytes_total, step.rows_done);
  };
  // Printed from inside the import: a dry run's row errors are gone once it ends, and the
  // summary is wanted even when a result file then fails to be written.
  request.on_summary = [&](const ImportSummary& summary, const RowErrorSource& row_errors) {
    progress.finish();
    print_human_summary(summary, row_errors);
  };
  auto summary = importer.run(workspace->company, request);
  progress.finish();
  if (!summary.ok()) return fail(summary.error().message);
  return import_exit_code(*summary);
}

}  // namespace person_import::cli
