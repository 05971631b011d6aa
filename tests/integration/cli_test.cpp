// The command line, driven as a user would: the built binary, a real database (a SQLite file or
// a PostgreSQL database, see tests/support/test_database.h).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "core/storage/store.h"
#include "tests/support/cli_fixture.h"
#include "tests/support/test_database.h"
#include "tests/support/test_support.h"

using test_support::read_file;
using test_support::run_command;
using test_support::shell_quote;
using test_support::TempDirectory;
using test_support::write_file;

using test_support::Cli;

TEST_CASE("import exit statuses: 0 all applied, 3 row errors, 4 rejected, 2 usage, 1 failure",
          "[database]") {
  Cli cli;
  CHECK(cli("import " + cli.file("ok.persons", "external_person_id\nc-1\n")).exit_code == 0);
  CHECK(cli("import " + cli.file("rows.persons", "person_id\n99\n")).exit_code == 3);
  CHECK(cli("import " + cli.file("bad.persons", "first_name\nAnn\n")).exit_code == 4);
  CHECK(cli("import").exit_code == 2);
  CHECK(cli("import --no-such-flag x.persons").exit_code == 2);
  CHECK(cli("import " + shell_quote(cli.directory.file("missing.persons"))).exit_code == 1);
}

TEST_CASE("the report goes to stdout only with --json - human output goes to stderr",
          "[database]") {
  Cli cli;
  const auto input = cli.file("in.persons", "external_person_id\nc-1\n");
  auto quiet = cli("import " + input);
  CHECK(quiet.out.empty());
  CHECK(quiet.err.find("rows 1, created 1") != std::string::npos);
  // Not a terminal: no progress bar control characters.
  CHECK(quiet.err.find('\r') == std::string::npos);
  auto json = cli("import " + input + " --json");
  auto report = nlohmann::json::parse(json.out);
  CHECK(report["updated"] == 1);
  CHECK(report["status"] == "completed");
}

TEST_CASE("a dry run (--dry-run) changes nothing and records no job", "[database]") {
  Cli cli;
  REQUIRE(cli("companies add default").exit_code == 0);
  auto dry =
      cli("import --dry-run --json " + cli.file("in.persons", "external_person_id\nc-1\nc-1\n"));
  REQUIRE(dry.exit_code == 0);
  auto report = nlohmann::json::parse(dry.out);
  CHECK(report["dry_run"] == true);
  CHECK(report["job_id"].is_null());
  // The simulation runs in file order: the second row updates the first row's person.
  CHECK(report["created"] == 1);
  CHECK(report["updated"] == 1);
  CHECK(cli("persons export").out.empty());
  CHECK(cli("jobs list").out.empty());
}

TEST_CASE("fields add, load and list", "[database]") {
  Cli cli;
  CHECK(cli("fields add tier --type single_select --options gold,silver").exit_code == 0);
  CHECK(cli("fields add nick --type string --charset gsm").exit_code == 0);
  CHECK(cli("fields add tier --type string").exit_code == 1);  // already defined
  CHECK(cli("fields add MDN --type string").exit_code == 1);   // a system name in any case
  CHECK(cli("fields add x --type colour").exit_code == 1);     // unknown type
  CHECK(cli("fields add x --type number --charset gsm").exit_code == 1);
  CHECK(cli("fields add").exit_code == 2);
  // load is all or none: the second definition is invalid, so "score" is not added.
  CHECK(cli("fields load " +
            cli.file("f.json",
                     R"([{"name":"score","type":"number"},{"name":"bad name","type":"string"}])"))
            .exit_code == 1);
  auto listed = cli("fields list --json");
  REQUIRE(listed.exit_code == 0);
  auto fields = nlohmann::json::parse(listed.out);
  REQUIRE(fields.size() == 2);
  CHECK(fields[0]["name"] == "tier");
  CHECK(fields[0]["options"] == nlohmann::json::array({"gold", "silver"}));
  CHECK(fields[1]["charset"] == "gsm");
  CHECK(
      cli("fields load " + cli.file("g.json", R"([{"name":"score","type":"number"}])")).exit_code ==
      0);
  CHECK(nlohmann::json::parse(cli("fields list --json").out).size() == 3);
}

