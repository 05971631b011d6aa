// Which configuration and database a command uses (daemon/cli/command_context.h).
#include <catch2/catch.hpp>

#include "daemon/cli/command_context.h"
#include "tests/support/test_support.h"

using namespace person_import::cli;
using test_support::TempDirectory;
using test_support::write_file;

TEST_CASE("the configuration: the named file, none for an empty name, else the default if any") {
  TempDirectory directory;
  const std::string default_path = directory.file("person-import.toml");
  CHECK_FALSE(config_file_to_read(std::nullopt, default_path).has_value());
  write_file(default_path, "drop_root = \"/srv\"\n");
  CHECK(config_file_to_read(std::nullopt, default_path) == default_path);
  CHECK(config_file_to_read(std::string("/etc/other.toml"), default_path) == "/etc/other.toml");
  CHECK_FALSE(config_file_to_read(std::string(""), default_path).has_value());
}

TEST_CASE("the database: --db over the configuration's over person-import.db") {
  TempDirectory directory;
  const std::string config = directory.file("daemon.toml");
  write_file(config, "database = \"/var/lib/pi/people.db\"\ndrop_root = \"/srv/drop\"\n");

  GlobalOptions none;
  none.config = "";
  auto plain = resolve_settings(none);
  REQUIRE(plain.ok());
  CHECK(plain->database == "person-import.db");
  CHECK_FALSE(plain->daemon.has_value());

  GlobalOptions with_config;
  with_config.config = config;
  auto from_file = resolve_settings(with_config);
  REQUIRE(from_file.ok());
  CHECK(from_file->database == "/var/lib/pi/people.db");
  REQUIRE(from_file->daemon.has_value());
  CHECK(from_file->daemon->drop_root == "/srv/drop");
  CHECK(from_file->config_path == config);

  with_config.database = "other.db";
  auto flagged = resolve_settings(with_config);
  REQUIRE(flagged.ok());
  CHECK(flagged->database == "other.db");
  CHECK(flagged->daemon->database == "other.db");
}

TEST_CASE("a configuration that applies must be valid") {
  TempDirectory directory;
  const std::string config = directory.file("daemon.toml");
  write_file(config, "drop_root = \"/srv/drop\"\nworkrs = 2\n");
  GlobalOptions global;
  global.config = config;
  global.database = "x.db";
  auto settings = resolve_settings(global);
  REQUIRE_FALSE(settings.ok());
  CHECK(settings.error().message == config + ":2: workrs: unknown key; did you mean \"workers\"?");
}

TEST_CASE("the implicit configuration: the server's database without --db, ignored with it") {
  TempDirectory directory;
  const std::string implicit = directory.file("etc-person-import.toml");
  write_file(implicit, "database = \"/var/lib/pi/people.db\"\ndrop_root = \"/srv/drop\"\n");
  GlobalOptions global;  // no --config: the default path applies
  auto server = resolve_settings(global, implicit);
  REQUIRE(server.ok());
  CHECK(server->database == "/var/lib/pi/people.db");
  CHECK(server->config_path == implicit);

  // Broken: an error without --db (the database is unknown), a warning with it (sshd's
  // AuthorizedKeysCommand names its database and must keep answering).
  write_file(implicit, "drop_root = 3\n");
  CHECK_FALSE(resolve_settings(global, implicit).ok());
  global.database = "other.db";
  auto named = resolve_settings(global, implicit);
  REQUIRE(named.ok());
  CHECK(named->database == "other.db");
  CHECK_FALSE(named->daemon.has_value());
  // Named explicitly, it must be valid whatever else is given.
  global.config = implicit;
  CHECK_FALSE(resolve_settings(global, implicit).ok());
}
