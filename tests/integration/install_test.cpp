// What a sysadmin installs: `cmake --install` into a scratch root, the .deb that `cpack -G DEB`
// builds, unpacked with dpkg -x; the man page and the bash completion kept in step with the
// program; the unit, the example configuration and the OpenSSH snippet agreeing on the paths;
// the documentation linking nothing outside the repository.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <iterator>
#include <regex>
#include <set>
#include <sstream>

#include "tests/support/test_support.h"

using test_support::CommandResult;
using test_support::contains;
using test_support::read_file;
using test_support::run_command;
using test_support::shell_quote;
using test_support::TempDirectory;
using test_support::write_file;
namespace fs = std::filesystem;

namespace {

const std::string kSource = PERSON_IMPORT_SOURCE_DIR;
const std::string kBuild = PERSON_IMPORT_BUILD_DIR;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  return lines;
}

CommandResult program(const std::string& arguments) {
  return run_command(test_support::person_import_bare_command(arguments));
}

// The names listed under "Subcommands:" in `help`, and the long options under "Options:".
std::vector<std::string> help_section(const std::string& help, const std::string& heading,
                                      const std::regex& entry) {
  std::vector<std::string> names;
  bool inside = false;
  for (const auto& line : lines_of(help)) {
    if (line == heading) {
      inside = true;
      continue;
    }
    if (inside && line.empty()) break;
    std::smatch match;
    if (inside && std::regex_search(line, match, entry)) names.push_back(match[1]);
  }
  return names;
}
std::vector<std::string> subcommands(const std::string& command) {
  return help_section(program(command + " --help").out,
                      "Subcommands:", std::regex("^  ([a-z][a-z-]*) "));
}
std::vector<std::string> long_options(const std::string& command) {
  auto options = help_section(program(command + " --help").out,
                              "Options:", std::regex("^  (?:-[a-z],)?(--[a-z-]+)"));
  std::erase(options, "--help");
  return options;
}

// Every command the program has, as "group subcommand" or "command".
std::vector<std::string> every_command() {
  std::vector<std::string> commands;
  for (const auto& top : subcommands("")) {
    const auto nested = subcommands(top);
    if (nested.empty()) commands.push_back(top);
    for (const auto& sub : nested) commands.push_back(top + " " + sub);
  }
  return commands;
}

// The configuration keys `config check` prints.
std::vector<std::string> configuration_keys() {
  TempDirectory directory;
  const std::string config = directory.file("minimal.toml");
  write_file(config, "drop_root = \"/srv/drop\"\n");
  const CommandResult check = program("config check " + shell_quote(config));
  REQUIRE(check.exit_code == 0);
  std::vector<std::string> keys;
  const std::regex key("^(?:# )?([a-z_]+) (?:= |is unset)");
  for (const auto& line : lines_of(check.out)) {
    std::smatch match;
    if (std::regex_search(line, match, key)) keys.push_back(match[1]);
  }
  return keys;
}

// What bash completion offers for the words `line` (the last one being completed).
std::vector<std::string> completions(const std::string& completion, const std::string& line) {
  const std::string script = "source " + shell_quote(completion) + "; COMP_WORDS=(" + line +
                             "); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); "
                             "[[ \"" +
                             line +
                             "\" == *' ' ]] && COMP_WORDS+=('') && "
                             "COMP_CWORD=$((COMP_CWORD + 1)); _person_import; "
                             "printf '%s\\n' \"${COMPREPLY[@]}\"";
  const CommandResult result = run_command("bash -c " + shell_quote(script));
  REQUIRE(result.exit_code == 0);
  auto offered = lines_of(result.out);
  std::erase(offered, "");
  return offered;
}

std::string unit_setting(const std::string& unit, const std::string& key) {
  std::smatch match;
  REQUIRE(std::regex_search(unit, match, std::regex("\n" + key + "=([^\n]*)\n")));
  return match[1];
}

std::string toml_string(const std::string& toml, const std::string& key) {
  std::smatch match;
  REQUIRE(std::regex_search(toml, match, std::regex("\n" + key + " = \"([^\"]*)\"\n")));
  return match[1];
}

bool within(const std::string& path, const std::string& folder) {
  return path == folder || path.rfind(folder + "/", 0) == 0;
}

