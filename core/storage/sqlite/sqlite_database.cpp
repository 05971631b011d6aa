#include "core/storage/sqlite/sqlite_database.h"

namespace person_import::sqlite {

SqliteStatement& SqliteStatement::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(statement_, index, value);
  return *this;
}

SqliteStatement& SqliteStatement::bind(int index, std::string_view value) {
  // SQLITE_TRANSIENT: callers pass views of temporaries; SQLite must copy.
  sqlite3_bind_text(statement_, index, value.data(), static_cast<int>(value.size()),
                    SQLITE_TRANSIENT);
  return *this;
}

SqliteStatement& SqliteStatement::bind(int index, const std::optional<std::string>& value) {
  return value ? bind(index, std::string_view(*value)) : bind_null(index);
}

SqliteStatement& SqliteStatement::bind_null(int index) {
  sqlite3_bind_null(statement_, index);
  return *this;
}

Result<bool> SqliteStatement::step() {
  const int code = sqlite3_step(statement_);
  if (code == SQLITE_ROW) return true;
  if (code == SQLITE_DONE) return false;
  std::string message = sqlite3_errmsg(database_);
  sqlite3_reset(statement_);
  return make_error("SQLite: " + message);
}

Status SqliteStatement::run() {
  auto stepped = step();
  while (stepped.ok() && stepped.value()) stepped = step();
  if (!stepped.ok()) return stepped.error();
  reset();
  return {};
}

void SqliteStatement::reset() {
  sqlite3_reset(statement_);
  sqlite3_clear_bindings(statement_);
}

std::int64_t SqliteStatement::column_int(int column) const {
  return sqlite3_column_int64(statement_, column);
}

std::string SqliteStatement::column_text(int column) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement_, column));
  return text
             ? std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(statement_, column)))
             : std::string();
}

std::optional<std::string> SqliteStatement::column_optional_text(int column) const {
  if (column_is_null(column)) return std::nullopt;
  return column_text(column);
}

bool SqliteStatement::column_is_null(int column) const {
  return sqlite3_column_type(statement_, column) == SQLITE_NULL;
}

Result<std::unique_ptr<SqliteDatabase>> SqliteDatabase::open(const std::string& path,
                                                             int busy_timeout_ms) {
  sqlite3* handle = nullptr;
  const int code =
      sqlite3_open_v2(path.c_str(), &handle,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (code != SQLITE_OK) {
    std::string message = handle ? sqlite3_errmsg(handle) : sqlite3_errstr(code);
    sqlite3_close(handle);
    return make_error("cannot open SQLite database " + path + ": " + message);
  }
  std::unique_ptr<SqliteDatabase> database(new SqliteDatabase(handle));
  sqlite3_busy_timeout(handle, busy_timeout_ms);
  // WAL lets readers (export, jobs list) run while an import writes; NORMAL sync is durable
  // across application crashes, which is what the exactly-once resume relies on.
  if (auto status = database->execute(
          "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
          "PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;");
      !status.ok()) {
    return make_error("cannot configure SQLite database " + path + ": " + status.error().message);
  }
  return database;
}

SqliteDatabase::~SqliteDatabase() { sqlite3_close_v2(database_); }

Result<std::unique_ptr<SqliteStatement>> SqliteDatabase::prepare(std::string_view sql) {
  sqlite3_stmt* statement = nullptr;
  const int code = sqlite3_prepare_v3(database_, sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &statement, nullptr);
  if (code != SQLITE_OK) return make_error("SQLite: " + last_error());
  return std::make_unique<SqliteStatement>(database_, statement);
}

Status SqliteDatabase::execute(const std::string& sql) {
  char* message = nullptr;
  if (sqlite3_exec(database_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : last_error();
    sqlite3_free(message);
    return make_error("SQLite: " + text);
  }
  return {};
}

}  // namespace person_import::sqlite
