// Which storage backend a test runs against, and a fresh database for each test.
//
// The suite runs once per backend. ctest sets, for the PostgreSQL run:
//   PERSON_IMPORT_TEST_BACKEND=postgresql
//   PERSON_IMPORT_TEST_POSTGRES_HOST=<socket folder of the private instance that
//                                     scripts/postgres-test-instance.sh started>
// Without them (or with PERSON_IMPORT_TEST_BACKEND=sqlite) tests use SQLite files.
#pragma once

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <random>
#include <stdexcept>
#include <string>

#include "tests/support/test_support.h"

namespace test_support {

inline bool testing_postgresql() {
  const char* backend = std::getenv("PERSON_IMPORT_TEST_BACKEND");
  return backend != nullptr && std::string(backend) == "postgresql";
}

// "sqlite" or "postgresql": for messages and test names.
inline std::string test_backend_name() { return testing_postgresql() ? "postgresql" : "sqlite"; }

// The URL of database `name` in the private PostgreSQL instance.
inline std::string postgres_test_url(const std::string& name) {
  const char* host = std::getenv("PERSON_IMPORT_TEST_POSTGRES_HOST");
  if (host == nullptr || *host == '\0') {
    throw std::runtime_error(
        "PERSON_IMPORT_TEST_BACKEND=postgresql needs PERSON_IMPORT_TEST_POSTGRES_HOST");
  }
  return "postgresql:///" + name + "?host=" + std::string(host) + "&user=postgres";
}

// A new, empty database for one test, as `--db` takes it: a SQLite file `name` in `directory`,
// or a newly created PostgreSQL database with a unique name (left behind: the instance is
// thrown away after the run). Throws when the database cannot be created.
inline std::string fresh_test_database(const std::string& directory,
                                       const std::string& name = "test.db") {
  if (!testing_postgresql()) return directory + "/" + name;
  static std::atomic<unsigned> counter{0};
  static const unsigned salt = std::random_device{}();
  const std::string database = "t_" + std::to_string(::getpid()) + "_" + std::to_string(salt) +
                               "_" + std::to_string(counter.fetch_add(1));
  const auto created =
      run_command("psql -X -q -v ON_ERROR_STOP=1 " + shell_quote(postgres_test_url("postgres")) +
                  " -c " + shell_quote("CREATE DATABASE " + database));
  if (created.exit_code != 0) {
    throw std::runtime_error("cannot create test database " + database + ": " + created.err);
  }
  return postgres_test_url(database);
}

}  // namespace test_support
