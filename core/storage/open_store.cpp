#include "core/storage/postgresql/postgresql_store.h"
#include "core/storage/sqlite/sqlite_store.h"
#include "core/storage/store.h"

namespace person_import {

Result<std::unique_ptr<Store>> open_store(const std::string& spec, const StoreOptions& options,
                                          const Clock& clock) {
  if (spec.starts_with("postgresql://") || spec.starts_with("postgres://")) {
    return open_postgresql_store(spec, options, clock);
  }
  if (spec.empty()) return make_error("empty database path");
  return open_sqlite_store(spec, options, clock);
}

Result<std::unique_ptr<Store>> open_store(const std::string& spec, const StoreOptions& options) {
  return open_store(spec, options, system_clock());
}

}  // namespace person_import
