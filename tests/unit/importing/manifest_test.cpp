// The daemon's result manifest and the created-persons file (core/importing/import_report.h).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/importing/import_report.h"

using namespace person_import;

namespace {

JobRecord finished_job() {
  JobRecord job;
  job.job_id = 41;
  job.company = "acme";
  job.file = "weekly.persons";
  job.status = JobStatus::kCompleted;
  job.counts = {5, 1, 1, 3, 0};
  job.warnings = {"column \"MDN\" matches no custom field; did you mean \"mdn\"?"};
  job.received_at = "2026-12-01T08:00:00.000Z";
  job.started_at = "2026-12-01T08:00:01.000Z";
  job.finished_at = "2026-12-01T08:00:02.000Z";
  job.bytes = 123;
  job.sha256 = std::string(64, 'a');
  return job;
}

RowErrorRecord error(std::uint64_t row, const std::string& class_name,
                     std::optional<std::string> field, std::optional<std::string> value) {
  return {row + 1,          row,  class_name, "message of " + class_name, std::move(field),
          std::move(value), false};
}

RowErrorSource source(const std::vector<RowErrorRecord>& errors) {
  return [errors](const std::function<bool(const RowErrorRecord&)>& fn) -> Status {
    for (const auto& error : errors) {
      if (!fn(error)) break;
    }
    return {};
  };
}

nlohmann::ordered_json manifest(const JobRecord& job, const std::vector<RowErrorRecord>& errors,
                                std::size_t max_row_errors, const ManifestFiles& files = {}) {
  std::ostringstream out;
  REQUIRE(write_manifest_json(out, job, source(errors), max_row_errors, files).ok());
  return nlohmann::ordered_json::parse(out.str());
}

}  // namespace

TEST_CASE("the manifest's keys come in their documented order, job_id a number") {
  ManifestFiles files;
  files.errors = "weekly.persons.errors.csv";
  files.failed_rows = "weekly.persons.failed.persons";
  const auto parsed = manifest(finished_job(), {}, 100, files);
  std::vector<std::string> keys;
  for (const auto& [key, value] : parsed.items()) keys.push_back(key);
  CHECK(keys == std::vector<std::string>{"schema_version", "job_id",           "file",
                                         "company",        "status",           "dry_run",
                                         "received_at",    "started_at",       "finished_at",
                                         "bytes",          "sha256",           "rows",
                                         "created",        "updated",          "failed",
                                         "retryable",      "warnings",         "file_errors",
                                         "error_summary",  "row_errors_total", "row_errors_omitted",
                                         "row_errors",     "result_files"});
  CHECK(parsed["schema_version"] == kManifestSchemaVersion);
  CHECK(parsed["job_id"] == 41);
  CHECK(parsed["status"] == "completed");
  CHECK(parsed["bytes"] == 123);
  CHECK(parsed["result_files"] ==
        nlohmann::ordered_json{{"errors", "weekly.persons.errors.csv"},
                               {"failed_rows", "weekly.persons.failed.persons"},
                               {"created", nullptr}});
}

TEST_CASE("the manifest lists the first max_row_errors errors and counts them all") {
  std::vector<RowErrorRecord> errors;
  for (std::uint64_t row = 1; row <= 250; ++row) {
    if (row % 5 == 0) {
      errors.push_back(error(row, "PersonErrors::InvalidRowFormat", std::nullopt, std::nullopt));
    } else {
      errors.push_back(error(row, "MobilePhoneErrors::InvalidMDNFormat", "mdn", "12"));
    }
  }
  errors.push_back(error(251, "MobilePhoneErrors::InvalidMDNFormat", "mobile", "x"));
  const auto parsed = manifest(finished_job(), errors, 100);
  CHECK(parsed["row_errors_total"] == 251);
  CHECK(parsed["row_errors_omitted"] == 151);
  REQUIRE(parsed["row_errors"].size() == 100);
  CHECK(parsed["row_errors"][0]["row"] == 1);
  CHECK(parsed["row_errors"][99]["row"] == 100);
  CHECK(parsed["error_summary"]["by_class"] ==
        nlohmann::ordered_json::parse(
            R"([{"class":"MobilePhoneErrors::InvalidMDNFormat","count":201},
                {"class":"PersonErrors::InvalidRowFormat","count":50}])"));
  CHECK(parsed["error_summary"]["by_class_and_field"] ==
        nlohmann::ordered_json::parse(
            R"([{"class":"MobilePhoneErrors::InvalidMDNFormat","field":"mdn","count":200},
                {"class":"PersonErrors::InvalidRowFormat","field":null,"count":50},
                {"class":"MobilePhoneErrors::InvalidMDNFormat","field":"mobile","count":1}])"));
  CHECK(parsed["error_summary"]["by_class_and_field_omitted"] == 0);

  // None listed at all when asked.
  const auto counted_only = manifest(finished_job(), errors, 0);
  CHECK(counted_only["row_errors"].empty());
  CHECK(counted_only["row_errors_omitted"] == 251);
}