TEST_CASE("persons get by each identifier, exit 1 when none", "[database]") {
  Cli cli;
  REQUIRE(cli("import " + cli.file("in.persons", "external_person_id,mdn\nc-1,3125550123\n"))
              .exit_code == 0);
  auto by_external = cli("persons get --external-id c-1");
  REQUIRE(by_external.exit_code == 0);
  auto person = nlohmann::json::parse(by_external.out);
  CHECK(person["mdn"] == "+13125550123");
  const std::string key = person["person_key"];
  CHECK(nlohmann::json::parse(cli("persons get --person-id 1").out)["person_key"] == key);
  CHECK(nlohmann::json::parse(cli("persons get --person-key " + key).out)["person_id"] == 1);
  CHECK(nlohmann::json::parse(cli("persons get --mdn '(312) 555-0123'").out)["person_id"] == 1);
  CHECK(cli("persons get --external-id nobody").exit_code == 1);
  CHECK(cli("persons get").exit_code == 2);
  CHECK(cli("persons get --person-id 1 --external-id c-1").exit_code == 2);
}

TEST_CASE("everything is per company", "[database]") {
  Cli cli;
  REQUIRE(cli("--company acme fields add tier --type string").exit_code == 0);
  // Another company does not have the field: the column is unknown there.
  auto other = cli("--company other import --json " +
                   cli.file("in.persons", "external_person_id,tier\nc-1,gold\n"));
  CHECK(other.exit_code == 3);
  CHECK(nlohmann::json::parse(other.out)["row_errors"][0]["class"] ==
        "PersonErrors::CustomFieldNotFound");
  REQUIRE(
      cli("--company acme import " + cli.file("a.persons", "external_person_id,tier\nc-1,gold\n"))
          .exit_code == 0);
  CHECK(cli("--company acme persons export").out.find("gold") != std::string::npos);
  CHECK(cli("--company other persons export").out.find("gold") == std::string::npos);
  CHECK(cli("--company other jobs list").out.find("a.persons") == std::string::npos);
  CHECK(cli("--company 'Bad Key' persons export").exit_code == 1);
}

TEST_CASE("the environment supplies the database and the company", "[database]") {
  Cli cli;
  const auto input = cli.file("in.persons", "external_person_id\nc-1\n");
  const std::string environment =
      "PERSON_IMPORT_DB=" + shell_quote(cli.database) + " PERSON_IMPORT_COMPANY=acme ";
  REQUIRE(run_command(environment + test_support::person_import_bare_command("import " + input))
              .exit_code == 0);
  CHECK(cli("--company acme persons export").out.find("c-1") != std::string::npos);
}

TEST_CASE("jobs list and show keep every import with its report", "[database]") {
  Cli cli;
  const auto input = cli.file("in.persons", "person_id,external_person_id\n,c-1\n42,\n");
  auto imported = cli("import --json " + input);
  REQUIRE(imported.exit_code == 3);
  auto listed = nlohmann::json::parse(cli("jobs list --json").out);
  REQUIRE(listed.size() == 1);
  CHECK(listed[0]["file"] == "in.persons");
  CHECK(listed[0]["failed"] == 1);
  const std::string id = listed[0]["job_id"];
  auto shown = cli("jobs show " + id + " --json");
  REQUIRE(shown.exit_code == 0);
  CHECK(nlohmann::json::parse(shown.out) == nlohmann::json::parse(imported.out));
  CHECK(cli("jobs show 999").exit_code == 1);
  CHECK(cli("jobs show abc").exit_code == 2);
}

TEST_CASE("the errors CSV and failed rows are written where asked", "[database]") {
  Cli cli;
  const std::string content = "Delimiter: ;\n\nexternal_person_id;person_id\nc-1;\n;\"7\"\nc-2;x\n";
  const auto input = cli.file("in.persons", content);
  const std::string errors = cli.directory.file("errors.csv");
  const std::string failed = cli.directory.file("failed.persons");
  auto result = cli("import " + input + " --errors " + shell_quote(errors) + " --failed " +
                    shell_quote(failed));
  REQUIRE(result.exit_code == 3);
  CHECK(read_file(errors) ==
        "line,row,class,message,field,value\n"
        "5,2,PersonErrors::PersonNotFound,Person not found,person_id,7\n"
        "6,3,PersonErrors::InvalidPersonID,Invalid person_id,person_id,x\n");
  CHECK(read_file(failed) == "Delimiter: ;\n\nexternal_person_id;person_id\n;\"7\"\nc-2;x\n");
  // Fixed and imported again, the failed rows file is a valid import file.
  write_file(failed, "Delimiter: ;\n\nexternal_person_id;person_id\nc-7;\nc-2;\n");
  CHECK(cli("import " + shell_quote(failed)).exit_code == 0);
}

TEST_CASE("no failed-rows file when no row failed", "[database]") {
  Cli cli;
  const std::string failed = cli.directory.file("failed.persons");
  REQUIRE(cli("import " + cli.file("in.persons", "external_person_id\nc-1\n") + " --failed " +
              shell_quote(failed))
              .exit_code == 0);
  CHECK_FALSE(std::filesystem::exists(failed));
}

