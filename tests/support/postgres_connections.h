// Losing PostgreSQL connections on purpose, for tests of what survives it: ends every session
// other processes (or this one) hold on a test database, as an administrator's
// pg_terminate_backend or a server restart would.
#pragma once

#include <stdexcept>
#include <string>

#include "tests/support/test_database.h"
#include "tests/support/test_support.h"

namespace test_support {

// The database name of a URL from fresh_test_database ("postgresql:///NAME?host=…").
inline std::string postgres_database_name(const std::string& url) {
  const std::string scheme = "postgresql:///";
  if (url.rfind(scheme, 0) != 0) throw std::runtime_error("not a test database URL: " + url);
  const auto end = url.find('?', scheme.size());
  return url.substr(scheme.size(),
                    end == std::string::npos ? std::string::npos : end - scheme.size());
}

// Terminates every connection to the database of `url` and waits (up to 5 s each) until they are
// gone. Returns how many were terminated. Throws when psql fails.
inline int terminate_postgres_connections(const std::string& url) {
  const std::string sql =
      "SELECT count(*) FILTER (WHERE ended) FROM (SELECT pg_terminate_backend(pid, 5000) AS "
      "ended FROM pg_stat_activity WHERE datname = '" +
      postgres_database_name(url) + "' AND pid <> pg_backend_pid()) AS sessions";
  const auto result =
      run_command("psql -X -q -A -t -v ON_ERROR_STOP=1 " +
                  shell_quote(postgres_test_url("postgres")) + " -c " + shell_quote(sql));
  if (result.exit_code != 0) {
    throw std::runtime_error("cannot terminate the connections to " + url + ": " + result.err);
  }
  return std::stoi(result.out);
}

}  // namespace test_support
