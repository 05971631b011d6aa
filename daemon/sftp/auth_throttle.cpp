#include "daemon/sftp/auth_throttle.h"

namespace person_import::sftp {

AuthThrottle::AuthThrottle(int limit, std::chrono::milliseconds window,
                           std::chrono::milliseconds block_time)
    : limit_(limit), window_(window), block_time_(block_time) {}

void AuthThrottle::forget_old(Entry& entry, Clock::time_point now) const {
  while (!entry.failures.empty() && now - entry.failures.front() >= window_) {
    entry.failures.pop_front();
  }
}

bool AuthThrottle::is_blocked(const std::string& address, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  const auto found = entries_.find(address);
  if (found == entries_.end()) return false;
  if (now < found->second.blocked_until) return true;
  forget_old(found->second, now);
  // Entries without recent failures go, so that the map stays as small as the attack.
  if (found->second.failures.empty()) entries_.erase(found);
  return false;
}

bool AuthThrottle::record_failure(const std::string& address, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  Entry& entry = entries_[address];
  forget_old(entry, now);
  entry.failures.push_back(now);
  if (static_cast<int>(entry.failures.size()) < limit_) return false;
  // Blocked: the count starts again once the block ends.
  entry.failures.clear();
  entry.blocked_until = now + block_time_;
  return true;
}

void AuthThrottle::record_success(const std::string& address) {
  std::lock_guard lock(mutex_);
  entries_.erase(address);
}

}  // namespace person_import::sftp
