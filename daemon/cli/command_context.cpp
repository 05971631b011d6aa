#include "daemon/cli/command_context.h"

#include <unistd.h>

#include <iostream>

#include "core/common/closest_name.h"
#include "core/common/company_key.h"

namespace person_import::cli {

std::optional<std::string> config_file_to_read(const std::optional<std::string>& named,
                                               const std::filesystem::path& default_path) {
  if (named) {
    if (named->empty()) return std::nullopt;
    return *named;
  }
  std::error_code ignored;
  if (std::filesystem::exists(default_path, ignored)) return default_path.string();
  return std::nullopt;
}

Result<Settings> resolve_settings(const GlobalOptions& global,
                                  const std::filesystem::path& default_config) {
  Settings settings;
  settings.config_path = config_file_to_read(global.config, default_config);
  if (!settings.config_path) {
    settings.database = global.database.value_or(kDefaultDatabase);
    return settings;
  }
  const bool implicit = !global.config.has_value();
  // The server's configuration may be readable by its service alone: someone who names the
  // database needs nothing from it.
  if (implicit && global.database && ::access(settings.config_path->c_str(), R_OK) != 0) {
    settings.config_path.reset();
    settings.database = *global.database;
    return settings;
  }
  daemon::DaemonOverrides overrides;
  overrides.database = global.database;
  auto options = daemon::load_daemon_options(*settings.config_path, overrides);
  if (!options.ok() && implicit && global.database) {
    // The command has its database: the server's broken configuration is reported, not
    // fatal (sshd's AuthorizedKeysCommand must go on answering logins meanwhile).
    std::cerr << "person-import: warning: " << *settings.config_path
              << " is invalid, ignored (--db names the database):\n"
              << options.error().message << '\n';
    settings.config_path.reset();
    settings.database = *global.database;
    return settings;
  }
  if (!options.ok()) {
    std::string message = options.error().message;
    if (implicit) {
      message +=
          "\n(the daemon's configuration, read for its database; --config FILE names "
          "another, --config '' none)";
    }
    return make_error(std::move(message));
  }
  settings.database = options->database;
  settings.daemon = std::move(options).value();
  return settings;
}

Result<Company> find_existing_company(Store& store, const std::string& key,
                                      const std::string& database) {
  PI_RETURN_IF_ERROR(validate_company_key(key));
  PI_ASSIGN_OR_RETURN(auto company, store.find_company(key));
  if (company) return *company;
  PI_ASSIGN_OR_RETURN(auto companies, store.list_companies());
  std::string message = "no company \"" + key + "\" in " + describe_database(database);
  if (companies.empty()) {
    return make_error(message + " (it has no companies yet: companies add KEY creates one)");
  }
  std::vector<std::string> keys;
  keys.reserve(companies.size());
  for (const auto& known : companies) keys.push_back(known.key);
  if (auto suggestion = closest_name(key, keys)) {
    return make_error(message + "; did you mean \"" + *suggestion + "\"?");
  }
  std::string listed;
  constexpr std::size_t kListed = 10;
  for (std::size_t index = 0; index < keys.size() && index < kListed; ++index) {
    listed += (index ? ", " : "") + keys[index];
  }
  if (keys.size() > kListed) listed += ", … (companies list shows all)";
  return make_error(message + " (companies: " + listed + ")");
}

Result<Workspace> open_workspace(const GlobalOptions& global, StoreAccess access, CompanyUse use) {
  PI_ASSIGN_OR_RETURN(auto settings, resolve_settings(global));
  return open_workspace(std::move(settings), global.company, access, use);
}

Result<Workspace> open_workspace(Settings settings, const std::string& company_key,
                                 StoreAccess access, CompanyUse use) {
  if (use != CompanyUse::kNone) PI_RETURN_IF_ERROR(validate_company_key(company_key));
  StoreOptions options;
  options.access = access;
  PI_ASSIGN_OR_RETURN(auto store, open_store(settings.database, options));
  Company company;
  if (use == CompanyUse::kExisting) {
    PI_ASSIGN_OR_RETURN(company, find_existing_company(*store, company_key, settings.database));
  } else if (use == CompanyUse::kEnsure) {
    PI_ASSIGN_OR_RETURN(company, store->ensure_company(company_key));
  }
  return Workspace{std::move(settings), std::move(store), std::move(company)};
}

int fail(const std::string& message) {
  std::cerr << "person-import: " << message << '\n';
  return kExitFailure;
}

}  // namespace person_import::cli
