// The command line as an administrator meets it: which commands may create a database or a
// company, what unknown names and usage errors say, --help and --version, the admin commands,
// the daemon's configuration as the source of the database, read-only and unreadable databases.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <regex>

#include "core/storage/store.h"
#include "tests/support/cli_fixture.h"
#include "tests/support/test_database.h"
#include "tests/support/test_support.h"

using test_support::Cli;
using test_support::contains;
using test_support::read_file;
using test_support::run_command;
using test_support::shell_quote;
using test_support::TempDirectory;
using test_support::write_file;
namespace fs = std::filesystem;

namespace {

// Whether `database` holds person-import's tables (a writing command has made it).
bool database_exists(const std::string& database) {
  person_import::StoreOptions options;
  options.access = person_import::StoreAccess::kExisting;
  return person_import::open_store(database, options).ok();
}

test_support::CommandResult bare(const std::string& arguments) {
  return run_command(test_support::person_import_bare_command(arguments));
}

std::vector<nlohmann::json> json_list(const test_support::CommandResult& result) {
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  return nlohmann::json::parse(result.out).get<std::vector<nlohmann::json>>();
}

}  // namespace

TEST_CASE("reading and admin commands never create a database", "[database]") {
  Cli cli;
  const std::string dry = cli.file("dry.persons", "external_person_id\nc-1\n");
  for (const std::string& command : std::vector<std::string>{
           "fields list", "fields remove tier", "persons get --person-id 1", "persons export",
           "jobs list", "jobs list --all-companies", "jobs show 1", "companies list",
           "companies keys acme", "companies remove acme", "companies remove-key acme SHA256:x",
           "companies authorized-keys acme", "import --dry-run " + dry}) {
    INFO(command);
    auto result = cli(command);
    CHECK(result.exit_code == 1);
    CHECK(result.out.empty());
    CHECK(result.err.rfind(
              "person-import: no database at " + person_import::describe_database(cli.database),
              0) == 0);
    if (!test_support::testing_postgresql()) CHECK_FALSE(fs::exists(cli.database));
  }
  CHECK_FALSE(database_exists(cli.database));
  // A mistyped path, as in the issue: nothing appears there.
  auto typo =
      run_command(test_support::person_import_command(cli.directory.file("peple.db"), "jobs list"));
  CHECK(typo.exit_code == 1);
  CHECK(typo.err == "person-import: no database at " + cli.directory.file("peple.db") + "\n");
  CHECK_FALSE(fs::exists(cli.directory.file("peple.db")));
}

TEST_CASE("only the commands that define things create the database", "[database]") {
  const std::vector<std::pair<std::string, std::string>> creators = {
      {"fields add", "fields add tier --type string"},
      {"fields load", "fields load FIELDS"},
      {"companies add", "companies add acme"},
      {"import", "import INPUT"}};
  for (const auto& [name, command] : creators) {
    INFO(name);
    Cli cli;
    std::string arguments = command;
    if (arguments.ends_with("FIELDS")) {
      arguments.replace(arguments.find("FIELDS"), 6,
                        cli.file("f.json", R"([{"name":"tier","type":"string"}])"));
    }
    if (arguments.ends_with("INPUT")) {
      arguments.replace(arguments.find("INPUT"), 5,
                        cli.file("in.persons", "external_person_id\nc-1\n"));
    }
    auto result = cli(arguments);
    INFO(result.err);
    CHECK(result.exit_code == 0);
    CHECK(database_exists(cli.database));
    CHECK(cli("companies list").exit_code == 0);
  }
}

TEST_CASE("an unknown company is an error naming it and the nearest known key", "[database]") {
  Cli cli;
  REQUIRE(cli("companies add acme").exit_code == 0);
  REQUIRE(cli("companies add globex").exit_code == 0);
  auto typo = cli("--company acmee jobs list");
  CHECK(typo.exit_code == 1);
  CHECK(typo.err == "person-import: no company \"acmee\" in " +
                        person_import::describe_database(cli.database) +
                        "; did you mean \"acme\"?\n");
  auto far = cli("--company initech persons export");
  CHECK(far.exit_code == 1);
  CHECK(contains(far.err, "no company \"initech\" in "));
  CHECK(contains(far.err, "(companies: acme, globex)"));
  CHECK(contains(cli("companies keys globx").err, "did you mean \"globex\"?"));
  CHECK(contains(cli("companies remove acm").err, "did you mean \"acme\"?"));
  // A dry run of an unknown company changes nothing either: the company is not created.
  auto dry = cli("--company initech import --dry-run " +
                 cli.file("in.persons", "external_person_id\nc-1\n"));
  CHECK(dry.exit_code == 1);
  CHECK(contains(dry.err, "no company \"initech\""));
  CHECK(json_list(cli("companies list --json")).size() == 2);
}

