#include "daemon/sftp/defender.h"

#include <algorithm>

namespace person_import::sftp {

Defender::Defender(Settings settings) : settings_(settings) {}

void Defender::forget_old(Entry& entry, Clock::time_point now) const {
  while (!entry.offenses.empty() && now - entry.offenses.front() >= settings_.window) {
    entry.offenses.pop_front();
  }
}

bool Defender::is_forgettable(const Entry& entry, Clock::time_point now) const {
  // Clean for max_ban_time after its last ban (or never banned): nothing left to remember.
  return entry.offenses.empty() &&
         (entry.bans == 0 || now - entry.banned_until >= settings_.max_ban_time);
}

bool Defender::is_banned(const std::string& address, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  const auto found = entries_.find(address);
  if (found == entries_.end()) return false;
  if (now < found->second.banned_until) return true;
  forget_old(found->second, now);
  if (is_forgettable(found->second, now)) entries_.erase(found);
  return false;
}

void Defender::make_room(Clock::time_point now) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    forget_old(it->second, now);
    if (now >= it->second.banned_until && is_forgettable(it->second, now)) {
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
  while (entries_.size() >= settings_.max_addresses) {
    const auto oldest = std::min_element(entries_.begin(), entries_.end(), [](auto& a, auto& b) {
      return a.second.last_seen < b.second.last_seen;
    });
    entries_.erase(oldest);
  }
}

std::optional<Defender::Ban> Defender::record_offense(const std::string& address,
                                                      Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto found = entries_.find(address);
  if (found == entries_.end()) {
    if (entries_.size() >= settings_.max_addresses) make_room(now);
    found = entries_.emplace(address, Entry{}).first;
  }
  Entry& entry = found->second;
  entry.last_seen = now;
  if (now < entry.banned_until) return std::nullopt;  // already banned
  forget_old(entry, now);
  if (entry.bans > 0 && now - entry.banned_until >= settings_.max_ban_time) entry.bans = 0;
  entry.offenses.push_back(now);
  if (static_cast<int>(entry.offenses.size()) < settings_.limit) return std::nullopt;
  // Banned: the count starts again once the ban ends.
  entry.offenses.clear();
  entry.last_ban =
      entry.bans == 0 ? settings_.ban_time : std::min(entry.last_ban * 2, settings_.max_ban_time);
  ++entry.bans;
  entry.banned_until = now + entry.last_ban;
  return Ban{entry.last_ban, entry.bans};
}

void Defender::record_success(const std::string& address) {
  std::lock_guard lock(mutex_);
  const auto found = entries_.find(address);
  if (found == entries_.end()) return;
  found->second.offenses.clear();
  if (found->second.bans == 0) entries_.erase(found);
}

std::size_t Defender::size() {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace person_import::sftp
