// A Store and an ImportSession that pass every call to real ones: tests derive from them and
// override only the calls they break (a failing batch, a crash after batch k).
#pragma once

#include <memory>
#include <utility>

#include "core/storage/store.h"

namespace person_import::test_doubles {

class ForwardingSession : public ImportSession {
 public:
  explicit ForwardingSession(std::unique_ptr<ImportSession> inner) : inner_(std::move(inner)) {}
  JobId job_id() const override { return inner_->job_id(); }
  JobCheckpoint checkpoint() const override { return inner_->checkpoint(); }
  Result<PersonSnapshot> load_persons(const PersonLookupKeys& keys) override {
    return inner_->load_persons(keys);
  }
  Result<PersonId> allocate_person_id() override { return inner_->allocate_person_id(); }
  Status write_batch(const BatchChanges& changes) override { return inner_->write_batch(changes); }
  Status for_each_row_error(const std::function<bool(const RowErrorRecord&)>& fn) override {
    return inner_->for_each_row_error(fn);
  }
  Status for_each_failed_row(const std::function<bool(const FailedRowRange&)>& fn) override {
    return inner_->for_each_failed_row(fn);
  }
  Status for_each_created_person(
      const std::function<bool(const CreatedPersonRecord&)>& fn) override {
    return inner_->for_each_created_person(fn);
  }
  Status finish(const JobEnd& end) override { return inner_->finish(end); }

 protected:
  std::unique_ptr<ImportSession> inner_;
};

class ForwardingStore : public Store {
 public:
  explicit ForwardingStore(Store& inner) : inner_(inner) {}
  Result<Company> ensure_company(const std::string& key) override {
    return inner_.ensure_company(key);
  }
  Result<std::optional<Company>> find_company(const std::string& key) override {
    return inner_.find_company(key);
  }
  Result<std::vector<Company>> list_companies() override { return inner_.list_companies(); }
  Result<CompanyUsage> company_usage(CompanyId company) override {
    return inner_.company_usage(company);
  }
  Status remove_company(CompanyId company) override { return inner_.remove_company(company); }
  Status add_authorized_key(CompanyId company, const std::string& line) override {
    return inner_.add_authorized_key(company, line);
  }
  Result<std::vector<std::string>> list_authorized_keys(CompanyId company) override {
    return inner_.list_authorized_keys(company);
  }
  Status remove_authorized_key(CompanyId company, const std::string& line) override {
    return inner_.remove_authorized_key(company, line);
  }
  Result<std::vector<FieldDefinition>> list_fields(CompanyId company) override {
    return inner_.list_fields(company);
  }
  Result<std::size_t> add_fields(CompanyId company,
                                 const std::vector<FieldDefinition>& fields) override {
    return inner_.add_fields(company, fields);
  }
  Result<std::uint64_t> count_persons_with_field(CompanyId company,
                                                 const std::string& name) override {
    return inner_.count_persons_with_field(company, name);
  }
  Status remove_field(CompanyId company, const std::string& name) override {
    return inner_.remove_field(company, name);
  }
  Result<std::optional<PersonRecord>> find_person(CompanyId company,
                                                  const PersonSelector& selector) override {
    return inner_.find_person(company, selector);
  }
  Status for_each_person(CompanyId company,
                         const std::function<bool(const PersonRecord&)>& fn) override {
    return inner_.for_each_person(company, fn);
  }
  Result<std::unique_ptr<ImportSession>> begin_import(const Company& company,
                                                      const JobStart& start) override {
    return inner_.begin_import(company, start);
  }
  Result<std::unique_ptr<ImportSession>> resume_import(const Company& company, JobId job) override {
    return inner_.resume_import(company, job);
  }
  Result<std::vector<JobRecord>> list_unfinished_jobs() override {
    return inner_.list_unfinished_jobs();
  }
  Result<std::vector<JobRecord>> list_jobs(const JobQuery& query) override {
    return inner_.list_jobs(query);
  }
  Result<std::optional<JobRecord>> find_job(CompanyId company, JobId job) override {
    return inner_.find_job(company, job);
  }
  Status for_each_job_row_error(CompanyId company, JobId job,
                                const std::function<bool(const RowErrorRecord&)>& fn) override {
    return inner_.for_each_job_row_error(company, job, fn);
  }
  Status for_each_job_failed_row(CompanyId company, JobId job,
                                 const std::function<bool(const FailedRowRange&)>& fn) override {
    return inner_.for_each_job_failed_row(company, job, fn);
  }
  Status for_each_job_created_person(
      CompanyId company, JobId job,
      const std::function<bool(const CreatedPersonRecord&)>& fn) override {
    return inner_.for_each_job_created_person(company, job, fn);
  }
  Result<std::optional<JobRecord>> find_job_by_source(CompanyId company,
                                                      const std::string& source_path) override {
    return inner_.find_job_by_source(company, source_path);
  }

 protected:
  Store& inner_;
};

}  // namespace person_import::test_doubles