TEST_CASE("usage errors name what was wrong and the nearest valid command or option") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"imprt x.persons", "person-import: unknown command 'imprt'; did you mean 'import'?"},
      {"jobs lst",
       "person-import: unknown command 'lst' for 'person-import jobs'; did you mean "
       "'list'?"},
      {"import --dry-rn x.persons",
       "person-import: unknown option '--dry-rn' for 'person-import import'; did you mean "
       "'--dry-run'?"},
      {"--dbb x.db jobs list",
       "person-import: unknown option '--dbb' for 'person-import jobs list'; did you mean '--db'?"},
      {"jobs", "person-import: 'person-import jobs' needs a command: list, show"},
      {"frobnicate",
       "person-import: unknown command 'frobnicate' (commands: fields, import, "
       "persons, jobs, companies, config, daemon, version)"},
      {"jobs list extra",
       "person-import: unexpected argument 'extra' for 'person-import jobs "
       "list'"},
  };
  for (const auto& [arguments, first_line] : cases) {
    INFO(arguments);
    auto result = bare(arguments);
    CHECK(result.exit_code == 2);
    CHECK(result.out.empty());
    CHECK(result.err.substr(0, result.err.find('\n')) == first_line);
    CHECK(contains(result.err, "\nRun 'person-import"));
  }
  // Every usage error, CLI11's own included, has the prefix and exit status 2.
  for (const std::string arguments : {"", "companies add", "import", "persons get",
                                      "daemon --workers 0", "persons export --format xml"}) {
    INFO(arguments);
    auto result = bare(arguments);
    CHECK(result.exit_code == 2);
    CHECK(result.err.rfind("person-import: ", 0) == 0);
  }
}

TEST_CASE("version and --version print the version and the build's commit") {
  const std::regex version(
      R"(person-import [0-9]+\.[0-9]+\.[0-9]+ \(commit ([0-9a-f]{12}(-modified)?|unknown)\)
)");
  for (const std::string arguments : {"--version", "version"}) {
    INFO(arguments);
    auto result = bare(arguments);
    CHECK(result.exit_code == 0);
    CHECK(std::regex_match(result.out, version));
  }
}

TEST_CASE("every command's --help shows the global options that apply, an example, exit codes") {
  struct Command {
    std::string name;
    bool database;
    bool company;
  };
  const std::vector<Command> commands = {{"fields add", true, true},
                                         {"fields load", true, true},
                                         {"fields list", true, true},
                                         {"fields remove", true, true},
                                         {"import", true, true},
                                         {"persons get", true, true},
                                         {"persons export", true, true},
                                         {"jobs list", true, true},
                                         {"jobs show", true, true},
                                         {"companies add", true, false},
                                         {"companies list", true, false},
                                         {"companies remove", true, false},
                                         {"companies keys", true, false},
                                         {"companies remove-key", true, false},
                                         {"companies authorized-keys", true, false},
                                         {"config check", false, false},
                                         {"daemon", true, false},
                                         {"version", false, false}};
  for (const auto& command : commands) {
    INFO(command.name);
    auto help = bare(command.name + " --help");
    CHECK(help.exit_code == 0);
    CHECK(contains(help.out, "\nExample:\n  "));
    CHECK(contains(help.out, "\nExit status: 0 "));
    CHECK(contains(help.out, "2 usage error"));
    CHECK(contains(help.out, "  --db DB ") == command.database);
    CHECK(contains(help.out, "  --config FILE ") == command.database);
    CHECK(contains(help.out, "  --company KEY ") == command.company);
  }
  CHECK(contains(bare("import --help").out,
                 "0 every row applied, 3 completed with row errors, 4 file rejected"));
}

