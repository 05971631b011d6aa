#include "daemon/cli/commands.h"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/common/company_key.h"
#include "core/exporting/person_export.h"
#include "core/importing/importer.h"
#include "core/phones/carrier_lookup.h"
#include "core/phones/mdn.h"
#include "core/storage/store.h"
#include "daemon/cli/progress_bar.h"
#include "daemon/service/daemon_service.h"
#include "daemon/sftp/public_keys.h"

namespace person_import::cli {
namespace {

int fail(const std::string& message) {
  std::cerr << "person-import: " << message << '\n';
  return kExitFailure;
}

// The store and the company every command works in.
struct Workspace {
  std::unique_ptr<Store> store;
  Company company;
};

// Commands that write create the company on first use; commands that only read never create
// it: a company that does not exist yet is one with no fields, persons or jobs (id 0 matches
// nothing, as company ids start at 1).
enum class Access { kRead, kWrite };

Result<Workspace> open_workspace(const GlobalOptions& global, Access access) {
  PI_RETURN_IF_ERROR(validate_company_key(global.company));
  PI_ASSIGN_OR_RETURN(auto store, open_store(global.database));
  if (access == Access::kWrite) {
    PI_ASSIGN_OR_RETURN(auto company, store->ensure_company(global.company));
    return Workspace{std::move(store), std::move(company)};
  }
  PI_ASSIGN_OR_RETURN(auto existing, store->find_company(global.company));
  Company company = existing.value_or(Company{0, global.company, ""});
  return Workspace{std::move(store), std::move(company)};
}

Result<std::string> read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string describe(const FieldDefinition& field) {
  std::string text = field.name + "  " + std::string(to_string(field.type));
  if (!field.options.empty()) {
    text += "  options: ";
    for (std::size_t index = 0; index < field.options.size(); ++index) {
      text += (index ? "," : "") + field.options[index];
    }
  }
  if (field.type == FieldType::kString)
    text += "  charset: " + std::string(to_string(field.charset));
  return text;
}

Status add_definitions(const GlobalOptions& global, const std::vector<FieldDefinition>& fields) {
  PI_ASSIGN_OR_RETURN(auto workspace, open_workspace(global, Access::kWrite));
  return workspace.store->add_fields(workspace.company.id, fields);
}

void print_human_summary(const ImportSummary& summary, const RowErrorSource& row_errors) {
  std::cerr << summary.file << ": " << to_string(summary.status);
  if (summary.dry_run) std::cerr << " (dry run, nothing changed)";
  if (summary.job_id) std::cerr << ", job " << *summary.job_id;
  std::cerr << "\n  rows " << summary.counts.rows << ", created " << summary.counts.created
            << ", updated " << summary.counts.updated << ", failed " << summary.counts.failed
            << ", retryable " << summary.counts.retryable << '\n';
  for (const auto& warning : summary.warnings) std::cerr << "  warning: " << warning << '\n';
  for (const auto& error : summary.file_errors) {
    std::cerr << "  file error: " << error.class_name << ": " << error.message << '\n';
  }
  constexpr std::uint64_t kShown = 10;
  std::uint64_t shown = 0;
  (void)row_errors([&](const RowErrorRecord& error) {
    if (shown == kShown) return false;
    std::cerr << "  line " << error.line << ": " << error.class_name << ": " << error.message;
    if (error.field) std::cerr << " (" << *error.field << ")";
    std::cerr << '\n';
    ++shown;
    return true;
  });
  if (summary.counts.failed > 0 && shown == kShown) {
    std::cerr << "  … see --errors or --report for every error\n";
  }
}

}  // namespace

// ---- fields ------------------------------------------------------------------------------

int fields_add(const GlobalOptions& global, const FieldsAddOptions& options) {
  FieldDefinition field;
  field.name = options.name;
  auto type = parse_field_type(options.type);
  if (!type) return fail("unknown field type \"" + options.type + "\"");
  field.type = *type;
  field.options = options.options;
  if (options.charset) {
    auto charset = parse_charset(*options.charset);
    if (!charset) return fail("unknown charset \"" + *options.charset + "\"");
    if (field.type != FieldType::kString) return fail("--charset applies to string fields only");
    field.charset = *charset;
  }
  if (auto valid = validate_definition(field); !valid.ok()) return fail(valid.error().message);
  if (auto added = add_definitions(global, {field}); !added.ok()) {
    return fail(added.error().message);
  }
  std::cerr << "defined " << describe(field) << '\n';
  return kExitSuccess;
}

int fields_load(const GlobalOptions& global, const std::string& path) {
  auto text = read_text_file(path);
  if (!text.ok()) return fail(text.error().message);
  auto fields = definitions_from_json_text(*text);
  if (!fields.ok()) return fail(path + ": " + fields.error().message);
  if (auto added = add_definitions(global, *fields); !added.ok()) {
    return fail(added.error().message);
  }
  std::cerr << "defined " << fields->size() << " field(s)\n";
  return kExitSuccess;
}

int fields_list(const GlobalOptions& global, bool json) {
  auto workspace = open_workspace(global, Access::kRead);
  if (!workspace.ok()) return fail(workspace.error().message);
  auto fields = workspace->store->list_fields(workspace->company.id);
  if (!fields.ok()) return fail(fields.error().message);
  if (json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& field : *fields) list.push_back(to_json(field));
    std::cout << list.dump(2) << '\n';
  } else {
    for (const auto& field : *fields) std::cout << describe(field) << '\n';
  }
  return kExitSuccess;
}

