#include "daemon/cli/command_line.h"

#include <CLI/CLI.hpp>

#include <iostream>

#include "daemon/cli/commands.h"

namespace person_import::cli {

int run_command_line(int argc, char** argv) {
  CLI::App app{"person-import: import .persons files into the person database"};
  app.require_subcommand(1);
  // --db and --company are global: accepted after the command too (`import f.persons --db x`).
  // Set before any subcommand is added, which inherits it.
  app.fallthrough();
  GlobalOptions global;
  auto* database_option =
      app.add_option("--db", global.database,
                     "SQLite file path or postgresql:// URL (default person-import.db)")
          ->envname("PERSON_IMPORT_DB");
  app.add_option("--company", global.company, "company key (default \"default\")")
      ->envname("PERSON_IMPORT_COMPANY");

  int status = kExitSuccess;

  // fields
  auto* fields = app.add_subcommand("fields", "custom field definitions");
  fields->require_subcommand(1);
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
  std::string fields_file;
  auto* load = fields->add_subcommand("load", "define several fields from a JSON file");
  load->add_option("FILE", fields_file, "[{\"name\":…,\"type\":…,…}]")->required();
  load->callback([&] { status = fields_load(global, fields_file); });
  bool fields_json = false;
  auto* list = fields->add_subcommand("list", "the company's custom fields");
  list->add_flag("--json", fields_json, "print JSON");
  list->callback([&] { status = fields_list(global, fields_json); });

  // import
  ImportCommandOptions import_options;
  auto* import_command = app.add_subcommand("import", "import one .persons file");
  import_command->add_option("FILE", import_options.path, "the file")->required();
  import_command->add_flag("--dry-run", import_options.dry_run, "check and report, change nothing");
  import_command->add_flag("--json", import_options.json, "print the report as JSON on stdout");
  import_command->add_option("--report", import_options.report_path, "write the JSON report here");
  import_command->add_option("--errors", import_options.errors_path, "write the errors CSV here");
  import_command->add_option("--failed", import_options.failed_path,
                             "write the failed rows here (only when rows failed)");
  import_command->callback([&] { status = import_file(global, import_options); });

  // persons
  auto* persons = app.add_subcommand("persons", "read persons");
  persons->require_subcommand(1);
  PersonsGetOptions get_options;
  auto* get = persons->add_subcommand("get", "one person as JSON");
  auto* by_id = get->add_option("--person-id", get_options.person_id);
  auto* by_key = get->add_option("--person-key", get_options.person_key);
  auto* by_external = get->add_option("--external-id", get_options.external_id);
  auto* by_mdn = get->add_option("--mdn", get_options.mdn);
  by_id->excludes(by_key)->excludes(by_external)->excludes(by_mdn);
  by_key->excludes(by_external)->excludes(by_mdn);
  by_external->excludes(by_mdn);
  get->callback([&] {
    if (!by_id->count() && !by_key->count() && !by_external->count() && !by_mdn->count()) {
      throw CLI::RequiredError("one of --person-id, --person-key, --external-id, --mdn");
    }
    status = persons_get(global, get_options);
  });
  std::string export_format = "jsonl";
  auto* export_command = persons->add_subcommand("export", "every person, by person_id");
  export_command->add_option("--format", export_format, "jsonl (default) or csv")
      ->check(CLI::IsMember({"jsonl", "csv"}));
  export_command->callback([&] { status = persons_export(global, export_format); });

  // jobs
  auto* jobs = app.add_subcommand("jobs", "past imports");
  jobs->require_subcommand(1);
  bool jobs_json = false;
  auto* jobs_list_command = jobs->add_subcommand("list", "every import of the company");
  jobs_list_command->add_flag("--json", jobs_json, "print JSON");
  jobs_list_command->callback([&] { status = jobs_list(global, jobs_json); });
  std::string job_id;
  auto* show = jobs->add_subcommand("show", "one import and its report");
  show->add_option("ID", job_id, "job id")->required();
  show->add_flag("--json", jobs_json, "print the report as JSON");
  show->callback([&] { status = jobs_show(global, job_id, jobs_json); });

  // companies
  auto* companies = app.add_subcommand("companies", "tenants");
  companies->require_subcommand(1);
  std::string company_key;
  std::vector<std::string> key_files;
  auto* company_add = companies->add_subcommand("add", "create a company");
  company_add->add_option("KEY", company_key, "company key")->required();
  company_add->add_option("--authorized-key", key_files,
                          "SSH public key file allowed to upload (repeatable)");
  std::optional<std::string> company_drop_root;
  company_add
      ->add_option("--drop-root", company_drop_root,
                   "the daemon's drop root: create <DIR>/KEY/inbox and outbox")
      ->type_name("DIR")
      ->envname("PERSON_IMPORT_DROP_ROOT");
  company_add->callback(
      [&] { status = companies_add(global, company_key, key_files, company_drop_root); });
  auto* company_keys = companies->add_subcommand("keys", "list a company's authorized keys");
  company_keys->add_option("KEY", company_key, "company key")->required();
  company_keys->callback([&] { status = companies_keys(global, company_key); });
  std::string fingerprint;
  auto* remove_key =
      companies->add_subcommand("remove-key", "remove an authorized key by its fingerprint");
  remove_key->add_option("KEY", company_key, "company key")->required();
  remove_key->add_option("FINGERPRINT", fingerprint, "SHA256:… as `companies keys` prints it")
      ->required();
  remove_key->callback([&] { status = companies_remove_key(global, company_key, fingerprint); });

  // For sshd's AuthorizedKeysCommand (README, "An external OpenSSH server").
  std::string keys_company;
  auto* authorized_keys = companies->add_subcommand(
      "authorized-keys", "print a company's SSH keys for OpenSSH's AuthorizedKeysCommand");
  authorized_keys->add_option("KEY", keys_company, "company key (sshd's %u)")->required();
  authorized_keys->callback([&] { status = companies_authorized_keys(global, keys_company); });

  // config
  auto* config = app.add_subcommand("config", "the daemon's configuration file");
  config->require_subcommand(1);
  std::string config_file;
  auto* check = config->add_subcommand("check", "validate a configuration file");
  check->add_option("FILE", config_file, "the TOML file (see config/person-import.toml)")
      ->required();
  check->callback([&] { status = config_check(config_file); });

  // daemon (spec section 10): the drop-folder service, in the foreground.
  DaemonCommandOptions daemon_options;
  auto* daemon = app.add_subcommand("daemon", "the drop-folder service, in the foreground");
  daemon->add_option("--config", daemon_options.config_path, "TOML configuration file")
      ->type_name("FILE");
  daemon
      ->add_option("--drop-root", daemon_options.overrides.drop_root,
                   "folder holding one folder per company (overrides drop_root)")
      ->type_name("DIR");
  daemon
      ->add_option("--workers", daemon_options.overrides.workers,
                   "imports running at once (overrides workers)")
      ->type_name("N")
      ->check(CLI::Range(daemon::kMinWorkers, daemon::kMaxWorkers));
  daemon
      ->add_option("--sftp-listen", daemon_options.overrides.sftp_listen,
                   "built-in SFTP server address (overrides sftp_listen)")
      ->type_name("HOST:PORT")
      ->check(CLI::Validator(
          [](std::string& address) {
            const Status valid = daemon::check_listen_address(address);
            return valid.ok() ? std::string() : valid.error().message;
          },
          ""));
  daemon->callback([&] {
    // --db (or PERSON_IMPORT_DB) overrides the file's database only when given.
    if (database_option->count() > 0) daemon_options.overrides.database = global.database;
    status = run_daemon(daemon_options);
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& help) {
    return app.exit(help);
  } catch (const CLI::CallForAllHelp& help) {
    return app.exit(help);
  } catch (const CLI::ParseError& error) {
    (void)app.exit(error, std::cerr, std::cerr);
    return kExitUsage;
  }
  return status;
}  // namespace person_import::cli

}  // namespace person_import::cli