// Checks what an installed tree at `root` (the prefix /usr) holds.
void check_installed_tree(const fs::path& root) {
  for (const char* file :
       {"usr/bin/person-import", "usr/lib/systemd/system/person-import.service",
        "etc/person-import/person-import.toml", "usr/share/person-import/person-import.toml",
        "usr/share/person-import/openssh/person-import-sftp.conf",
        "usr/share/person-import/openssh/add-company-account.sh",
        "usr/share/man/man1/person-import.1", "usr/share/bash-completion/completions/person-import",
        "usr/share/doc/person-import/README.md", "usr/share/doc/person-import/file-format.md",
        "usr/share/doc/person-import/systemd.md"}) {
    INFO(file);
    CHECK(fs::is_regular_file(root / file));
  }
  const auto executable = fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec;
  CHECK((fs::status(root / "usr/bin/person-import").permissions() & executable) == executable);
  CHECK((fs::status(root / "usr/share/person-import/openssh/add-company-account.sh").permissions() &
         executable) == executable);
  // The unit and the snippet name the installed program.
  const std::string unit =
      read_file((root / "usr/lib/systemd/system/person-import.service").string());
  CHECK(unit_setting(unit, "ExecStart") ==
        "/usr/bin/person-import daemon --config /etc/person-import/person-import.toml");
  CHECK(contains(
      read_file((root / "usr/share/person-import/openssh/person-import-sftp.conf").string()),
      "\n    AuthorizedKeysCommand /usr/bin/person-import --db "));
  CHECK(read_file((root / "usr/share/man/man1/person-import.1").string()) ==
        read_file(kSource + "/docs/person-import.1"));
  CHECK(read_file((root / "etc/person-import/person-import.toml").string()) ==
        read_file(kSource + "/config/person-import.toml"));
  // The installed program runs and reads the installed configuration.
  const CommandResult version =
      run_command(shell_quote((root / "usr/bin/person-import").string()) + " --version");
  CHECK(version.exit_code == 0);
  CHECK(version.out.rfind("person-import ", 0) == 0);
  const CommandResult check =
      run_command(shell_quote((root / "usr/bin/person-import").string()) + " config check " +
                  shell_quote((root / "etc/person-import/person-import.toml").string()));
  INFO(check.err);
  CHECK(check.exit_code == 0);
}

}  // namespace

TEST_CASE("cmake --install puts every file in place, and keeps an existing configuration") {
  TempDirectory scratch;
  const fs::path root = scratch.path() / "root";
  auto install = [&] {
    return run_command("DESTDIR=" + shell_quote(root.string()) + " cmake --install " +
                       shell_quote(kBuild) + " --prefix /usr");
  };
  const CommandResult installed = install();
  INFO(installed.out << installed.err);
  REQUIRE(installed.exit_code == 0);
  check_installed_tree(root);
  // An administrator's configuration is never overwritten by installing again.
  write_file((root / "etc/person-import/person-import.toml").string(),
             "drop_root = \"/data/drop\"\n");
  REQUIRE(install().exit_code == 0);
  CHECK(read_file((root / "etc/person-import/person-import.toml").string()) ==
        "drop_root = \"/data/drop\"\n");
}

TEST_CASE("the .deb holds the same files, its runtime dependencies and a conffile") {
  TempDirectory scratch;
  const CommandResult packaged =
      run_command("cpack -G DEB -B " + shell_quote(scratch.path().string()) + " --config " +
                  shell_quote(kBuild + "/CPackConfig.cmake"));
  INFO(packaged.out << packaged.err);
  REQUIRE(packaged.exit_code == 0);
  std::string deb;
  for (const auto& entry : fs::directory_iterator(scratch.path())) {
    if (entry.path().extension() == ".deb") deb = entry.path().string();
  }
  REQUIRE_FALSE(deb.empty());
  CHECK(fs::path(deb).filename().string().rfind("person-import_", 0) == 0);
  const CommandResult depends = run_command("dpkg-deb -f " + shell_quote(deb) + " Depends");
  REQUIRE(depends.exit_code == 0);
  INFO("Depends: " << depends.out);
  for (const char* library : {"libsqlite3-0", "libssh-4", "libpqxx-6.4", "libspdlog1.10",
                              "libsimdjson14", "libssl3", "libicu72", "libstdc++6"}) {
    INFO(library);
    CHECK(contains(depends.out, library));
  }
  CHECK(contains(depends.out, "libphonenumber8"));
  const CommandResult conffiles = run_command("dpkg-deb --info " + shell_quote(deb) + " conffiles");
  CHECK(conffiles.out == "/etc/person-import/person-import.toml\n");
  const CommandResult postinst = run_command("dpkg-deb --info " + shell_quote(deb) + " postinst");
  CHECK(postinst.out == read_file(kSource + "/packaging/debian/postinst"));
  CHECK(run_command("sh -n " + shell_quote(kSource + "/packaging/debian/postinst")).exit_code == 0);

  const fs::path root = scratch.path() / "root";
  REQUIRE(run_command("dpkg -x " + shell_quote(deb) + " " + shell_quote(root.string())).exit_code ==
          0);
  check_installed_tree(root);
}