// ---- import ------------------------------------------------------------------------------

int import_file(const GlobalOptions& global, const ImportCommandOptions& options) {
  auto workspace = open_workspace(global, Access::kWrite);
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

// ---- persons -----------------------------------------------------------------------------

int persons_get(const GlobalOptions& global, const PersonsGetOptions& options) {
  PersonSelector selector;
  if (options.person_id) {
    selector = {PersonSelector::Kind::kPersonId, *options.person_id};
  } else if (options.person_key) {
    selector = {PersonSelector::Kind::kPersonKey, *options.person_key};
  } else if (options.external_id) {
    selector = {PersonSelector::Kind::kExternalPersonId, *options.external_id};
  } else {
    // The same forms an import accepts find the same person.
    auto e164 = normalize_mdn(options.mdn.value_or(""));
    if (!e164) return fail("not a valid mdn: " + options.mdn.value_or(""));
    selector = {PersonSelector::Kind::kMdn, *e164};
  }
  auto workspace = open_workspace(global, Access::kRead);
  if (!workspace.ok()) return fail(workspace.error().message);
  auto person = workspace->store->find_person(workspace->company.id, selector);
  if (!person.ok()) return fail(person.error().message);
  if (!*person) return fail("no such person");
  std::cout << person_to_json(**person).dump(2, ' ', false,
                                             nlohmann::json::error_handler_t::replace)
            << '\n';
  return kExitSuccess;
}

int persons_export(const GlobalOptions& global, const std::string& format) {
  auto workspace = open_workspace(global, Access::kRead);
  if (!workspace.ok()) return fail(workspace.error().message);
  std::vector<FieldDefinition> fields;
  if (format == "csv") {
    auto listed = workspace->store->list_fields(workspace->company.id);
    if (!listed.ok()) return fail(listed.error().message);
    fields = std::move(listed).value();
    write_persons_csv_header(std::cout, fields);
  }
  auto status =
      workspace->store->for_each_person(workspace->company.id, [&](const PersonRecord& person) {
        if (format == "csv") {
          write_person_csv(std::cout, person, fields);
        } else {
          write_person_jsonl(std::cout, person);
          std::cout << '\n';
        }
        return static_cast<bool>(std::cout);
      });
  std::cout.flush();
  if (!status.ok()) return fail(status.error().message);
  if (!std::cout) return fail("could not write the export");
  return kExitSuccess;
}

// ---- jobs --------------------------------------------------------------------------------

int jobs_list(const GlobalOptions& global, bool json) {
  auto workspace = open_workspace(global, Access::kRead);
  if (!workspace.ok()) return fail(workspace.error().message);
  auto jobs = workspace->store->list_jobs(workspace->company.id);
  if (!jobs.ok()) return fail(jobs.error().message);
  if (json) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const auto& job : *jobs) {
      list.push_back({{"job_id", std::to_string(job.job_id)},
                      {"file", job.file},
                      {"status", to_string(job.status)},
                      {"rows", job.counts.rows},
                      {"created", job.counts.created},
                      {"updated", job.counts.updated},
                      {"failed", job.counts.failed},
                      {"retryable", job.counts.retryable},
                      {"started_at", job.started_at.value_or("")},
                      {"finished_at", job.finished_at.value_or("")}});
    }
    std::cout << list.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    return kExitSuccess;
  }
  for (const auto& job : *jobs) {
    std::cout << job.job_id << "  " << to_string(job.status) << "  " << job.file << "  rows "
              << job.counts.rows << ", created " << job.counts.created << ", updated "
              << job.counts.updated << ", failed " << job.counts.failed << "  "
              << job.finished_at.value_or(job.started_at.value_or("")) << '\n';
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
    std::cerr << "person-import: not a job id: " << job_id << '\n';
    return kExitUsage;
  }
  auto workspace = open_workspace(global, Access::kRead);
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
  std::cout << "job " << id << ": " << (*job)->file << " (" << to_string((*job)->status)
            << ")\n  started " << (*job)->started_at.value_or("-") << ", finished "
            << (*job)->finished_at.value_or("-") << '\n';
  const auto& counts = (*job)->counts;
  std::cout << "  rows " << counts.rows << ", created " << counts.created << ", updated "
            << counts.updated << ", failed " << counts.failed << ", retryable " << counts.retryable
            << '\n';
  for (const auto& warning : (*job)->warnings) std::cout << "  warning: " << warning << '\n';
  for (const auto& error : (*job)->file_errors) {
    std::cout << "  file error: " << error.class_name << ": " << error.message << '\n';
  }
  auto status = row_errors([&](const RowErrorRecord& error) {
    std::cout << "  line " << error.line << " (row " << error.row << "): " << error.class_name
              << ": " << error.message;
    if (error.field) std::cout << " [" << *error.field << " = " << error.value.value_or("") << "]";
    std::cout << '\n';
    return true;
  });
  return status.ok() ? kExitSuccess : fail(status.error().message);
}

