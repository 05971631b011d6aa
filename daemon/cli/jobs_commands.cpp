// jobs list, show.
#include <iostream>

#include <nlohmann/json.hpp>

#include "core/common/closest_name.h"
#include "core/common/json_text.h"
#include "core/common/printable.h"
#include "core/importing/import_report.h"
#include "core/values/custom_value.h"
#include "daemon/cli/commands.h"
#include "daemon/queueing/upload_queue.h"
#include "daemon/service/state_lock.h"

namespace person_import::cli {
namespace {

const std::vector<std::string> kListedStatuses = {"queued",    "running",  "interrupted",
                                                  "completed", "rejected", "failed"};

// One line of `jobs list`: a job, or a queued file no import has started yet.
struct ListedJob {
  std::optional<JobId> job_id;
  std::string company;
  std::string file;
  std::string status;
  JobCounts counts;
  std::optional<std::string> received_at;
  std::optional<std::string> started_at;
  std::optional<std::string> finished_at;
};

ListedJob listed(const JobRecord& job, std::string status) {
  return {job.job_id, job.company,     job.file,       std::move(status),
          job.counts, job.received_at, job.started_at, job.finished_at};
}

// `--since`: an age ("30m", "24h", "7d") or a time ("2026-12-01", "2026-12-01T08:00:00Z",
// any form a date field takes), as a stored timestamp.
Result<std::string> since_timestamp(const std::string& text) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits > 0 && digits <= 6 && text.size() == digits + 1) {
    const long long count = std::stoll(text.substr(0, digits));
    std::chrono::seconds age{0};
    switch (text.back()) {
      case 's':
        age = std::chrono::seconds{count};
        break;
      case 'm':
        age = std::chrono::minutes{count};
        break;
      case 'h':
        age = std::chrono::hours{count};
        break;
      case 'd':
        age = std::chrono::hours{24 * count};
        break;
      default:
        digits = 0;
    }
    if (digits > 0) return format_timestamp(system_clock().now() - age);
  }
  if (auto utc = parse_date_to_utc(text)) {
    // "…:SSZ" → "…:SS.000Z", the stored form, so that the two compare as text.
    return utc->substr(0, utc->size() - 1) + ".000Z";
  }
  return make_error("--since: \"" + printable(text) +
                    "\" is neither an age (30m, 24h, 7d) nor a time (2026-12-01, "
                    "2026-12-01T08:00:00Z)");
}

// The daemon's queue of the configuration, when one is known: the files not started yet, and
// whether the daemon that owns it is running.
struct DaemonState {
  std::optional<std::filesystem::path> queue_root;
  std::vector<queueing::QueuedFile> queued;
  bool running = true;  // assumed when it cannot be told
};

Result<DaemonState> daemon_state(const Settings& settings) {
  DaemonState state;
  if (!settings.daemon) return state;
  const std::filesystem::path state_dir = daemon::effective_state_dir(*settings.daemon);
  queueing::UploadQueue queue(state_dir);
  state.queue_root = queue.root();
  std::error_code error;
  if (std::filesystem::is_directory(queue.root(), error)) {
    PI_ASSIGN_OR_RETURN(state.queued, queue.list());
  }
  auto holder = service::StateDirectoryLock::holder(state_dir);
  if (holder.ok()) state.running = holder->has_value();
  return state;
}

bool in_folder(const std::string& path, const std::filesystem::path& folder) {
  const std::string prefix = folder.string() + "/";
  return path.compare(0, prefix.size(), prefix) == 0;
}

void print_human(const std::vector<ListedJob>& jobs, bool with_company) {
  for (const auto& job : jobs) {
    std::cout << (job.job_id ? std::to_string(*job.job_id) : std::string("-")) << "  " << job.status
              << "  ";
    if (with_company) std::cout << job.company << "  ";
    std::cout << printable(job.file) << "  ";
    if (job.status == "queued") {
      std::cout << "received " << job.received_at.value_or("-") << '\n';
      continue;
    }
    std::cout << "rows " << job.counts.rows << ", created " << job.counts.created << ", updated "
              << job.counts.updated << ", failed " << job.counts.failed << "  "
              << job.finished_at.value_or(job.started_at.value_or("")) << '\n';
  }
}

void print_json(const std::vector<ListedJob>& jobs) {
  auto optional = [](const std::optional<std::string>& value) {
    return value ? nlohmann::ordered_json(*value) : nlohmann::ordered_json(nullptr);
  };
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& job : jobs) {
    list.push_back({{"job_id", job.job_id ? nlohmann::ordered_json(std::to_string(*job.job_id))
                                          : nlohmann::ordered_json(nullptr)},
                    {"company", job.company},
                    {"file", job.file},
                    {"status", job.status},
                    {"rows", job.counts.rows},
                    {"created", job.counts.created},
                    {"updated", job.counts.updated},
                    {"failed", job.counts.failed},
                    {"retryable", job.counts.retryable},
                    {"received_at", optional(job.received_at)},
                    {"started_at", job.started_at.value_or("")},
                    {"finished_at", job.finished_at.value_or("")}});
  }
  std::cout << json_text(list, 2) << '\n';
}

}  // namespace