TEST_CASE("fields load can be re-applied: identical definitions are kept, a conflict fails all",
          "[database]") {
  Cli cli;
  const std::string fields =
      cli.file("f.json",
               R"([{"name":"tier","type":"single_select","options":["gold","silver"]},
          {"name":"nick","type":"string","charset":"gsm"}])");
  REQUIRE(cli("fields load " + fields).exit_code == 0);
  auto again = cli("fields load " + fields);
  CHECK(again.exit_code == 0);
  CHECK(again.err == "defined 0 field(s); 2 already defined\n");
  CHECK(cli("fields add nick --type string --charset gsm").exit_code == 0);
  auto conflict = cli("fields load " + cli.file("g.json", R"([{"name":"score","type":"number"},
                            {"name":"tier","type":"single_select","options":["gold"]}])"));
  CHECK(conflict.exit_code == 1);
  CHECK(contains(conflict.err,
                 "custom field \"tier\" is already defined as \"tier  single_select  options: "
                 "gold,silver\", not \"tier  single_select  options: gold\""));
  auto listed = json_list(cli("fields list --json"));
  CHECK(listed.size() == 2);                                   // score was not added
  CHECK(cli("fields add nick --type string").exit_code == 1);  // charset unicode: a conflict
}

TEST_CASE("fields remove refuses while persons hold a value, unless --force", "[database]") {
  Cli cli;
  REQUIRE(cli("fields add tier --type string").exit_code == 0);
  REQUIRE(cli("fields add score --type number").exit_code == 0);
  REQUIRE(
      cli("import " + cli.file("in.persons", "external_person_id,tier,score\nc-1,gold,1\nc-2,,2\n"))
          .exit_code == 0);
  auto refused = cli("fields remove tier");
  CHECK(refused.exit_code == 1);
  CHECK(refused.err ==
        "person-import: 1 person(s) of default have a value for \"tier\": --force removes the "
        "field and those values\n");
  auto typo = cli("fields remove teir");
  CHECK(typo.exit_code == 1);
  CHECK(contains(typo.err, "has no custom field \"teir\"; did you mean \"tier\"?"));
  auto forced = cli("fields remove tier --force");
  CHECK(forced.exit_code == 0);
  CHECK(forced.err == "removed field tier and its value from 1 person(s)\n");
  CHECK_FALSE(contains(cli("persons export").out, "tier"));
  CHECK(contains(cli("persons export").out, "\"score\":1"));
  auto listed = json_list(cli("fields list --json"));
  REQUIRE(listed.size() == 1);
  CHECK(listed[0]["name"] == "score");
  // A field without values goes without --force; the column is then unknown to imports.
  REQUIRE(cli("fields add unused --type date").exit_code == 0);
  CHECK(cli("fields remove unused").exit_code == 0);
  CHECK(cli("import " + cli.file("t.persons", "external_person_id,tier\nc-3,gold\n")).exit_code ==
        3);
}

TEST_CASE("companies list shows what each holds, remove refuses persons without --force",
          "[database]") {
  Cli cli;
  REQUIRE(cli("companies add globex").exit_code == 0);
  REQUIRE(cli("--company acme fields add tier --type string").exit_code == 0);
  REQUIRE(cli("--company acme import " +
              cli.file("in.persons", "external_person_id,tier\nc-1,gold\nc-2,silver\n"))
              .exit_code == 0);
  auto listed = json_list(cli("companies list --json"));
  REQUIRE(listed.size() == 2);
  CHECK(listed[0]["company"] == "acme");
  CHECK(listed[0]["persons"] == 2);
  CHECK(listed[0]["custom_fields"] == 1);
  CHECK(listed[0]["jobs"] == 1);
  CHECK(listed[1]["company"] == "globex");
  CHECK(listed[1]["persons"] == 0);
  CHECK(contains(cli("companies list").out, "acme  persons 2, fields 1, keys 0, jobs 1  created "));

  auto refused = cli("companies remove acme");
  CHECK(refused.exit_code == 1);
  CHECK(refused.err ==
        "person-import: company acme has 2 person(s): --force removes it with them\n");
  CHECK(cli("companies remove globex").exit_code == 0);  // no persons: no --force needed
  auto forced = cli("companies remove acme --force");
  CHECK(forced.exit_code == 0);
  CHECK(contains(forced.err, "company acme removed (2 person(s), 1 field(s), 0 key(s), 1 job(s))"));
  CHECK(json_list(cli("companies list --json")).empty());
  CHECK(cli("--company acme persons export").exit_code == 1);
}

