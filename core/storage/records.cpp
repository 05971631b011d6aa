#include "core/storage/records.h"

namespace person_import {

const char* to_string(JobStatus status) {
  switch (status) {
    case JobStatus::kRunning:
      return "running";
    case JobStatus::kCompleted:
      return "completed";
    case JobStatus::kRejected:
      return "rejected";
    case JobStatus::kFailed:
      return "failed";
  }
  return "failed";
}

std::optional<JobStatus> parse_job_status(const std::string& text) {
  for (auto status :
       {JobStatus::kRunning, JobStatus::kCompleted, JobStatus::kRejected, JobStatus::kFailed}) {
    if (text == to_string(status)) return status;
  }
  return std::nullopt;
}

}  // namespace person_import