TEST_CASE("the man page covers every command, configuration key and exit status") {
  std::string man = read_file(kSource + "/docs/person-import.1");
  // The text as rendered names things with plain hyphens.
  for (std::size_t at = man.find("\\-"); at != std::string::npos; at = man.find("\\-", at)) {
    man.erase(at, 1);
  }
  for (const auto& command : every_command()) {
    INFO(command);
    CHECK(contains(man, command));
  }
  for (const auto& key : configuration_keys()) {
    INFO(key);
    CHECK(contains(man, key));
  }
  CHECK(contains(man, "\n.SH EXIT STATUS\n"));
  for (const char* status : {"\n.B 0\n", "\n.B 1\n", "\n.B 2\n", "\n.B 3\n", "\n.B 4\n"}) {
    CHECK(contains(man, status));
  }
  // groff renders it without a warning.
  const CommandResult rendered =
      run_command("groff -man -Tutf8 -ww -z " + shell_quote(kSource + "/docs/person-import.1"));
  CHECK(rendered.exit_code == 0);
  CHECK(rendered.err.empty());
}

TEST_CASE("bash completion offers every command and every option") {
  const std::string completion = kSource + "/packaging/bash-completion/person-import";
  REQUIRE(run_command("bash -n " + shell_quote(completion)).exit_code == 0);
  auto sorted = [](std::vector<std::string> names) {
    std::sort(names.begin(), names.end());
    return names;
  };
  CHECK(sorted(completions(completion, "person-import ")) == sorted(subcommands("")));
  for (const auto& command : every_command()) {
    INFO(command);
    const auto space = command.find(' ');
    if (space != std::string::npos) {
      const std::string group = command.substr(0, space);
      CHECK(sorted(completions(completion, "person-import " + group + " ")) ==
            sorted(subcommands(group)));
    }
    const auto offered = completions(completion, "person-import " + command + " --");
    for (const auto& option : long_options(command)) {
      INFO(option);
      CHECK(std::find(offered.begin(), offered.end(), option) != offered.end());
    }
  }
  CHECK(completions(completion, "person-import jobs list --status r") ==
        std::vector<std::string>{"running", "rejected"});
}

TEST_CASE("the unit, the example configuration, the OpenSSH snippet and the package agree") {
  const std::string unit = read_file(kSource + "/systemd/person-import.service");
  const std::string config = read_file(kSource + "/config/person-import.toml");
  const std::string snippet = read_file(kSource + "/config/openssh/person-import-sftp.conf");
  const std::string postinst = read_file(kSource + "/packaging/debian/postinst");
  const std::string drop_root = toml_string(config, "drop_root");
  const std::string database = toml_string(config, "database");
  const std::string database_folder = fs::path(database).parent_path().string();

  // The unit runs the package's program on the configuration the command line reads too.
  CHECK(unit_setting(unit, "ExecStart") ==
        "/usr/bin/person-import daemon --config /etc/person-import/person-import.toml");
  CHECK(contains(read_file(kSource + "/daemon/cli/command_context.h"),
                 "kDefaultConfigPath = \"/etc/person-import/person-import.toml\""));
  // What the configuration writes, the unit lets the daemon write.
  std::istringstream writable(unit_setting(unit, "ReadWritePaths"));
  std::vector<std::string> paths{std::istream_iterator<std::string>(writable), {}};
  CHECK(std::any_of(paths.begin(), paths.end(),
                    [&](const std::string& path) { return within(drop_root, path); }));
  CHECK(std::any_of(paths.begin(), paths.end(),
                    [&](const std::string& path) { return within(database_folder, path); }));
  CHECK(unit_setting(unit, "StateDirectory") == fs::path(database_folder).filename().string());
  CHECK(unit_setting(unit, "WorkingDirectory") == database_folder);
  CHECK(unit_setting(unit, "User") == "person-import");
  // The snippet chroots into the drop root's company folders and reads the same database.
  CHECK(contains(snippet, "\n    ChrootDirectory " + drop_root + "/%u\n"));
  CHECK(contains(snippet, "\n    AuthorizedKeysCommand /usr/bin/person-import --db " + database +
                              " companies authorized-keys %u\n"));
  CHECK(contains(snippet, "\n    AuthorizedKeysCommandUser person-import\n"));
  // The package makes the user, the drop root and the database folder.
  CHECK(contains(postinst, " person-import\n"));
  CHECK(contains(postinst, "for folder in " + database_folder + " " + drop_root + "; do"));
}

TEST_CASE("the documentation links only to files of the repository") {
  const std::regex link(R"(\]\(([^)\s]+)\))");
  for (const char* document :
       {"README.md", "docs/file-format.md", "docs/decisions.md", "docs/performance.md",
        "systemd/README.md", "docker/README.md", "tests/data/import/README.md"}) {
    INFO(document);
    const std::string text = read_file(kSource + "/" + document);
    REQUIRE_FALSE(text.empty());
    CHECK_FALSE(contains(text, "../shared"));
    CHECK_FALSE(contains(text, "](http"));
    CHECK_FALSE(contains(text, "<http"));
    for (std::sregex_iterator it(text.begin(), text.end(), link), end; it != end; ++it) {
      const std::string target = (*it)[1];
      INFO(target);
      if (target.front() == '#') continue;  // within the page
      const std::string file = target.substr(0, target.find('#'));
      CHECK(fs::exists(fs::path(kSource) / fs::path(document).parent_path() / file));
    }
  }
}