TEST_CASE("admin commands read the daemon's configuration for the database and the drop root",
          "[database]") {
  Cli cli;
  const fs::path drops = cli.directory.path() / "drops";
  fs::create_directories(drops);
  const std::string config = cli.directory.file("daemon.toml");
  write_file(config,
             "database = \"" + cli.database + "\"\ndrop_root = \"" + drops.string() + "\"\n");
  // PERSON_IMPORT_CONFIG, and no --db.
  auto added = run_command("cd " + shell_quote(cli.directory.file("")) +
                           " && PERSON_IMPORT_CONFIG=" + shell_quote(config) + " " +
                           shell_quote(PERSON_IMPORT_BINARY) + " companies add acme");
  INFO(added.err);
  CHECK(added.exit_code == 0);
  CHECK(fs::is_directory(drops / "acme" / "inbox"));
  CHECK(fs::is_directory(drops / "acme" / "outbox"));
  CHECK_FALSE(fs::exists(cli.directory.file("person-import.db")));  // not the default database
  // --config, from another folder.
  auto listed = bare("--config " + shell_quote(config) + " companies list --json");
  REQUIRE(listed.exit_code == 0);
  CHECK(nlohmann::json::parse(listed.out)[0]["company"] == "acme");
  // A configuration that applies must be valid, whatever the command.
  write_file(config, "drop_root = \"" + drops.string() + "\"\nworkrs = 3\n");
  auto invalid = bare("--config " + shell_quote(config) + " companies list");
  CHECK(invalid.exit_code == 1);
  CHECK(contains(invalid.err, config + ":2: workrs: unknown key; did you mean \"workers\"?"));
}

