#include "core/storage/postgresql/postgresql_store.h"
#include "core/storage/sqlite/sqlite_store.h"
#include "core/storage/store.h"

namespace person_import {

bool is_postgresql_url(const std::string& spec) {
  return spec.starts_with("postgresql://") || spec.starts_with("postgres://");
}

std::string describe_database(const std::string& spec) {
  if (!is_postgresql_url(spec)) return spec;
  std::string shown = spec;
  // postgresql://user:secret@host/db: the user info ends at the last '@' before the path.
  const std::size_t start = shown.find("://") + 3;
  const std::size_t path = shown.find_first_of("/?", start);
  const std::size_t at = shown.rfind('@', path == std::string::npos ? shown.size() : path);
  if (at != std::string::npos && at >= start) {
    const std::size_t colon = shown.find(':', start);
    if (colon != std::string::npos && colon < at) shown.replace(colon + 1, at - colon - 1, "***");
  }
  // ...?password=secret&...
  for (std::size_t found = shown.find("password="); found != std::string::npos;
       found = shown.find("password=", found + 1)) {
    if (found == 0 || (shown[found - 1] != '?' && shown[found - 1] != '&')) continue;
    const std::size_t value = found + 9;
    const std::size_t end = shown.find('&', value);
    shown.replace(value, (end == std::string::npos ? shown.size() : end) - value, "***");
  }
  return shown;
}

Result<std::unique_ptr<Store>> open_store(const std::string& spec, const StoreOptions& options,
                                          const Clock& clock) {
  if (is_postgresql_url(spec)) return open_postgresql_store(spec, options, clock);
  if (spec.empty()) return make_error("empty database path");
  return open_sqlite_store(spec, options, clock);
}

Result<std::unique_ptr<Store>> open_store(const std::string& spec, const StoreOptions& options) {
  return open_store(spec, options, system_clock());
}

}  // namespace person_import