int jobs_list(const GlobalOptions& global, const JobsListOptions& options) {
  if (options.status && std::find(kListedStatuses.begin(), kListedStatuses.end(),
                                  *options.status) == kListedStatuses.end()) {
    std::string message = "--status: unknown status \"" + printable(*options.status) + "\"";
    if (auto suggestion = closest_name(*options.status, kListedStatuses)) {
      message += "; did you mean \"" + *suggestion + "\"?";
    } else {
      message += " (one of queued, running, interrupted, completed, rejected, failed)";
    }
    std::cerr << "person-import: " << message << '\n';
    return kExitUsage;
  }
  std::optional<std::string> since;
  if (options.since) {
    auto parsed = since_timestamp(*options.since);
    if (!parsed.ok()) {
      std::cerr << "person-import: " << parsed.error().message << '\n';
      return kExitUsage;
    }
    since = *parsed;
  }
  auto workspace =
      open_workspace(global, StoreAccess::kRead,
                     options.all_companies ? CompanyUse::kNone : CompanyUse::kExisting);
  if (!workspace.ok()) return fail(workspace.error().message);
  Store& store = *workspace->store;

  JobQuery query;
  if (!options.all_companies) query.company = workspace->company.id;
  query.started_since = since;
  auto jobs = store.list_jobs(query);
  if (!jobs.ok()) return fail(jobs.error().message);
  auto daemon = daemon_state(workspace->settings);
  if (!daemon.ok()) return fail(daemon.error().message);

  std::vector<ListedJob> listed_jobs;
  for (const auto& job : *jobs) {
    std::string status = to_string(job.status);
    // A job the daemon left running on a queued file while no daemon runs waits for the next
    // start: interrupted.
    if (job.status == JobStatus::kRunning && daemon->queue_root && !daemon->running &&
        in_folder(job.source_path, *daemon->queue_root)) {
      status = "interrupted";
    }
    listed_jobs.push_back(listed(job, std::move(status)));
  }
  for (const auto& file : daemon->queued) {
    if (!options.all_companies && file.company != workspace->company.key) continue;
    auto company = store.find_company(file.company);
    if (!company.ok()) return fail(company.error().message);
    if (*company) {
      auto job = store.find_job_by_source((*company)->id, file.path.string());
      if (!job.ok()) return fail(job.error().message);
      if (job->has_value()) continue;  // listed above (when in the --since window)
    }
    ListedJob entry;
    entry.company = file.company;
    entry.file = file.name;
    entry.status = "queued";
    entry.received_at = format_timestamp(file.received_at());
    if (since && *entry.received_at < *since) continue;
    listed_jobs.push_back(std::move(entry));
  }
  if (options.status) {
    std::erase_if(listed_jobs, [&](const ListedJob& job) { return job.status != *options.status; });
  }
  if (options.json) {
    print_json(listed_jobs);
  } else {
    print_human(listed_jobs, options.all_companies);
  }
  return kExitSuccess;
}

int jobs_show(const GlobalOptions& global, const std::string& job_id, bool json) {
  JobId id = 0;
  try {
    std::size_t used = 0;
    id = std::stoll(job_id, &used);
    if (used != job_id.size()) throw std::invalid_argument(job_id);
  } catch (const std::exception&) {
    std::cerr << "person-import: not a job id: " << printable(job_id) << '\n';
    return kExitUsage;
  }
  auto workspace = open_workspace(global, StoreAccess::kRead, CompanyUse::kExisting);
  if (!workspace.ok()) return fail(workspace.error().message);
  auto job = workspace->store->find_job(workspace->company.id, id);
  if (!job.ok()) return fail(job.error().message);
  if (!*job) return fail("no job " + job_id + " for company " + global.company);
  const RowErrorSource row_errors = [&](const std::function<bool(const RowErrorRecord&)>& fn) {
    return workspace->store->for_each_job_row_error(workspace->company.id, id, fn);
  };
  if (json) {
    auto status = write_report_json(std::cout, summary_of(**job), row_errors);
    return status.ok() ? kExitSuccess : fail(status.error().message);
  }
  std::cout << "job " << id << ": " << printable((*job)->file) << " (" << to_string((*job)->status)
            << ")\n  started " << (*job)->started_at.value_or("-") << ", finished "
            << (*job)->finished_at.value_or("-") << '\n';
  const auto& counts = (*job)->counts;
  std::cout << "  rows " << counts.rows << ", created " << counts.created << ", updated "
            << counts.updated << ", failed " << counts.failed << ", retryable " << counts.retryable
            << '\n';
  for (const auto& warning : (*job)->warnings) {
    std::cout << "  warning: " << printable(warning) << '\n';
  }
  for (const auto& error : (*job)->file_errors) {
    std::cout << "  file error: " << error.class_name << ": " << printable(error.message) << '\n';
  }
  auto status = row_errors([&](const RowErrorRecord& error) {
    std::cout << "  line " << error.line << " (row " << error.row << "): " << error.class_name
              << ": " << printable(error.message);
    if (error.field) {
      std::cout << " [" << printable(*error.field) << " = " << printable(error.value.value_or(""))
                << "]";
    }
    std::cout << '\n';
    return true;
  });
  return status.ok() ? kExitSuccess : fail(status.error().message);
}

}  // namespace person_import::cli
