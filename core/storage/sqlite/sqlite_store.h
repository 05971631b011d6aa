// The embedded SQLite backend of Store (the default: nothing to install or start).
//
// One file holds every company. Writes are batched: an import batch runs in one
// `BEGIN IMMEDIATE` transaction, reusing prepared statements for each changed person (SQLite
// is in-process, so a statement per person costs no round trip). Several processes may share
// the file: WAL journaling lets readers run beside the one writer, and writers wait up to
// StoreOptions::busy_timeout_ms for each other.
#pragma once

#include <memory>
#include <string>

#include "core/common/clock.h"
#include "core/common/result.h"
#include "core/storage/store.h"

namespace person_import {

// Opens or creates the database file at `path` and applies pending migrations.
Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& path,
                                                 const StoreOptions& options, const Clock& clock);

}  // namespace person_import