TEST_CASE("the manifest cuts long client text, the errors CSV keeps it whole") {
  const std::string long_value(5000, 'v');
  const std::string long_field = std::string(300, 'f') + "é";
  const std::vector<RowErrorRecord> errors = {
      error(1, "PersonErrors::InvalidCustomFieldValue", long_field, long_value)};
  const auto parsed = manifest(finished_job(), errors, 100);
  const std::string value = parsed["row_errors"][0]["value"];
  CHECK(value == std::string(kManifestTextBytes, 'v') + "…");
  const std::string field = parsed["row_errors"][0]["field"];
  CHECK(field == std::string(kManifestTextBytes, 'f') + "…");
  CHECK(parsed["error_summary"]["by_class_and_field"][0]["field"] == field);

  std::ostringstream csv;
  REQUIRE(write_errors_csv(csv, source(errors)).ok());
  CHECK(csv.str().find(long_value) != std::string::npos);
}

TEST_CASE("the summary lists the most frequent (class, field) pairs and says how many it left") {
  std::vector<RowErrorRecord> errors;
  for (std::uint64_t column = 0; column < kManifestSummaryPairs + 20; ++column) {
    for (std::uint64_t repeat = 0; repeat <= column % 3; ++repeat) {
      errors.push_back(error(column * 3 + repeat + 1, "PersonErrors::CustomFieldNotFound",
                             "c" + std::to_string(column), "x"));
    }
  }
  const auto parsed = manifest(finished_job(), errors, 10);
  const auto& pairs = parsed["error_summary"]["by_class_and_field"];
  REQUIRE(pairs.size() == kManifestSummaryPairs);
  CHECK(pairs.front()["count"] == 3);
  CHECK(pairs.back()["count"] <= pairs.front()["count"]);
  CHECK(parsed["error_summary"]["by_class_and_field_omitted"] == 20);
}

TEST_CASE("the created-persons file: row, line, person_id, person_key, external_person_id") {
  const std::vector<CreatedPersonRecord> created = {
      {1, 2, 7, "0b6f4ac6-1c59-4a55-9f1e-7c1c9a1f2c3d", std::string("crm,1")},
      {3, 5, 8, "5d2c3b1a-9f8e-4d7c-8b6a-5f4e3d2c1b0a", std::nullopt}};
  const CreatedPersonSource persons =
      [&](const std::function<bool(const CreatedPersonRecord&)>& fn) -> Status {
    for (const auto& person : created) fn(person);
    return {};
  };
  std::ostringstream out;
  REQUIRE(write_created_csv(out, persons, true).ok());
  CHECK(out.str() ==
        "row,line,person_id,person_key,external_person_id\n"
        "1,2,7,0b6f4ac6-1c59-4a55-9f1e-7c1c9a1f2c3d,\"crm,1\"\n"
        "3,5,8,5d2c3b1a-9f8e-4d7c-8b6a-5f4e3d2c1b0a,\n");
  // A dry run assigned nothing: the ids stay empty.
  std::ostringstream dry;
  REQUIRE(write_created_csv(dry, persons, false).ok());
  CHECK(dry.str() ==
        "row,line,person_id,person_key,external_person_id\n"
        "1,2,,,\"crm,1\"\n"
        "3,5,,,\n");
}
