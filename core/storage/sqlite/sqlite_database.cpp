#include "core/storage/sqlite/sqlite_database.h"
#include "core/common/system_error_text.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <spdlog/spdlog.h>

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

namespace {

// A `file:` URI for `path`, for the immutable parameter: the characters URIs give a meaning
// (and any byte that is not plain ASCII) percent-encoded.
std::string file_uri(const std::string& path) {
  std::string uri = "file:";
  for (const char c : path) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '/' || c == '.' || c == '-' || c == '_' || c == '~') {
      uri += c;
    } else {
      char escaped[4];
      std::snprintf(escaped, sizeof escaped, "%%%02X", static_cast<unsigned>(byte));
      uri += escaped;
    }
  }
  return uri + "?immutable=1";
}

}  // namespace

Result<std::unique_ptr<SqliteDatabase>> SqliteDatabase::open(const std::string& path,
                                                             int busy_timeout_ms, Mode mode) {
  int flags = SQLITE_OPEN_NOMUTEX;
  std::string name = path;
  switch (mode) {
    case Mode::kCreate:
      flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
      break;
    case Mode::kReadWrite:
      flags |= SQLITE_OPEN_READWRITE;
      break;
    case Mode::kReadOnly:
      flags |= SQLITE_OPEN_READONLY;
      break;
    case Mode::kImmutable:
      flags |= SQLITE_OPEN_READONLY | SQLITE_OPEN_URI;
      name = file_uri(path);
      break;
  }
  sqlite3* handle = nullptr;
  const int code = sqlite3_open_v2(name.c_str(), &handle, flags, nullptr);
  if (code != SQLITE_OK) {
    std::string message = handle ? sqlite3_errmsg(handle) : sqlite3_errstr(code);
    sqlite3_close(handle);
    return make_error("cannot open SQLite database " + path + ": " + message);
  }
  const bool read_only = mode == Mode::kReadOnly || mode == Mode::kImmutable;
  // SQLite opens a file it may not write read-only, silently; writes would fail much later.
  if (!read_only && sqlite3_db_readonly(handle, "main") == 1) {
    sqlite3_close(handle);
    return make_error("cannot open SQLite database " + path + " for writing");
  }
  std::unique_ptr<SqliteDatabase> database(new SqliteDatabase(handle, path, read_only));
  sqlite3_busy_timeout(handle, busy_timeout_ms);
  // WAL lets readers (export, jobs list) run while an import writes; NORMAL sync is durable
  // across application crashes, which is what the exactly-once resume relies on. Reading the
  // schema makes SQLite open the file (and its -wal and -shm files) now.
  const std::string settings =
      std::string(read_only ? ""
                            : "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                              "PRAGMA journal_size_limit=67108864; ") +
      // No memory-mapped reads of the database file: a file truncated or gone under a mapping
      // kills with SIGBUS, where read() gives an error. (The -shm index is always mapped:
      // daemon/service/fatal_signals.h reports that one.)
      "PRAGMA mmap_size=0; " +
      "PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY; "
      "SELECT count(*) FROM sqlite_master;";
  if (auto status = database->execute(settings); !status.ok()) {
    return make_error("cannot open SQLite database " + path + ": " + status.error().message);
  }
  return database;
}

namespace {

namespace fs = std::filesystem;

std::string permission_hint(const std::string& path) {
  return "permission denied: run as the service's user, or check the ownership of " + path;
}

// Whether this process (its effective ids) may access `path` as `mode` (R_OK, W_OK, ...).
bool may(const std::string& path, int mode) {
  return ::faccessat(AT_FDCWD, path.c_str(), mode, AT_EACCESS) == 0;
}

std::string folder_of(const std::string& path) {
  const fs::path parent = fs::path(path).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

// Why the database at `path` cannot be opened for writing (or, `write` false, for reading),
// from the operating system's point of view; SQLite's own message when nothing is in the way.
std::string open_problem(const std::string& path, bool write, const std::string& sqlite_message) {
  const int file_mode = write ? R_OK | W_OK : R_OK;
  if (!may(path, file_mode)) {
    if (errno == EROFS) return "cannot write " + path + ": read-only filesystem";
    return "cannot " + std::string(write ? "write " : "read ") + path + ": " +
           (errno == EACCES || errno == EPERM ? permission_hint(path) : system_error_text(errno));
  }
  const std::string folder = folder_of(path);
  const std::string wal = path + "-wal";
  const std::string shm = path + "-shm";
  if (!fs::exists(wal) && !may(folder, W_OK | X_OK)) {
    return "cannot create " + wal + " (needed to " + (write ? "write" : "read") +
           " the database): " + permission_hint(folder);
  }
  if (fs::exists(shm) && !may(shm, file_mode)) {
    return "cannot " + std::string(write ? "write " : "read ") + shm + ": " + permission_hint(shm);
  }
  return sqlite_message;
}

}  // namespace

Result<std::unique_ptr<SqliteDatabase>> open_database_file(const std::string& path,
                                                           StoreAccess access,
                                                           int busy_timeout_ms) {
  using Mode = SqliteDatabase::Mode;
  struct stat status {};
  if (::stat(path.c_str(), &status) != 0) {
    const int error = errno;
    const std::string folder = folder_of(path);
    if (error == EACCES) return make_error("cannot open " + path + ": " + permission_hint(folder));
    if (error != ENOENT) return make_error("cannot open " + path + ": " + system_error_text(error));
    if (access != StoreAccess::kCreate) return make_error("no database at " + path);
    if (!fs::is_directory(folder)) {
      return make_error("cannot create " + path + ": no folder " + folder + " (create it first)");
    }
    if (!may(folder, W_OK | X_OK)) {
      return make_error("cannot create " + path + ": " + permission_hint(folder));
    }
  } else if (S_ISDIR(status.st_mode)) {
    return make_error("cannot open " + path + ": it is a folder, not a database file");
  }
  const Mode writable = access == StoreAccess::kCreate ? Mode::kCreate : Mode::kReadWrite;
  auto database = SqliteDatabase::open(path, busy_timeout_ms, writable);
  if (database.ok() || access != StoreAccess::kRead) {
    if (database.ok()) return database;
    return make_error(open_problem(path, true, database.error().message));
  }
  // A reading command may read what it cannot write: read-only, then, in a folder where the
  // -shm file cannot be made and no other connection has the database open, immutable.
  auto reader = SqliteDatabase::open(path, busy_timeout_ms, Mode::kReadOnly);
  if (reader.ok()) return reader;
  if (!fs::exists(path + "-wal")) {
    auto immutable = SqliteDatabase::open(path, busy_timeout_ms, Mode::kImmutable);
    if (immutable.ok()) return immutable;
  }
  return make_error(open_problem(path, false, reader.error().message));
}

SqliteDatabase::~SqliteDatabase() { sqlite3_close_v2(database_); }

void SqliteDatabase::watch_wal_size() {
  struct stat wal {};
  if (read_only_ || ::stat((path_ + "-wal").c_str(), &wal) != 0) return;
  const auto size = static_cast<std::uint64_t>(wal.st_size);
  if (size < wal_warning_bytes_) {
    next_warning_bytes_ = 0;  // back under the limit: a later growth is said again
    return;
  }
  int log_frames = 0;
  int checkpointed = 0;
  const int code = sqlite3_wal_checkpoint_v2(database_, "main", SQLITE_CHECKPOINT_PASSIVE,
                                             &log_frames, &checkpointed);
  if (code == SQLITE_OK && checkpointed >= log_frames) return;  // the next write restarts it
  if (next_warning_bytes_ != 0 && size < next_warning_bytes_) return;
  next_warning_bytes_ = size * 2;
  const std::string reason =
      code != SQLITE_OK ? "SQLite: " + last_error()
                        : std::to_string(checkpointed) + " of its " + std::to_string(log_frames) +
                              " pages could be checkpointed: a reader holds an older snapshot";
  spdlog::warn(
      "the SQLite write-ahead log {}-wal has grown to {:.1f} MiB and cannot be checkpointed into "
      "the "
      "database ({}); it grows with every write until it can: check that {} is writable and "
      "that no long-running reader keeps it open",
      path_, static_cast<double>(size) / (1 << 20), reason, path_);
}

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
