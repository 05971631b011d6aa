// One libpqxx connection as the PostgreSQL store uses it: statements, nested transactions,
// COPY, and every libpqxx exception turned into an Error. Used only inside the PostgreSQL store.
//
// Statements run through one long-lived `pqxx::nontransaction`; transactions are plain SQL
// (`BEGIN`/`COMMIT`, and `SAVEPOINT`s when nested), so the store's and a session's work can
// interleave on one connection as they do on one SQLite connection. Parameterised statements
// are prepared on first use and reused for the connection's life.
//
// Errors: `guard` runs a body that may throw and returns its Result/Status, or an Error for the
// exception. A lost connection (pqxx::broken_connection, SQLSTATE class 08, 57P01/57P02/57P03,
// or any failure after which the connection is no longer open) is a transient Error and marks
// the connection broken: every later call fails at once with a transient Error, never
// reconnecting behind the caller's back (a new connection would silently have lost the open
// transaction, the advisory locks and the staging tables). Not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <pqxx/pqxx>

#include "core/common/result.h"

// NULL for an empty optional, for statement parameters and COPY rows.
namespace pqxx {
template <>
struct string_traits<std::optional<std::string>> {
  static constexpr const char* name() noexcept { return "optional<string>"; }
  static constexpr bool has_null() noexcept { return true; }
  static bool is_null(const std::optional<std::string>& value) { return !value.has_value(); }
  static std::optional<std::string> null() { return std::nullopt; }
  static void from_string(const char text[], std::optional<std::string>& value) { value = text; }
  static std::string to_string(const std::optional<std::string>& value) { return *value; }
};
}  // namespace pqxx

namespace person_import::postgresql {

class PgConnection {
 public:
  // Connects to `url` (a libpq connection URI). `lock_timeout_ms` is set as the session's
  // lock_timeout (0: wait without limit). Errors (transient: the server may just not be up
  // yet): cannot connect.
  static Result<std::unique_ptr<PgConnection>> open(const std::string& url, int lock_timeout_ms);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs `body`, which may throw, returning what it returns or the Error for its exception.
  template <class Body>
  auto guard(Body&& body) -> decltype(body()) {
    if (broken_) return broken_error();
    try {
      return body();
    } catch (const std::exception& exception) {
      return to_error(exception);
    }
  }

  // The Error for a caught exception; marks the connection broken when it was lost.
  Error to_error(const std::exception& exception);
  bool broken() const { return broken_; }
  int lock_timeout_ms() const { return lock_timeout_ms_; }

  // Runs one or more statements without parameters (simple protocol); the last one's result.
  pqxx::result exec(const std::string& sql) { return work_->exec(sql); }
  // Runs a statement with parameters $1, $2, ..., prepared on the first call with this text.
  template <class... Args>
  pqxx::result exec_params(std::string_view sql, Args&&... args) {
    return work_->exec_prepared(prepared(sql), std::forward<Args>(args)...);
  }
  // For pqxx::stream_to (COPY ... FROM STDIN).
  pqxx::transaction_base& work() { return *work_; }

  // Transactions: the outermost is BEGIN/COMMIT/ROLLBACK, nested ones are savepoints. Every
  // begin() must be ended by exactly one commit() or rollback().
  void begin();
  void commit();
  void rollback();
  bool in_transaction() const { return depth_ > 0; }
  // rollback() for destructors and error paths: never throws (a failure marks the connection
  // broken, and the server ends the transaction with the connection).
  void rollback_quietly() noexcept;
  // Runs `sql` for its effect when the connection is usable, ignoring failures (cleanup).
  void exec_quietly(const std::string& sql) noexcept;

  // A name for a new cursor, unique on this connection.
  std::string next_cursor_name() { return "pi_cursor_" + std::to_string(++cursors_); }

 private:
  PgConnection(std::unique_ptr<pqxx::connection> connection, int lock_timeout_ms);
  const std::string& prepared(std::string_view sql);
  Error broken_error() const;

  std::unique_ptr<pqxx::connection> connection_;
  std::unique_ptr<pqxx::nontransaction> work_;
  std::map<std::string, std::string, std::less<>> statements_;  // SQL text -> prepared name
  int lock_timeout_ms_;
  int depth_ = 0;
  std::uint64_t cursors_ = 0;
  bool broken_ = false;
};

// A transaction (or savepoint, when one is open) rolled back on destruction unless committed:
// every multi-statement write is all-or-nothing even when it returns early or throws.
class PgTransaction {
 public:
  explicit PgTransaction(PgConnection& connection) : connection_(connection) {
    connection_.begin();
  }
  ~PgTransaction() {
    if (open_) connection_.rollback_quietly();
  }
  PgTransaction(const PgTransaction&) = delete;
  PgTransaction& operator=(const PgTransaction&) = delete;
  void commit() {
    open_ = false;
    connection_.commit();
  }

 private:
  PgConnection& connection_;
  bool open_ = true;
};

// `{"a","b\"c"}`: a text[] literal for `= ANY($1::text[])`.
std::string text_array(const std::vector<std::string>& values);
// `{1,2}`: a bigint[] literal.
std::string bigint_array(const std::vector<std::int64_t>& values);

}  // namespace person_import::postgresql