// ---- companies ---------------------------------------------------------------------------

int companies_add(const GlobalOptions& global, const std::string& key,
                  const std::vector<std::string>& authorized_key_files,
                  const std::optional<std::string>& drop_root) {
  if (auto valid = validate_company_key(key); !valid.ok()) return fail(valid.error().message);
  if (drop_root && !std::filesystem::is_directory(*drop_root)) {
    return fail("--drop-root " + *drop_root + " is not a directory");
  }
  // Read every key file before changing anything: a typo in the third path must not leave
  // a company with only two keys.
  std::vector<std::string> key_lines;
  for (const auto& path : authorized_key_files) {
    auto text = read_text_file(path);
    if (!text.ok()) return fail(text.error().message);
    // Each line is decoded by libssh, as the SFTP server will: a truncated or mistyped key
    // is refused here rather than failing every login later.
    auto lines = sftp::parse_public_key_lines(*text);
    if (!lines.ok()) return fail(path + ": " + lines.error().message);
    if (lines->empty()) return fail(path + ": no public key in the file");
    key_lines.insert(key_lines.end(), lines->begin(), lines->end());
  }
  auto store = open_store(global.database);
  if (!store.ok()) return fail(store.error().message);
  auto existing = (*store)->find_company(key);
  if (!existing.ok()) return fail(existing.error().message);
  auto company = (*store)->ensure_company(key);
  if (!company.ok()) return fail(company.error().message);
  for (const auto& line : key_lines) {
    if (auto added = (*store)->add_authorized_key(company->id, line); !added.ok()) {
      return fail(added.error().message);
    }
  }
  if (drop_root) {
    if (auto created = service::create_company_folders(*drop_root, key); !created.ok()) {
      return fail(created.error().message);
    }
  }
  std::cerr << "company " << key << (existing->has_value() ? " exists" : " created");
  if (!key_lines.empty()) std::cerr << "; " << key_lines.size() << " authorized key(s) added";
  std::cerr << '\n';
  return kExitSuccess;
}

