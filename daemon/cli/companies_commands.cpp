// companies add, list, remove, keys, remove-key, authorized-keys.
#include <filesystem>
#include <iostream>

#include <nlohmann/json.hpp>

#include "core/common/company_key.h"
#include "core/common/printable.h"
#include "core/common/text_file.h"
#include "daemon/cli/commands.h"
#include "daemon/queueing/upload_queue.h"
#include "daemon/service/daemon_service.h"
#include "daemon/sftp/public_keys.h"

namespace person_import::cli {
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
  Workspace workspace;
  Company company;
  std::vector<ListedKey> keys;
};

Result<CompanyKeys> load_company_keys(const GlobalOptions& global, const std::string& key,
                                      StoreAccess access) {
  PI_ASSIGN_OR_RETURN(auto workspace, open_workspace(global, access, CompanyUse::kNone));
  PI_ASSIGN_OR_RETURN(auto company,
                      find_existing_company(*workspace.store, key, workspace.settings.database));
  PI_ASSIGN_OR_RETURN(auto keys, listed_keys(*workspace.store, company.id));
  return CompanyKeys{std::move(workspace), std::move(company), std::move(keys)};
}

}  // namespace

int companies_add(const GlobalOptions& global, const std::string& key,
                  const std::vector<std::string>& authorized_key_files,
                  const std::optional<std::string>& drop_root_flag) {
  if (auto valid = validate_company_key(key); !valid.ok()) return fail(valid.error().message);
  auto settings = resolve_settings(global);
  if (!settings.ok()) return fail(settings.error().message);
  std::optional<std::string> drop_root = drop_root_flag;
  if (!drop_root && settings->daemon) drop_root = settings->daemon->drop_root;
  if (drop_root && !std::filesystem::is_directory(*drop_root)) {
    return fail((drop_root_flag ? "--drop-root " : "drop_root ") + *drop_root +
                " is not a directory");
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
  auto workspace =
      open_workspace(std::move(settings).value(), key, StoreAccess::kCreate, CompanyUse::kNone);
  if (!workspace.ok()) return fail(workspace.error().message);
  Store& store = *workspace->store;
  auto existing = store.find_company(key);
  if (!existing.ok()) return fail(existing.error().message);
  auto company = store.ensure_company(key);
  if (!company.ok()) return fail(company.error().message);
  for (const auto& line : key_lines) {
    if (auto added = store.add_authorized_key(company->id, line); !added.ok()) {
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
  if (drop_root) std::cerr << "; folders in " << (std::filesystem::path(*drop_root) / key).string();
  std::cerr << '\n';
  return kExitSuccess;
}

int companies_list(const GlobalOptions& global, bool json) {
  auto workspace = open_workspace(global, StoreAccess::kRead, CompanyUse::kNone);
  if (!workspace.ok()) return fail(workspace.error().message);
  auto companies = workspace->store->list_companies();
  if (!companies.ok()) return fail(companies.error().message);
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& company : *companies) {
    auto usage = workspace->store->company_usage(company.id);
    if (!usage.ok()) return fail(usage.error().message);
    if (json) {
      list.push_back({{"company", company.key},
                      {"persons", usage->persons},
                      {"custom_fields", usage->custom_fields},
                      {"authorized_keys", usage->authorized_keys},
                      {"jobs", usage->jobs},
                      {"created_at", company.created_at}});
    } else {
      std::cout << company.key << "  persons " << usage->persons << ", fields "
                << usage->custom_fields << ", keys " << usage->authorized_keys << ", jobs "
                << usage->jobs << "  created " << company.created_at << '\n';
    }
  }
  if (json) std::cout << list.dump(2) << '\n';
  if (!json && companies->empty()) std::cerr << "no companies yet (companies add KEY)\n";
  return kExitSuccess;
}

int companies_remove(const GlobalOptions& global, const std::string& key, bool force) {
  auto workspace = open_workspace(global, StoreAccess::kExisting, CompanyUse::kNone);
  if (!workspace.ok()) return fail(workspace.error().message);
  Store& store = *workspace->store;
  auto company = find_existing_company(store, key, workspace->settings.database);
  if (!company.ok()) return fail(company.error().message);
  // Nothing of it may be under way: a running job (or one a stopped daemon will resume), or a
  // file the daemon has queued.
  JobQuery running;
  running.company = company->id;
  running.status = JobStatus::kRunning;
  auto jobs = store.list_jobs(running);
  if (!jobs.ok()) return fail(jobs.error().message);
  if (!jobs->empty()) {
    return fail("job " + std::to_string(jobs->front().job_id) + " of " + key + " (" +
                printable(jobs->front().file) +
                ") has not finished: let the daemon finish it (or wait for the import) first");
  }
  if (const auto& daemon = workspace->settings.daemon) {
    const auto queue = std::filesystem::path(daemon::effective_state_dir(*daemon)) / "queue" / key;
    std::error_code error;
    if (std::filesystem::is_directory(queue, error) && !std::filesystem::is_empty(queue, error)) {
      return fail("the daemon has files of " + key + " queued in " + queue.string() +
                  ": let it import them first");
    }
  }
  auto usage = store.company_usage(company->id);
  if (!usage.ok()) return fail(usage.error().message);
  if (usage->persons > 0 && !force) {
    return fail("company " + key + " has " + std::to_string(usage->persons) +
                " person(s): --force removes it with them");
  }
  if (auto removed = store.remove_company(company->id); !removed.ok()) {
    return fail(removed.error().message);
  }
  std::cerr << "company " << key << " removed (" << usage->persons << " person(s), "
            << usage->custom_fields << " field(s), " << usage->authorized_keys << " key(s), "
            << usage->jobs << " job(s))\n";
  if (const auto& daemon = workspace->settings.daemon) {
    const auto folder = std::filesystem::path(daemon->drop_root) / key;
    std::error_code error;
    if (std::filesystem::exists(folder, error)) {
      std::cerr << "its drop folder " << folder.string()
                << " is left as it is: remove it once its outbox is no longer needed (an "
                   "upload there would create the company again)\n";
    }
  }
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
  // everyone: it has to exist already.
  auto workspace = open_workspace(global, StoreAccess::kRead, CompanyUse::kNone);
  if (!workspace.ok()) return fail(workspace.error().message);
  auto company = workspace->store->find_company(key);
  if (!company.ok()) return fail(company.error().message);
  if (!company->has_value()) return kExitSuccess;
  auto lines = workspace->store->list_authorized_keys((*company)->id);
  if (!lines.ok()) return fail(lines.error().message);
  for (const auto& line : *lines) std::cout << "restrict " << line << '\n';
  std::cout.flush();
  return std::cout ? kExitSuccess : fail("cannot write the keys to stdout");
}

int companies_keys(const GlobalOptions& global, const std::string& key) {
  auto loaded = load_company_keys(global, key, StoreAccess::kRead);
  if (!loaded.ok()) return fail(loaded.error().message);
  const auto& keys = loaded->keys;
  for (const auto& listed : keys) {
    std::cout << listed.info.type << ' ' << listed.info.fingerprint;
    if (!listed.info.comment.empty()) std::cout << ' ' << printable(listed.info.comment);
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
  auto loaded = load_company_keys(global, key, StoreAccess::kExisting);
  if (!loaded.ok()) return fail(loaded.error().message);
  std::size_t removed = 0;
  for (const auto& listed : loaded->keys) {
    if (listed.info.fingerprint != wanted) continue;
    if (auto status =
            loaded->workspace.store->remove_authorized_key(loaded->company.id, listed.line);
        !status.ok()) {
      return fail(status.error().message);
    }
    ++removed;
  }
  if (removed == 0) {
    return fail("company " + key + " has no key " + printable(wanted) + " (see `companies keys " +
                key + "`)");
  }
  std::cerr << "company " << key << ": key " << wanted << " removed\n";
  return kExitSuccess;
}

}  // namespace person_import::cli
