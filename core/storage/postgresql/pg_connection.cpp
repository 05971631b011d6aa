#include "core/storage/postgresql/pg_connection.h"

namespace person_import::postgresql {
namespace {

// SQLSTATEs that mean the connection is gone or going: class 08 (connection exception),
// 57P01 admin_shutdown (pg_terminate_backend, a fast shutdown), 57P02 crash_shutdown, 57P03
// cannot_connect_now (the server is starting or stopping).
bool is_connection_state(const std::string& state) {
  return state.starts_with("08") || state == "57P01" || state == "57P02" || state == "57P03";
}

std::string trimmed(std::string message) {
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  return message;
}

}  // namespace

Result<std::unique_ptr<PgConnection>> PgConnection::open(const std::string& url,
                                                         int lock_timeout_ms) {
  try {
    auto connection = std::make_unique<pqxx::connection>(url);
    // libpqxx 6 would otherwise reconnect silently on the next statement after losing the
    // connection; the session's state (open transaction, advisory locks, staging tables)
    // would be gone without anyone noticing. A lost connection must surface as an error.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    connection->inhibit_reactivation(true);
#pragma GCC diagnostic pop
    return std::unique_ptr<PgConnection>(new PgConnection(std::move(connection), lock_timeout_ms));
  } catch (const pqxx::broken_connection& exception) {
    return make_transient_error("cannot connect to PostgreSQL: " + trimmed(exception.what()));
  } catch (const std::exception& exception) {
    return make_error("cannot connect to PostgreSQL: " + trimmed(exception.what()));
  }
}

PgConnection::PgConnection(std::unique_ptr<pqxx::connection> connection, int lock_timeout_ms)
    : connection_(std::move(connection)),
      work_(std::make_unique<pqxx::nontransaction>(*connection_)),
      lock_timeout_ms_(lock_timeout_ms) {}

PgConnection::~PgConnection() {
  // The nontransaction first (it is registered with the connection); closing the connection
  // ends any open transaction (rolled back) and releases the session's advisory locks.
  try {
    work_.reset();
    connection_.reset();
  } catch (...) {
  }
}

Error PgConnection::to_error(const std::exception& exception) {
  bool lost = dynamic_cast<const pqxx::broken_connection*>(&exception) != nullptr ||
              dynamic_cast<const pqxx::in_doubt_error*>(&exception) != nullptr;
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&exception)) {
    lost = lost || is_connection_state(sql->sqlstate());
  }
  try {
    lost = lost || !connection_->is_open();
  } catch (...) {
    lost = true;
  }
  const std::string message = trimmed(exception.what());
  if (lost) {
    broken_ = true;
    return make_transient_error("PostgreSQL connection lost: " + message);
  }
  return make_error("PostgreSQL: " + message);
}

Error PgConnection::broken_error() const {
  return make_transient_error(
      "PostgreSQL connection lost earlier: open the store again to continue");
}

const std::string& PgConnection::prepared(std::string_view sql) {
  auto found = statements_.find(sql);
  if (found != statements_.end()) return found->second;
  const std::string name = "pi_" + std::to_string(statements_.size() + 1);
  connection_->prepare(name, std::string(sql));
  return statements_.emplace(std::string(sql), name).first->second;
}

void PgConnection::begin() {
  exec(depth_ == 0 ? "BEGIN" : "SAVEPOINT pi_" + std::to_string(depth_));
  ++depth_;
}

void PgConnection::commit() {
  --depth_;
  exec(depth_ == 0 ? "COMMIT" : "RELEASE SAVEPOINT pi_" + std::to_string(depth_));
}

void PgConnection::rollback() {
  --depth_;
  const std::string savepoint = "pi_" + std::to_string(depth_);
  exec(depth_ == 0 ? "ROLLBACK"
                   : "ROLLBACK TO SAVEPOINT " + savepoint + "; RELEASE SAVEPOINT " + savepoint);
}

void PgConnection::rollback_quietly() noexcept {
  if (broken_) {
    if (depth_ > 0) --depth_;
    return;
  }
  try {
    rollback();
  } catch (const std::exception& exception) {
    (void)to_error(exception);
    broken_ = true;  // the transaction state is unknown: never use this connection again
  }
}

void PgConnection::exec_quietly(const std::string& sql) noexcept {
  if (broken_) return;
  try {
    exec(sql);
  } catch (const std::exception& exception) {
    (void)to_error(exception);
  }
}

std::string text_array(const std::vector<std::string>& values) {
  std::string literal = "{";
  for (const auto& value : values) {
    if (literal.size() > 1) literal += ',';
    literal += '"';
    for (char c : value) {
      if (c == '"' || c == '\\') literal += '\\';
      literal += c;
    }
    literal += '"';
  }
  literal += '}';
  return literal;
}

std::string bigint_array(const std::vector<std::int64_t>& values) {
  std::string literal = "{";
  for (auto value : values) {
    if (literal.size() > 1) literal += ',';
    literal += std::to_string(value);
  }
  literal += '}';
  return literal;
}

}  // namespace person_import::postgresql
