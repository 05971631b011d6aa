// Thin RAII wrappers over the SQLite C API, used only inside the SQLite store.
//
// `SqliteDatabase` owns a connection; `SqliteStatement` owns a prepared statement and binds
// and reads values by position (1-based binds, 0-based columns, as SQLite does). Errors come
// back as Status with SQLite's message. Not thread-safe (one connection per thread).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/common/result.h"
#include "core/storage/store.h"

namespace person_import::sqlite {

class SqliteStatement {
 public:
  SqliteStatement(sqlite3* database, sqlite3_stmt* statement)
      : database_(database), statement_(statement) {}
  ~SqliteStatement() { sqlite3_finalize(statement_); }
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  SqliteStatement& bind(int index, std::int64_t value);
  SqliteStatement& bind(int index, std::string_view value);
  SqliteStatement& bind(int index, const std::string& value) {
    return bind(index, std::string_view(value));
  }
  SqliteStatement& bind(int index, const char* value) {
    return bind(index, std::string_view(value));
  }
  SqliteStatement& bind(int index, const std::optional<std::string>& value);
  SqliteStatement& bind_null(int index);

  // Steps once: true when a row is available, false when done. Errors: a failed step.
  Result<bool> step();
  // Steps to completion and resets; for statements that return no rows.
  Status run();
  // Clears bindings and rewinds for reuse.
  void reset();

  std::int64_t column_int(int column) const;
  std::string column_text(int column) const;
  std::optional<std::string> column_optional_text(int column) const;
  bool column_is_null(int column) const;

 private:
  sqlite3* database_;
  sqlite3_stmt* statement_;
};

class SqliteDatabase {
 public:
  enum class Mode {
    kCreate,     // read-write, creating the file when it is missing
    kReadWrite,  // read-write; the file must exist
    kReadOnly,   // read-only
    // Read-only, as a file nobody writes: no locks and no -shm file, so it opens in a folder
    // this process cannot write. Only when no other connection has the database open in WAL
    // mode (no -wal file).
    kImmutable,
  };

  // Opens the file at `path` in `mode` and reads its schema once, so that a file that cannot
  // be opened fails here and not at the first statement. A writable database gets WAL
  // journaling; every one gets foreign keys and the busy timeout.
  static Result<std::unique_ptr<SqliteDatabase>> open(const std::string& path, int busy_timeout_ms,
                                                      Mode mode = Mode::kCreate);
  ~SqliteDatabase();
  SqliteDatabase(const SqliteDatabase&) = delete;
  SqliteDatabase& operator=(const SqliteDatabase&) = delete;

  Result<std::unique_ptr<SqliteStatement>> prepare(std::string_view sql);
  // Runs one or more statements that return no rows.
  Status execute(const std::string& sql);
  std::int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(database_); }
  // Rows changed by the last completed INSERT, UPDATE or DELETE.
  std::int64_t changes() const { return sqlite3_changes(database_); }
  std::string last_error() const { return sqlite3_errmsg(database_); }
  bool read_only() const { return read_only_; }

  // After a commit: when the -wal file has passed `warning_bytes`, runs a passive checkpoint
  // (it never waits for readers or writers); when that cannot take the whole log into the
  // database, logs a warning with the size and SQLite's reason, again each time the log has
  // doubled since the last one (StoreOptions::wal_warning_bytes).
  void watch_wal_size();
  void set_wal_warning_bytes(std::uint64_t bytes) { wal_warning_bytes_ = bytes; }

 private:
  SqliteDatabase(sqlite3* database, std::string path, bool read_only)
      : database_(database), path_(std::move(path)), read_only_(read_only) {}
  sqlite3* database_;
  std::string path_;
  bool read_only_;
  std::uint64_t wal_warning_bytes_ = std::uint64_t{256} << 20;
  std::uint64_t next_warning_bytes_ = 0;  // 0: none said yet
};

// Opens the database file at `path` as `access` allows (StoreAccess, store.h): kCreate creates
// it; kExisting needs it to exist and be writable; kRead needs it to exist and falls back to
// read-only, then to immutable, when it cannot be written. Errors say why in words that say
// what to do: "no database at PATH", or the operating system's reason ("permission denied: run
// as the service's user, or check the ownership of DIR").
Result<std::unique_ptr<SqliteDatabase>> open_database_file(const std::string& path,
                                                           StoreAccess access, int busy_timeout_ms);

}  // namespace person_import::sqlite
