// The PostgreSQL backend of Store (production: several daemons and command lines on one
// database), through Debian's libpqxx 6. Same results as the SQLite store, call for call.
//
// Opening: `open_postgresql_store(url, ...)` takes a libpq URI (`postgresql://` or
// `postgres://`), connects, and applies pending schema migrations (versioned, one transaction
// each, under an advisory lock so concurrent starters never race). The database must be UTF-8.
// Each Store is one connection, used by one thread at a time; it needs session state (advisory
// locks, temporary staging tables), so put no transaction-pooling proxy (pgbouncer in
// transaction mode) in between.
//
// Concurrency between processes:
// - An import session (begin_import, resume_import, dry runs too) holds a session-level
//   advisory lock on its company from its start until finish() or its destruction (or the
//   connection's end, when the process dies): two imports of one company run one after the
//   other, the second waiting at its start for as long as the first runs, so the unique values
//   and the file order of the two never interleave. Imports of different companies run in
//   parallel. Dry runs take it too: their simulated rows would otherwise hold unique-index
//   entries that a real import of the company would have to wait for (or deadlock on).
// - Exactly once: every write_batch and finish checks, in its transaction, that the job is still
//   `running` at the checkpoint the session last saw (as the SQLite store does).
// - person_id comes from a sequence in blocks reserved and given back under a short advisory
//   lock (see person_ids_reserve in postgresql_store.cpp): unique in the database, increasing
//   within a session, 1, 2, 3, ... like SQLite when imports do not overlap (a failed or killed
//   one included: a session alone reclaims what dead sessions reserved), and dry runs take
//   none. No lock on a shared counter is held across a batch.
//
// Errors: never throws. A lost connection (or a failure to connect) is a transient Error
// (Error::transient): the server rolled the open transaction back, nothing of it is kept, and
// the Store is unusable from then on (every call fails at once): open a new one, and resume
// the job from its checkpoint. Any other failure is a plain Error and the Store stays usable.
// StoreOptions::busy_timeout_ms becomes the session's lock_timeout (how long a statement waits
// for a row or table lock another process holds); the company lock is exempt (an import waits
// for the company's running import however long it takes).
#pragma once

#include <memory>
#include <string>

#include "core/common/clock.h"
#include "core/common/result.h"
#include "core/storage/store.h"

namespace person_import {

// Connects to the PostgreSQL database at `url` and applies pending migrations. Errors: cannot
// connect (transient), the database is not UTF-8, a migration failed.
Result<std::unique_ptr<Store>> open_postgresql_store(const std::string& url,
                                                     const StoreOptions& options,
                                                     const Clock& clock);

}  // namespace person_import