TEST_CASE("jobs list shows queued and interrupted files and filters by company, status, time",
          "[database]") {
  Cli cli;
  const fs::path drops = cli.directory.path() / "drops";
  const fs::path state = drops / ".person-import";
  fs::create_directories(state / "queue" / "acme");
  const std::string config = cli.directory.file("daemon.toml");
  write_file(config,
             "database = \"" + cli.database + "\"\ndrop_root = \"" + drops.string() + "\"\n");
  REQUIRE(cli("--company acme import " + cli.file("done.persons", "external_person_id\nc-1\n"))
              .exit_code == 0);
  REQUIRE(cli("--company acme import " + cli.file("bad.persons", "tier\ngold\n")).exit_code == 4);
  REQUIRE(cli("--company beta import " + cli.file("beta.persons", "external_person_id\nb-1\n"))
              .exit_code == 0);
  // What the daemon leaves: a picked-up file waiting in its queue, and one whose import a
  // crash interrupted (its job still running at its checkpoint).
  const fs::path queued = state / "queue" / "acme" / "01764000000000000000-waiting.persons";
  const fs::path interrupted = state / "queue" / "acme" / "01764000000000000001-half.persons";
  write_file(queued.string(), "external_person_id\nq-1\n");
  write_file(interrupted.string(), "external_person_id\ni-1\n");
  {
    auto store = person_import::open_store(cli.database);
    REQUIRE(store.ok());
    auto acme = (*store)->find_company("acme");
    REQUIRE(acme.ok());
    person_import::JobStart start;
    start.file = "half.persons";
    start.source_path = interrupted.string();
    auto session = (*store)->begin_import(**acme, start);
    REQUIRE(session.ok());  // dropped without finish: the job stays running
  }
  auto statuses = [&](const std::string& arguments) {
    std::vector<std::string> found;
    for (const auto& job : json_list(bare("--config " + shell_quote(config) + " " + arguments))) {
      found.push_back(job["file"].get<std::string>() + " " + job["status"].get<std::string>());
    }
    return found;
  };
  CHECK(statuses("--company acme jobs list --json") ==
        std::vector<std::string>{"done.persons completed", "bad.persons rejected",
                                 "half.persons interrupted", "waiting.persons queued"});
  CHECK(statuses("--company acme jobs list --json --status queued") ==
        std::vector<std::string>{"waiting.persons queued"});
  CHECK(statuses("--company acme jobs list --json --status interrupted") ==
        std::vector<std::string>{"half.persons interrupted"});
  CHECK(statuses("jobs list --json --all-companies --status completed") ==
        std::vector<std::string>{"done.persons completed", "beta.persons completed"});
  CHECK(statuses("--company acme jobs list --json --since 2999-01-01").empty());
  CHECK(statuses("--company acme jobs list --json --since 1h").size() == 3);  // not the queued:
  // its name says it arrived in 2025
  auto all =
      json_list(bare("--config " + shell_quote(config) + " jobs list --json --all-companies"));
  REQUIRE(all.size() == 5);
  CHECK(all[4]["company"] == "acme");
  CHECK(all[4]["job_id"].is_null());
  CHECK(all[4]["received_at"] == "2025-11-24T16:00:00.000Z");
  auto human = bare("--config " + shell_quote(config) + " jobs list --all-companies");
  CHECK(contains(human.out, "  queued  acme  waiting.persons  received 2025-11-24T16:00:00.000Z"));
  // Without the configuration nothing says the job is interrupted: it is running.
  CHECK(contains(cli("--company acme jobs list").out, "  running  half.persons  "));

  // While a daemon serves the state folder, its running job is running.
  const int lock = ::open((state / "daemon.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  REQUIRE(lock >= 0);
  REQUIRE(::flock(lock, LOCK_EX | LOCK_NB) == 0);
  CHECK(statuses("--company acme jobs list --json --status running") ==
        std::vector<std::string>{"half.persons running"});
  ::close(lock);

  auto typo = bare("--config " + shell_quote(config) + " --company acme jobs list --status runing");
  CHECK(typo.exit_code == 2);
  CHECK(typo.err ==
        "person-import: --status: unknown status \"runing\"; did you mean \"running\"?\n");
  auto bad_time = bare("--config " + shell_quote(config) +
                       " --company acme jobs list --since "
                       "yesterday");
  CHECK(bad_time.exit_code == 2);
  CHECK(
      contains(bad_time.err, "--since: \"yesterday\" is neither an age (30m, 24h, 7d) nor a time"));
}

TEST_CASE("import --created lists the persons the file created", "[database]") {
  Cli cli;
  REQUIRE(cli("import " + cli.file("before.persons", "external_person_id\nold-1\n")).exit_code ==
          0);
  const std::string created = cli.directory.file("created.csv");
  auto result = cli(
      "import " + cli.file("in.persons", "Fields: external_person_id\n\nold-1\nnew-1\n\nnew-2\n") +
      " --created " + shell_quote(created));
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  std::map<std::string, nlohmann::json> exported;
  std::istringstream lines(cli("persons export").out);
  for (std::string line; std::getline(lines, line);) {
    auto person = nlohmann::json::parse(line);
    exported[person["external_person_id"]] = person;
  }
  const std::string expected =
      "row,line,person_id,person_key,external_person_id\n"
      "2,4," +
      exported["new-1"]["person_id"].dump() + "," +
      exported["new-1"]["person_key"].get<std::string>() + ",new-1\n" + "3,6," +
      exported["new-2"]["person_id"].dump() + "," +
      exported["new-2"]["person_key"].get<std::string>() + ",new-2\n";
  CHECK(read_file(created) == expected);

  // Nothing created: no file. A dry run: the rows, without ids (none was assigned).
  const std::string none = cli.directory.file("none.csv");
  CHECK(cli("import " + cli.file("upd.persons", "external_person_id\nnew-1\n") + " --created " +
            shell_quote(none))
            .exit_code == 0);
  CHECK_FALSE(fs::exists(none));
  const std::string dry = cli.directory.file("dry.csv");
  CHECK(cli("import --dry-run " + cli.file("d.persons", "external_person_id\nd-1\n") +
            " --created " + shell_quote(dry))
            .exit_code == 0);
  CHECK(read_file(dry) == "row,line,person_id,person_key,external_person_id\n1,2,,,d-1\n");
}

TEST_CASE("what a client named reaches the terminal escaped", "[database]") {
  Cli cli;
  const std::string name = "evil\x1b]0;owned\x07\x1b[2J.persons";
  const std::string path = cli.directory.file(name);
  write_file(path, "external_person_id,\x1b[31mred\nc-1,x\n");
  auto imported = cli("import " + shell_quote(path));
  CHECK(imported.exit_code == 3);
  CHECK(imported.err.find('\x1b') == std::string::npos);
  CHECK(imported.err.find('\x07') == std::string::npos);
  CHECK(contains(imported.err, "evil\\x1b]0;owned\\x07\\x1b[2J.persons: completed"));
  CHECK(contains(imported.err, "column \"\\x1b[31mred\" matches no custom field"));
  for (const std::string command : {"jobs list", "jobs show 1"}) {
    auto shown = cli(command);
    INFO(command);
    CHECK(shown.exit_code == 0);
    CHECK(shown.out.find('\x1b') == std::string::npos);
    CHECK(contains(shown.out, "evil\\x1b]0;owned\\x07\\x1b[2J.persons"));
  }
}

namespace {

// `command` as a user who may read but not write what root made (nobody), or, not running as
// root, ourselves after taking write permission away.
std::string unprivileged(const std::string& command) {
  if (::geteuid() == 0) return "setpriv --reuid=65534 --regid=65534 --clear-groups " + command;
  return command;
}

}  // namespace

TEST_CASE("a read-only database still serves the reading commands", "[sqlite]") {
  Cli cli;
  REQUIRE(cli("fields add tier --type string").exit_code == 0);
  REQUIRE(
      cli("import " + cli.file("in.persons", "external_person_id,tier\nc-1,gold\n")).exit_code ==
      0);
  if (::geteuid() != 0) {
    fs::permissions(cli.database,
                    fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
    fs::permissions(cli.directory.path(), fs::perms::owner_read | fs::perms::owner_exec |
                                              fs::perms::group_read | fs::perms::group_exec |
                                              fs::perms::others_read | fs::perms::others_exec);
  }
  auto reader = [&](const std::string& arguments) {
    return run_command(unprivileged(test_support::person_import_command(cli.database, arguments)));
  };
  auto exported = reader("persons export");
  INFO(exported.err);
  CHECK(exported.exit_code == 0);
  CHECK(contains(exported.out, "\"external_person_id\":\"c-1\""));
  CHECK(reader("fields list").exit_code == 0);
  CHECK(reader("jobs list").exit_code == 0);
  CHECK(reader("jobs show 1 --json").exit_code == 0);
  CHECK(reader("companies list").exit_code == 0);
  CHECK(reader("persons get --external-id c-1").exit_code == 0);
  auto write = reader("fields add nick --type string");
  CHECK(write.exit_code == 1);
  CHECK(contains(write.err,
                 "permission denied: run as the service's user, or check the "
                 "ownership of "));
  fs::permissions(cli.directory.path(), fs::perms::owner_all | fs::perms::group_read |
                                            fs::perms::group_exec | fs::perms::others_read |
                                            fs::perms::others_exec);
}

TEST_CASE("a database that cannot be opened names the reason and what to do", "[sqlite]") {
  Cli cli;
  REQUIRE(cli("companies add acme").exit_code == 0);
  const fs::path folder = cli.directory.path() / "private";
  fs::create_directories(folder);
  const std::string database = (folder / "people.db").string();
  REQUIRE(
      run_command(test_support::person_import_command(database, "companies add acme")).exit_code ==
      0);
  fs::permissions(folder, fs::perms::owner_all);  // 0700: nobody else may enter
  auto blocked =
      run_command(unprivileged(test_support::person_import_command(database, "jobs list")));
  if (::geteuid() == 0) {
    CHECK(blocked.exit_code == 1);
    CHECK(blocked.err == "person-import: cannot open " + database +
                             ": permission denied: run as the service's user, or check the "
                             "ownership of " +
                             folder.string() + "\n");
  }
  fs::permissions(folder, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                              fs::perms::others_read | fs::perms::others_exec);
  fs::permissions(database, fs::perms::owner_read | fs::perms::owner_write);  // 0600
  auto unreadable =
      run_command(unprivileged(test_support::person_import_command(database, "jobs list")));
  if (::geteuid() == 0) {
    CHECK(unreadable.exit_code == 1);
    CHECK(unreadable.err == "person-import: cannot read " + database +
                                ": permission denied: run as the service's user, or check the "
                                "ownership of " +
                                database + "\n");
  }
}