// `companies authorized-keys KEY`: what OpenSSH's AuthorizedKeysCommand reads (README, "An
// external OpenSSH server"). sshd asks for every user name its Match block covers, so an
// unknown company, or a name that is no company key, prints nothing and succeeds: sshd then
// simply finds no key. Only a failure to read the database is exit 1 (sshd denies the login
// and logs our stderr). Each line gets the `restrict` option: no forwarding, pty or user rc
// even if the sshd_config block were weakened; SFTP needs none of them.
int companies_authorized_keys(const GlobalOptions& global, const std::string& key) {
  if (!validate_company_key(key).ok()) return kExitSuccess;
  // A mistyped --db in sshd_config must not quietly create an empty database that denies
  // everyone: the file has to exist already.
  const bool is_url =
      global.database.starts_with("postgresql://") || global.database.starts_with("postgres://");
  if (!is_url && !std::filesystem::exists(global.database)) {
    return fail("no database at " + global.database);
  }
  auto store = open_store(global.database);
  if (!store.ok()) return fail(store.error().message);
  auto company = (*store)->find_company(key);
  if (!company.ok()) return fail(company.error().message);
  if (!company->has_value()) return kExitSuccess;
  auto lines = (*store)->list_authorized_keys((*company)->id);
  if (!lines.ok()) return fail(lines.error().message);
  for (const auto& line : *lines) std::cout << "restrict " << line << '\n';
  std::cout.flush();
  return std::cout ? kExitSuccess : fail("cannot write the keys to stdout");
}

namespace {

// The company's key lines with what they show, for `keys` and `remove-key`.
struct ListedKey {
  std::string line;
  sftp::PublicKeyInfo info;
};

Result<std::vector<ListedKey>> listed_keys(Store& store, CompanyId company) {
  PI_ASSIGN_OR_RETURN(auto lines, store.list_authorized_keys(company));
  std::vector<ListedKey> keys;
  for (auto& line : lines) {
    auto info = sftp::parse_public_key_line(line);
    // Lines stored before keys were checked with libssh are still shown (and removable by
    // their type), never hidden.
    ListedKey key{line, info.ok() ? *info : sftp::PublicKeyInfo{"invalid", "-", line}};
    keys.push_back(std::move(key));
  }
  return keys;
}

// An existing company with its store and listed keys: what `keys` and `remove-key` work on.
struct CompanyKeys {
  std::unique_ptr<Store> store;
  Company company;
  std::vector<ListedKey> keys;
};

Result<CompanyKeys> load_company_keys(const GlobalOptions& global, const std::string& key) {
  PI_RETURN_IF_ERROR(validate_company_key(key));
  PI_ASSIGN_OR_RETURN(auto store, open_store(global.database));
  PI_ASSIGN_OR_RETURN(auto company, store->find_company(key));
  if (!company) return make_error("no company " + key);
  PI_ASSIGN_OR_RETURN(auto keys, listed_keys(*store, company->id));
  return CompanyKeys{std::move(store), std::move(*company), std::move(keys)};
}

}  // namespace

int companies_keys(const GlobalOptions& global, const std::string& key) {
  auto loaded = load_company_keys(global, key);
  if (!loaded.ok()) return fail(loaded.error().message);
  const auto& keys = loaded->keys;
  for (const auto& listed : keys) {
    std::cout << listed.info.type << ' ' << listed.info.fingerprint;
    if (!listed.info.comment.empty()) std::cout << ' ' << listed.info.comment;
    std::cout << '\n';
  }
  if (keys.empty()) std::cerr << "company " << key << " has no authorized keys\n";
  return kExitSuccess;
}

int companies_remove_key(const GlobalOptions& global, const std::string& key,
                         const std::string& fingerprint) {
  // "SHA256:abc" as `companies keys` and ssh-keygen -l print it; the bare digest too.
  const std::string wanted =
      fingerprint.starts_with("SHA256:") ? fingerprint : "SHA256:" + fingerprint;
  auto loaded = load_company_keys(global, key);
  if (!loaded.ok()) return fail(loaded.error().message);
  std::size_t removed = 0;
  for (const auto& listed : loaded->keys) {
    if (listed.info.fingerprint != wanted) continue;
    if (auto status = loaded->store->remove_authorized_key(loaded->company.id, listed.line);
        !status.ok()) {
      return fail(status.error().message);
    }
    ++removed;
  }
  if (removed == 0) {
    return fail("company " + key + " has no key " + wanted + " (see `companies keys " + key + "`)");
  }
  std::cerr << "company " << key << ": key " << wanted << " removed\n";
  return kExitSuccess;
}

}  // namespace person_import::cli
