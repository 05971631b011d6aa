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
  // Opens or creates the file at `path`, sets WAL journaling, foreign keys and the busy timeout.
  static Result<std::unique_ptr<SqliteDatabase>> open(const std::string& path, int busy_timeout_ms);
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

 private:
  explicit SqliteDatabase(sqlite3* database) : database_(database) {}
  sqlite3* database_;
};

}  // namespace person_import::sqlite
