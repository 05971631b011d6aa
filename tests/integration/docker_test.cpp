// The container files in docker/, checked without Docker (no engine where the tests run): the
// image's configuration is valid and matches its volumes and port, and the runtime stage
// installs the package of every shared library the built binary loads.
#include <catch2/catch.hpp>

#include <filesystem>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "tests/support/test_support.h"

using test_support::CommandResult;
using test_support::read_file;
using test_support::run_command;
using test_support::shell_quote;

namespace {

using test_support::contains;

const std::string kDockerDir = std::string(PERSON_IMPORT_SOURCE_DIR) + "/docker";

// Packages of debian:12 itself (apt needs them), which the runtime stage need not install, and
// the sanitizer runtimes of the ASan/UBSan test build, which a release build does not load.
const std::set<std::string> kNotInstalledByTheImage = {
    "libc6",         "libgcc-s1",   "libstdc++6", "zlib1g",   "libsystemd0",
    "libcap2",       "libgcrypt20", "liblz4-1",   "liblzma5", "libzstd1",
    "libgpg-error0", "libasan8",    "libubsan1"};

// The packages the runtime stage installs: the lines between `# runtime-packages-begin` and
// `# runtime-packages-end` that hold a package name and a line continuation.
std::set<std::string> runtime_packages(const std::string& dockerfile) {
  const auto begin = dockerfile.find("# runtime-packages-begin\n");
  const auto end = dockerfile.find("# runtime-packages-end\n");
  REQUIRE(begin != std::string::npos);
  REQUIRE(end != std::string::npos);
  static const std::regex package_line(R"(^\s+([a-z0-9][a-z0-9.+-]+) \\$)");
  std::set<std::string> packages;
  std::istringstream in(dockerfile.substr(begin, end - begin));
  for (std::string line; std::getline(in, line);) {
    std::smatch match;
    if (std::regex_match(line, match, package_line)) {
      packages.insert(match[1].str());
    }
  }
  return packages;
}

// The Debian package that holds `library` (as ldd names it, or the file it links to: merged
// /usr leaves dpkg knowing only one of the two paths).
std::string package_of(const std::string& library) {
  std::error_code ignored;
  const std::string real = std::filesystem::canonical(library, ignored).string();
  for (const std::string& path : {library, real}) {
    if (path.empty()) {
      continue;
    }
    const CommandResult owner = run_command("dpkg -S " + shell_quote(path));
    if (owner.exit_code == 0) {
      // "libsqlite3-0:amd64: /usr/lib/..."
      return owner.out.substr(0, owner.out.find_first_of(":"));
    }
  }
  return "";
}

}  // namespace

TEST_CASE("the image's configuration is valid and uses its volumes and exposed port") {
  const std::string config = kDockerDir + "/person-import.toml";
  const CommandResult check =
      run_command(shell_quote(PERSON_IMPORT_BINARY) + " config check " + shell_quote(config));
  INFO(check.err);
  REQUIRE(check.exit_code == 0);
  CHECK(contains(check.out, "drop_root = \"/srv/person-import/drop\"\n"));
  CHECK(contains(check.out,
                 "database = \"postgresql://person_import@postgres:5432/person_import\"\n"));
  CHECK(contains(check.out, "sftp_listen = \"0.0.0.0:2222\"\n"));

  const std::string dockerfile = read_file(kDockerDir + "/Dockerfile");
  CHECK(
      contains(dockerfile, "\nVOLUME [\"/srv/person-import/drop\", \"/var/lib/person-import\"]\n"));
  CHECK(contains(dockerfile, "\nEXPOSE 2222\n"));
  CHECK(contains(dockerfile,
                 "\nCOPY docker/person-import.toml /etc/person-import/person-import.toml\n"));
  CHECK(contains(dockerfile, "\"--config\", \"/etc/person-import/person-import.toml\"]"));
  // The build stage has every folder the top-level CMakeLists.txt reads.
  const std::string cmake = read_file(std::string(PERSON_IMPORT_SOURCE_DIR) + "/CMakeLists.txt");
  const std::regex reads(R"((?:add_subdirectory|include)\((\w+)[/)])");
  for (std::sregex_iterator it(cmake.begin(), cmake.end(), reads), end; it != end; ++it) {
    const std::string folder = (*it)[1];
    if (folder == "tests" || folder == "CTest") continue;  // PERSON_IMPORT_TESTS=OFF
    INFO(folder);
    CHECK(contains(dockerfile, "\nCOPY " + folder + "/ " + folder + "/\n"));
  }
}