TEST_CASE("companies add creates a company and records its keys, all or none", "[database]") {
  Cli cli;
  // A real ed25519 public key: every line is decoded with libssh.
  const auto key = cli.file("id.pub",
                            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKe2C8teAFZPXUBxbCL8JVjErfj/"
                            "txZgjMrGIIWs4/iJ acme@laptop\n");
  const auto not_a_key = cli.file("bad.pub", "hello\n");
  const auto truncated = cli.file("short.pub", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB x\n");
  CHECK(cli("companies add acme --authorized-key " + key).exit_code == 0);
  CHECK(cli("companies add acme").exit_code == 0);  // exists: nothing to do
  CHECK(cli("companies add beta --authorized-key " + key + " --authorized-key " + not_a_key)
            .exit_code == 1);
  CHECK(cli("companies add gamma --authorized-key " + truncated).exit_code == 1);
  CHECK(cli("companies keys beta").exit_code == 1);  // all or none: beta was not created
  CHECK(cli("companies keys gamma").exit_code == 1);
  CHECK(cli("companies add 'Not Valid'").exit_code == 1);
  CHECK(cli("companies add").exit_code == 2);
}

TEST_CASE("companies authorized-keys without a database fails and creates none", "[sqlite]") {
  Cli cli;
  // No database yet: an error (sshd denies), and none is created.
  auto missing = cli("companies authorized-keys acme");
  CHECK(missing.exit_code == 1);
  CHECK(missing.out.empty());
  CHECK_FALSE(std::filesystem::exists(cli.database));
}

TEST_CASE("companies authorized-keys prints a company's keys for sshd, nothing for others",
          "[database]") {
  Cli cli;
  // Real ed25519 public keys: `companies add` decodes every line with libssh.
  const std::string first =
      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKe2C8teAFZPXUBxbCL8JVjErfj/txZgjMrGIIWs4/iJ "
      "acme@laptop";
  const std::string second =
      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDpIvwWVfnXSCxZnduQDSK6tOMfQetFkjxEe1PzB+FDd second";
  const auto key = cli.file("id.pub", first + "\n# a comment\n" + second + "\n");
  REQUIRE(cli("companies add acme --authorized-key " + key).exit_code == 0);
  REQUIRE(cli("companies add beta").exit_code == 0);
  auto acme = cli("companies authorized-keys acme");
  CHECK(acme.exit_code == 0);
  // Both keys, each once (in the order added; the two were added at the same moment).
  const bool either_order = acme.out == "restrict " + first + "\nrestrict " + second + "\n" ||
                            acme.out == "restrict " + second + "\nrestrict " + first + "\n";
  INFO(acme.out);
  CHECK(either_order);
  for (const char* other : {"beta", "nobody", "root", "Not-A-Key"}) {
    auto none = cli(std::string("companies authorized-keys ") + other);
    CHECK(none.exit_code == 0);
    CHECK(none.out.empty());
  }
  CHECK(cli("companies authorized-keys").exit_code == 2);
}

TEST_CASE("the csv export has a column per custom field", "[database]") {
  Cli cli;
  REQUIRE(cli("fields add tags --type multi_select --options a,b").exit_code == 0);
  REQUIRE(cli("fields add note --type string").exit_code == 0);
  REQUIRE(cli("import " + cli.file("in.persons",
                                   "external_person_id,vibes_device_id,tags,note\n"
                                   "c-1,d-1,b|a,\"x, y\"\n"))
              .exit_code == 0);
  auto exported = cli("persons export --format csv");
  REQUIRE(exported.exit_code == 0);
  const auto header_end = exported.out.find('\n');
  CHECK(exported.out.substr(0, header_end) ==
        "person_id,person_key,external_person_id,mdn,carrier_code,vibes_device_ids,tags,note,"
        "created_at,updated_at");
  CHECK(exported.out.find(",c-1,,,d-1,b|a,\"x, y\",") != std::string::npos);
  CHECK(cli("persons export --format xml").exit_code == 2);
}

TEST_CASE("a progress bar is drawn on stderr when it is a terminal", "[database]") {
  Cli cli;
  std::string content = "external_person_id\n";
  for (int i = 0; i < 12000; ++i) content += "c-" + std::to_string(i) + "\n";
  const auto input = cli.file("in.persons", content);
  // `script` gives the command a pseudo-terminal and records what it shows.
  const std::string transcript = cli.directory.file("transcript");
  const std::string command = test_support::person_import_command(cli.database, "import " + input);
  auto shown = run_command("script -qec " + shell_quote(command) + " " + shell_quote(transcript));
  REQUIRE(shown.exit_code == 0);
  const std::string screen = read_file(transcript);
  CHECK(screen.find("\r[") != std::string::npos);
  CHECK(screen.find("% ") != std::string::npos);
  CHECK(screen.find("rows 12000, created 12000") != std::string::npos);
}

TEST_CASE("regression: persons get --person-id accepts digits only, like an import's person_id",
          "[database]") {
  Cli cli;
  REQUIRE(cli("import " + cli.file("in.persons", "external_person_id\nc-1\n")).exit_code == 0);
  CHECK(cli("persons get --person-id 001").exit_code == 0);  // leading zeros are allowed
  CHECK(cli("persons get --person-id 1abc").exit_code == 1);
  CHECK(cli("persons get --person-id 1.5").exit_code == 1);
  CHECK(cli("persons get --person-id ' +1'").exit_code == 1);
  CHECK(cli("persons get --person-id -1").exit_code == 1);
}

TEST_CASE("regression: global options are accepted after the command too", "[database]") {
  Cli cli;
  const std::string database =
      shell_quote(test_support::fresh_test_database(cli.directory.path().string(), "other.db"));
  const auto input = cli.file("in.persons", "external_person_id\nc-1\n");
  CHECK(run_command(test_support::person_import_bare_command("import " + input + " --db ") +
                    database + " --company acme")
            .exit_code == 0);
  auto exported = run_command(shell_quote(PERSON_IMPORT_BINARY) + " persons export --db " +
                              database + " --company acme");
  CHECK(exported.exit_code == 0);
  CHECK(exported.out.find("c-1") != std::string::npos);
  CHECK(run_command(shell_quote(PERSON_IMPORT_BINARY) + " fields add tier --type string --db " +
                    database + " --company acme")
            .exit_code == 0);
  CHECK(run_command(shell_quote(PERSON_IMPORT_BINARY) + " import " + input + " --no-such-flag")
            .exit_code == 2);
}

TEST_CASE("regression: a report path that cannot be written does not stop the other outputs",
          "[database]") {
  Cli cli;
  const std::string errors = cli.directory.file("errors.csv");
  const std::string failed = cli.directory.file("failed.persons");
  auto result = cli("import --json " + cli.file("in.persons", "person_id\n5\n") + " --report " +
                    shell_quote(cli.directory.file("no/such/dir/report.json")) + " --errors " +
                    shell_quote(errors) + " --failed " + shell_quote(failed));
  // The rows were applied, but a requested result is missing: a failure, said on stderr.
  CHECK(result.exit_code == 1);
  CHECK(result.err.find("report.json") != std::string::npos);
  CHECK(nlohmann::json::parse(result.out)["failed"] == 1);
  CHECK(read_file(errors).find("PersonErrors::PersonNotFound") != std::string::npos);
  CHECK(read_file(failed) == "person_id\n5\n");
  // The human summary still names the job and the rows.
  CHECK(result.err.find("rows 1, created 0, updated 0, failed 1") != std::string::npos);
}

TEST_CASE("regression: a dry run's human summary lists its row errors", "[database]") {
  Cli cli;
  REQUIRE(cli("companies add default").exit_code == 0);
  auto result = cli("import --dry-run " + cli.file("in.persons", "person_id\n5\n"));
  CHECK(result.exit_code == 3);
  CHECK(result.err.find("PersonErrors::PersonNotFound") != std::string::npos);
}

TEST_CASE("regression: reading commands never create the company", "[database]") {
  Cli cli;
  REQUIRE(cli("--company real import " + cli.file("in.persons", "external_person_id\nc-1\n"))
              .exit_code == 0);
  // An unknown company is an error that names it (and the companies there), for every reading
  // command and for a dry run.
  for (const std::string& command : std::vector<std::string>{
           "persons export", "fields list", "jobs list", "jobs show 1", "persons get --person-id 1",
           "import --dry-run " + cli.file("dry.persons", "external_person_id\nc-2\n")}) {
    INFO(command);
    auto result = cli("--company ghost " + command);
    CHECK(result.exit_code == 1);
    CHECK(result.out.empty());
    CHECK(test_support::contains(result.err, "person-import: no company \"ghost\" in "));
    CHECK(test_support::contains(result.err, "(companies: real)"));
  }
  auto store = person_import::open_store(cli.database);
  REQUIRE(store.ok());
  auto ghost = (*store)->find_company("ghost");
  REQUIRE(ghost.ok());
  CHECK_FALSE(ghost->has_value());
}
