// Throttling of failed authentication by client address, so that a client guessing keys (or
// a misconfigured one retrying in a loop) is slowed down.
//
// A connection that ends without logging in after at least one refused attempt is one failure
// of its address. `limit` failures within `window` block the address for `block_time`: its new
// connections are closed before the key exchange. A successful login clears the address's
// failures. Time is passed in (steady clock), so the rules are tested without waiting.
//
// Thread-safe: the accept thread asks, the session threads record.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <string>

namespace person_import::sftp {

class AuthThrottle {
 public:
  using Clock = std::chrono::steady_clock;

  AuthThrottle(int limit, std::chrono::milliseconds window, std::chrono::milliseconds block_time);
  AuthThrottle(const AuthThrottle&) = delete;
  AuthThrottle& operator=(const AuthThrottle&) = delete;

  // Whether connections from `address` are refused at `now`.
  bool is_blocked(const std::string& address, Clock::time_point now);
  // Records a failure; true when it blocks the address from now on.
  bool record_failure(const std::string& address, Clock::time_point now);
  void record_success(const std::string& address);

 private:
  struct Entry {
    std::deque<Clock::time_point> failures;  // within the window, oldest first
    Clock::time_point blocked_until{};
  };
  void forget_old(Entry& entry, Clock::time_point now) const;

  const int limit_;
  const std::chrono::milliseconds window_;
  const std::chrono::milliseconds block_time_;
  std::mutex mutex_;
  std::map<std::string, Entry> entries_;
};

}  // namespace person_import::sftp