// The lines of `text` from the one that is exactly `first` up to the next one indented by
// `indent` spaces or less (a YAML block; compose.yaml holds no tabs or flow-style blocks).
std::string yaml_block(const std::string& text, const std::string& first, std::size_t indent) {
  std::istringstream in(text);
  std::string block;
  bool inside = false;
  for (std::string line; std::getline(in, line);) {
    const auto content = line.find_first_not_of(' ');
    if (inside && content != std::string::npos && line[content] != '#' && content <= indent) {
      break;
    }
    if (line == first) inside = true;
    if (inside) block += line + "\n";
  }
  return block;
}

TEST_CASE("compose runs the daemon on its postgres service, once that is healthy") {
  const std::string compose = read_file(kDockerDir + "/compose.yaml");
  REQUIRE(compose.find('\t') == std::string::npos);
  const std::string daemon = yaml_block(compose, "  person-import:", 2);
  const std::string postgres = yaml_block(compose, "  postgres:", 2);
  INFO(daemon);
  INFO(postgres);
  REQUIRE_FALSE(daemon.empty());
  REQUIRE_FALSE(postgres.empty());
  // The image's configuration names the postgres service, its user and database.
  const std::string config = read_file(kDockerDir + "/person-import.toml");
  CHECK(contains(config,
                 "\ndatabase = \"postgresql://person_import@postgres:5432/person_import\"\n"));
  CHECK(contains(postgres, "    image: postgres:15\n"));
  CHECK(contains(postgres, "      POSTGRES_USER: person_import\n"));
  CHECK(contains(postgres, "      POSTGRES_DB: person_import\n"));
  CHECK(contains(postgres, "    healthcheck:\n"));
  CHECK(contains(postgres, "pg_isready -U person_import -d person_import"));
  // The daemon gets the password from the same variable, and waits for a healthy database.
  CHECK(contains(daemon, "      PGPASSWORD: \"${POSTGRES_PASSWORD"));
  CHECK(contains(postgres, "      POSTGRES_PASSWORD: \"${POSTGRES_PASSWORD"));
  CHECK(contains(daemon, "    depends_on:\n      postgres:\n        condition: service_healthy\n"));
  // Nothing overrides the configuration's database.
  CHECK_FALSE(contains(daemon, "PERSON_IMPORT_DB"));
}

TEST_CASE("the image's runtime stage installs every shared library the binary loads") {
  if (run_command("dpkg --version").exit_code != 0 || run_command("ldd --version").exit_code != 0) {
    WARN(
        "SKIPPED: dpkg or ldd is not available, so the binary's libraries cannot be mapped to "
        "Debian packages");
    return;
  }
  const std::set<std::string> installed = runtime_packages(read_file(kDockerDir + "/Dockerfile"));
  INFO("the runtime stage installs " << installed.size() << " packages");
  REQUIRE(installed.size() >= 5);

  const CommandResult ldd = run_command("ldd " + shell_quote(PERSON_IMPORT_BINARY));
  REQUIRE(ldd.exit_code == 0);
  // "\tlibsqlite3.so.0 => /lib/x86_64-linux-gnu/libsqlite3.so.0 (0x...)"
  static const std::regex linked(R"(^\s*(\S+) => (/\S+) \(0x[0-9a-f]+\)$)");
  std::istringstream in(ldd.out);
  int libraries = 0;
  for (std::string line; std::getline(in, line);) {
    std::smatch match;
    if (!std::regex_match(line, match, linked)) {
      continue;
    }
    ++libraries;
    const std::string package = package_of(match[2].str());
    INFO(match[1].str() << " (" << match[2].str() << ") is in package '" << package << "'");
    CHECK(!package.empty());
    CHECK((installed.count(package) == 1 || kNotInstalledByTheImage.count(package) == 1));
  }
  CHECK(libraries > 0);
}
