// The command line as a test drives it: the built binary on a fresh database of the backend
// under test, in a temporary directory of its own.
#pragma once

#include <string>

#include "tests/support/test_database.h"
#include "tests/support/test_support.h"

namespace test_support {

struct Cli {
  TempDirectory directory;
  std::string database = fresh_test_database(directory.path().string(), "cli.db");

  // `person-import --db DATABASE ARGUMENTS`.
  CommandResult operator()(const std::string& arguments) const {
    return run_command(person_import_command(database, arguments));
  }
  // Writes `content` to `name` in the directory; the path, shell-quoted.
  std::string file(const std::string& name, const std::string& content) const {
    const std::string path = directory.file(name);
    write_file(path, content);
    return shell_quote(path);
  }
};

}  // namespace test_support
