// Errors as values for expected failures.
//
// `Error` carries a human-readable message; `Result<T>` is a value or an Error; `Status` is
// success or an Error. Both are [[nodiscard]]: ignoring a failure must be a visible decision.
// Exceptions are reserved for the truly exceptional (out of memory, broken invariants in
// third-party code); asserts guard our own invariants.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace person_import {

struct Error {
  std::string message;
  // The failure may pass by itself (the database connection was lost, the server is
  // restarting): the same work, retried later on a new connection, can succeed. Nothing of the
  // failed transaction was kept. False for everything else.
  bool transient = false;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : state_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }

  const T& value() const& {
    assert(ok());
    return std::get<T>(state_);
  }
  T& value() & {
    assert(ok());
    return std::get<T>(state_);
  }
  T&& value() && {
    assert(ok());
    return std::get<T>(std::move(state_));
  }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  const Error& error() const {
    assert(!ok());
    return std::get<Error>(state_);
  }

 private:
  std::variant<T, Error> state_;
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)) {}  // NOLINT(google-explicit-constructor)
  static Status success() { return {}; }

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const {
    assert(!ok());
    return *error_;
  }

 private:
  std::optional<Error> error_;
};

inline Error make_error(std::string message) { return Error{std::move(message)}; }
// An Error whose work may succeed when retried later on a new connection (Error::transient).
inline Error make_transient_error(std::string message) { return Error{std::move(message), true}; }

}  // namespace person_import

// Propagates a failed Status or Result from the enclosing function.
#define PI_RETURN_IF_ERROR(expression)                        \
  do {                                                        \
    if (auto&& pi_status_ = (expression); !pi_status_.ok()) { \
      return pi_status_.error();                              \
    }                                                         \
  } while (false)

#define PI_CONCAT_INNER_(a, b) a##b
#define PI_CONCAT_(a, b) PI_CONCAT_INNER_(a, b)
// `PI_ASSIGN_OR_RETURN(auto x, make_x());` declares x from a Result or returns its error.
#define PI_ASSIGN_OR_RETURN(declaration, expression)                   \
  auto PI_CONCAT_(pi_result_, __LINE__) = (expression);                \
  if (!PI_CONCAT_(pi_result_, __LINE__).ok()) {                        \
    return PI_CONCAT_(pi_result_, __LINE__).error();                   \
  }                                                                    \
  /* `declaration` declares a variable: it cannot be parenthesised. */ \
  declaration = /* NOLINT(bugprone-macro-parentheses) */               \
      std::move(PI_CONCAT_(pi_result_, __LINE__)).value()
