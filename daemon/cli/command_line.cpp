#include "daemon/cli/command_line.h"

#include <CLI/CLI.hpp>

#include <iostream>

#include "daemon/cli/commands.h"
#include "daemon/cli/usage_errors.h"
#include "daemon/service/fatal_signals.h"

namespace person_import::cli {
namespace {

// Which global options a command reads, for its --help.
enum Globals : unsigned {
  kNoGlobals = 0,
  kDatabase = 1,  // --db and --config (which may name the database)
  kCompany = 2,   // --company
};

constexpr const char* kGlobalDatabaseHelp =
    "  --db DB        SQLite file or postgresql:// URL (env PERSON_IMPORT_DB; default: the\n"
    "                 configuration's database, else person-import.db)\n"
    "  --config FILE  the daemon's configuration, read for its database and folders (env\n"
    "                 PERSON_IMPORT_CONFIG; default /etc/person-import/person-import.toml\n"
    "                 when it exists; '' reads none)\n";
constexpr const char* kGlobalCompanyHelp =
    "  --company KEY  the company (env PERSON_IMPORT_COMPANY; default \"default\")\n";

constexpr const char* kExitStatus = "0 success, 1 failure, 2 usage error";
constexpr const char* kImportExitStatus =
    "0 every row applied, 3 completed with row errors, 4 file rejected, 2 usage error,\n"
    "  1 any other failure (the file cannot be read, the database failed)";

// The end of a command's --help: the global options it reads, an example, its exit statuses.
void document(CLI::App* command, unsigned globals, const std::string& example,
              const std::string& exit_status = kExitStatus) {
  std::string footer;
  if (globals != kNoGlobals) {
    footer += "Global options (before or after the command):\n";
    if (globals & kDatabase) footer += kGlobalDatabaseHelp;
    if (globals & kCompany) footer += kGlobalCompanyHelp;
    footer += "\n";
  }
  footer += "Example:\n" + example + "\n\nExit status: " + exit_status + "\n";
  command->footer(footer);
}

}  // namespace

int run_command_line(int argc, char** argv) {
  // Replaced by the daemon's own, in its log's form, when the command is `daemon`.
  service::report_bus_errors(
      [](auto) { return std::string("person-import: ") + service::kBusErrorMessage; });
  CLI::App app{"person-import: import .persons files into the person database"};
  app.require_subcommand(1);
  // --db, --company and --config are global: accepted after the command too
  // (`import f.persons --db x`). Set before any subcommand is added, which inherits it.
  app.fallthrough();
  app.set_version_flag("--version", version_text(), "print the version and the build's commit");
  GlobalOptions global;
  app.add_option("--db", global.database, "SQLite file path or postgresql:// URL")
      ->type_name("DB")
      ->envname("PERSON_IMPORT_DB");
  app.add_option("--company", global.company, "company key (default \"default\")")
      ->type_name("KEY")
      ->envname("PERSON_IMPORT_COMPANY");
  app.add_option("--config", global.config,
                 "the daemon's configuration (default /etc/person-import/person-import.toml "
                 "when it exists)")
      ->type_name("FILE")
      ->envname("PERSON_IMPORT_CONFIG");
  app.footer(
      "Run 'person-import COMMAND --help' for a command's options and an example.\n\n"
      "Exit status: 0 success, 1 failure, 2 usage error; import also 3 (row errors) and 4\n"
      "(file rejected). Errors start with 'person-import:' on stderr.\n");

  int status = kExitSuccess;

  // fields
  auto* fields = app.add_subcommand("fields", "custom field definitions");
  fields->require_subcommand(1);
  document(fields, kDatabase | kCompany, "  person-import --company acme fields list");
  FieldsAddOptions fields_add_options;
  auto* add = fields->add_subcommand("add", "define a custom field");
  add->add_option("NAME", fields_add_options.name, "field name")->required();
  add->add_option("--type", fields_add_options.type,
                  "string, number, date, single_select, multi_select or postal_code")
      ->required();
  add->add_option("--options", fields_add_options.options, "option keys of a select")
      ->delimiter(',');
  add->add_option("--charset", fields_add_options.charset,
                  "character set of a string: unicode (default), gsm, latin1, ascii");
  add->callback([&] { status = fields_add(global, fields_add_options); });
  document(add, kDatabase | kCompany,
           "  person-import --company acme fields add tier --type single_select "
           "--options gold,silver\n"
           "  (the same definition again changes nothing; a different one is an error)");
  std::string fields_file;
  auto* load = fields->add_subcommand("load", "define several fields from a JSON file");
  load->add_option("FILE", fields_file, "[{\"name\":…,\"type\":…,…}]")->required();
  load->callback([&] { status = fields_load(global, fields_file); });
  document(load, kDatabase | kCompany,
           "  person-import --company acme fields load fields.json\n"
           "  (all or none; fields already defined the same way are kept, so it can be re-run)");
  bool fields_json = false;
  auto* list = fields->add_subcommand("list", "the company's custom fields");
  list->add_flag("--json", fields_json, "print JSON");
  list->callback([&] { status = fields_list(global, fields_json); });
  document(list, kDatabase | kCompany, "  person-import --company acme fields list --json");
  std::string field_name;
  bool field_force = false;
  auto* remove_field = fields->add_subcommand("remove", "remove a custom field");
  remove_field->add_option("NAME", field_name, "field name")->required();
  remove_field->add_flag("--force", field_force,
                         "also when persons have a value for it (the values are removed too)");
  remove_field->callback([&] { status = fields_remove(global, field_name, field_force); });
  document(remove_field, kDatabase | kCompany,
           "  person-import --company acme fields remove nickname --force");

  // import
  ImportCommandOptions import_options;
  auto* import_command = app.add_subcommand("import", "import one .persons file");
  import_command->add_option("FILE", import_options.path, "the file")->required();
  import_command->add_flag("--dry-run", import_options.dry_run,
                           "check and report, change nothing (the company must exist)");
  import_command->add_flag("--json", import_options.json, "print the report as JSON on stdout");
  import_command->add_option("--report", import_options.report_path, "write the JSON report here")
      ->type_name("PATH");
  import_command->add_option("--errors", import_options.errors_path, "write the errors CSV here")
      ->type_name("PATH");
  import_command
      ->add_option("--failed", import_options.failed_path,
                   "write the failed rows here (only when rows failed)")
      ->type_name("PATH");
  import_command
      ->add_option("--created", import_options.created_path,
                   "write the persons the file created here (only when it created some)")
      ->type_name("PATH");
  import_command->callback([&] { status = import_file(global, import_options); });
  document(import_command, kDatabase | kCompany,
           "  person-import --company acme import customers.persons --errors errors.csv \\\n"
           "      --failed failed.persons --created created.csv",
           kImportExitStatus);

  // persons
  auto* persons = app.add_subcommand("persons", "read persons");
  persons->require_subcommand(1);
  document(persons, kDatabase | kCompany, "  person-import --company acme persons export");
  PersonsGetOptions get_options;
  auto* get = persons->add_subcommand("get", "one person as JSON");
  auto* by_id = get->add_option("--person-id", get_options.person_id)->type_name("N");
  auto* by_key = get->add_option("--person-key", get_options.person_key)->type_name("KEY");
  auto* by_external = get->add_option("--external-id", get_options.external_id)->type_name("ID");
  auto* by_mdn = get->add_option("--mdn", get_options.mdn)->type_name("MDN");
  by_id->excludes(by_key)->excludes(by_external)->excludes(by_mdn);
  by_key->excludes(by_external)->excludes(by_mdn);
  by_external->excludes(by_mdn);
  get->callback([&] {
    if (!by_id->count() && !by_key->count() && !by_external->count() && !by_mdn->count()) {
      throw CLI::RequiredError("one of --person-id, --person-key, --external-id, --mdn");
    }
    status = persons_get(global, get_options);
  });
  document(get, kDatabase | kCompany,
           "  person-import --company acme persons get --external-id crm-1001",
           "0 found, 1 no such person (or a failure), 2 usage error");
  std::string export_format = "jsonl";
  auto* export_command = persons->add_subcommand("export", "every person, by person_id");
  export_command->add_option("--format", export_format, "jsonl (default) or csv")
      ->check(CLI::IsMember({"jsonl", "csv"}));
  export_command->callback([&] { status = persons_export(global, export_format); });
  document(export_command, kDatabase | kCompany,
           "  person-import --company acme persons export --format csv > persons.csv");

  // jobs
  auto* jobs = app.add_subcommand("jobs", "imports: queued, running and past");
  jobs->require_subcommand(1);
  document(jobs, kDatabase | kCompany, "  person-import --company acme jobs list");
  JobsListOptions jobs_list_options;
  auto* jobs_list_command = jobs->add_subcommand(
      "list", "the company's jobs, with the daemon's queued and interrupted files");
  jobs_list_command->add_flag("--json", jobs_list_options.json, "print JSON");
  jobs_list_command->add_flag("--all-companies", jobs_list_options.all_companies,
                              "every company's, not only --company's");
  jobs_list_command
      ->add_option("--status", jobs_list_options.status,
                   "only these: queued, running, interrupted, completed, rejected, failed")
      ->type_name("S");
  jobs_list_command
      ->add_option("--since", jobs_list_options.since,
                   "only those started (queued: received) since TIME: an age (30m, 24h, 7d) or "
                   "a time (2026-12-01, 2026-12-01T08:00:00Z)")
      ->type_name("TIME");
  jobs_list_command->callback([&] { status = jobs_list(global, jobs_list_options); });
  document(jobs_list_command, kDatabase | kCompany,
           "  person-import jobs list --all-companies --status failed --since 24h");
  std::string job_id;
  bool jobs_show_json = false;
  auto* show = jobs->add_subcommand("show", "one import and its report");
  show->add_option("ID", job_id, "job id")->required();
  show->add_flag("--json", jobs_show_json, "print the report as JSON");
  show->callback([&] { status = jobs_show(global, job_id, jobs_show_json); });
  document(show, kDatabase | kCompany, "  person-import --company acme jobs show 42 --json");

  // companies
  auto* companies = app.add_subcommand("companies", "tenants and their SSH keys");
  companies->require_subcommand(1);
  document(companies, kDatabase, "  person-import companies list");
  std::string company_key;
  std::vector<std::string> key_files;
  auto* company_add = companies->add_subcommand("add", "create a company");
  company_add->add_option("KEY", company_key, "company key")->required();
  company_add
      ->add_option("--authorized-key", key_files,
                   "SSH public key file allowed to upload (repeatable)")
      ->type_name("FILE");
  std::optional<std::string> company_drop_root;
  company_add
      ->add_option("--drop-root", company_drop_root,
                   "the daemon's drop root (default: the configuration's drop_root): create "
                   "<DIR>/KEY/inbox and outbox")
      ->type_name("DIR")
      ->envname("PERSON_IMPORT_DROP_ROOT");
  company_add->callback(
      [&] { status = companies_add(global, company_key, key_files, company_drop_root); });
  document(company_add, kDatabase,
           "  person-import companies add acme --authorized-key acme_id_ed25519.pub");
  bool companies_json = false;
  auto* company_list = companies->add_subcommand("list", "every company, with what it holds");
  company_list->add_flag("--json", companies_json, "print JSON");
  company_list->callback([&] { status = companies_list(global, companies_json); });
  document(company_list, kDatabase, "  person-import companies list --json");
  bool company_force = false;
  auto* company_remove =
      companies->add_subcommand("remove", "remove a company and everything it holds");
  company_remove->add_option("KEY", company_key, "company key")->required();
  company_remove->add_flag("--force", company_force, "also when it has persons (removed too)");
  company_remove->callback([&] { status = companies_remove(global, company_key, company_force); });
  document(company_remove, kDatabase,
           "  person-import companies remove old-brand --force\n"
           "  (refused while it has persons, without --force, or an import under way)");
  auto* company_keys = companies->add_subcommand("keys", "list a company's authorized keys");
  company_keys->add_option("KEY", company_key, "company key")->required();
  company_keys->callback([&] { status = companies_keys(global, company_key); });
  document(company_keys, kDatabase, "  person-import companies keys acme");
  std::string fingerprint;
  auto* remove_key =
      companies->add_subcommand("remove-key", "remove an authorized key by its fingerprint");
  remove_key->add_option("KEY", company_key, "company key")->required();
  remove_key->add_option("FINGERPRINT", fingerprint, "SHA256:… as `companies keys` prints it")
      ->required();
  remove_key->callback([&] { status = companies_remove_key(global, company_key, fingerprint); });
  document(remove_key, kDatabase, "  person-import companies remove-key acme SHA256:AbC…");
  // For sshd's AuthorizedKeysCommand (README, "An external OpenSSH server").
  std::string keys_company;
  auto* authorized_keys = companies->add_subcommand(
      "authorized-keys", "print a company's SSH keys for OpenSSH's AuthorizedKeysCommand");
  authorized_keys->add_option("KEY", keys_company, "company key (sshd's %u)")->required();
  authorized_keys->callback([&] { status = companies_authorized_keys(global, keys_company); });
  document(authorized_keys, kDatabase,
           "  AuthorizedKeysCommand /usr/bin/person-import companies authorized-keys %u",
           "0 success (nothing printed for an unknown company), 1 the database cannot be read, "
           "2 usage error");

  // config
  auto* config = app.add_subcommand("config", "the daemon's configuration file");
  config->require_subcommand(1);
  document(config, kNoGlobals,
           "  person-import config check /etc/person-import/person-import.toml");
  std::string config_file;
  auto* check = config->add_subcommand("check", "validate a configuration file");
  check->add_option("FILE", config_file, "the TOML file (see config/person-import.toml)")
      ->required();
  check->callback([&] { status = config_check(config_file); });
  document(check, kNoGlobals, "  person-import config check /etc/person-import/person-import.toml",
           "0 valid (the effective values on stdout), 1 invalid (every problem on stderr), "
           "2 usage error");

  // daemon (spec section 10): the drop-folder service, in the foreground.
  daemon::DaemonOverrides daemon_flags;
  auto* daemon = app.add_subcommand("daemon", "the drop-folder service, in the foreground");
  daemon
      ->add_option("--drop-root", daemon_flags.drop_root,
                   "folder holding one folder per company (overrides drop_root)")
      ->type_name("DIR");
  daemon
      ->add_option("--workers", daemon_flags.workers, "imports running at once (overrides workers)")
      ->type_name("N")
      ->check(CLI::Range(daemon::kMinWorkers, daemon::kMaxWorkers));
  daemon
      ->add_option("--sftp-listen", daemon_flags.sftp_listen,
                   "built-in SFTP server address (overrides sftp_listen)")
      ->type_name("HOST:PORT")
      ->check(CLI::Validator(
          [](std::string& address) {
            const Status valid = daemon::check_listen_address(address);
            return valid.ok() ? std::string() : valid.error().message;
          },
          ""));
  daemon->callback([&] { status = run_daemon(global, daemon_flags); });
  document(daemon, kDatabase,
           "  person-import daemon --config /etc/person-import/person-import.toml\n"
           "  (flags override the configuration; SIGTERM stops it, SIGHUP reloads it)",
           "0 after a clean stop (SIGTERM, SIGINT), 1 it could not start (invalid options, the\n"
           "  state_dir in use by another daemon, the database or the drop root unusable), "
           "2 usage error");

  auto* version = app.add_subcommand("version", "print the version and the build's commit");
  version->callback([&] { std::cout << version_text() << '\n'; });
  document(version, kNoGlobals, "  person-import version");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& help) {
    return app.exit(help);
  } catch (const CLI::CallForAllHelp& help) {
    return app.exit(help);
  } catch (const CLI::CallForVersion&) {
    std::cout << version_text() << '\n';
    return kExitSuccess;
  } catch (const CLI::ParseError& error) {
    std::cerr << "person-import: " << usage_error_message(app, error) << '\n';
    return kExitUsage;
  }
  return status;
}

}  // namespace person_import::cli
