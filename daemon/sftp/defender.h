// Repeat offenders among client addresses, banned for a growing time (as SFTPGo's defender).
//
// An offense of an address is one of its connections that
//   - ended without logging in after at least one refused attempt (a wrong key, a password),
//   - was closed by the login grace time without logging in (an idle pre-auth connection),
//   - was refused because its address already had max_unauthenticated_per_address connections
//     that had not logged in, or because the address is not in the allowlist.
// `limit` offenses within `window` ban the address: its new connections are closed before the
// key exchange. The first ban lasts `ban_time`, each later one of the same address twice the one
// before, up to `max_ban_time`; an address that stays clean for max_ban_time after its ban ends
// starts again from ban_time. A login clears the address's offenses (its ban count stays).
// record() says when an offense bans, for the caller to log every ban.
//
// Memory: at most `max_addresses` addresses are remembered; when full, the one whose last
// offense is oldest is forgotten first. Time is passed in (steady clock), so the rules are
// tested without waiting. Thread-safe: the accept thread asks, the session threads record.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace person_import::sftp {

class Defender {
 public:
  using Clock = std::chrono::steady_clock;

  struct Settings {
    int limit = 5;
    std::chrono::milliseconds window = std::chrono::minutes{1};
    std::chrono::milliseconds ban_time = std::chrono::minutes{1};
    std::chrono::milliseconds max_ban_time = std::chrono::hours{24};
    std::size_t max_addresses = 10000;
  };

  // A ban that an offense started.
  struct Ban {
    std::chrono::milliseconds length;
    int number = 0;  // 1 for the address's first ban (since it was last forgotten), 2, ...
  };

  explicit Defender(Settings settings);
  Defender(const Defender&) = delete;
  Defender& operator=(const Defender&) = delete;

  // Whether connections from `address` are refused at `now`.
  bool is_banned(const std::string& address, Clock::time_point now);
  // Records an offense; the ban when it bans the address from now on.
  std::optional<Ban> record_offense(const std::string& address, Clock::time_point now);
  void record_success(const std::string& address);

  // Addresses remembered (for tests of the bound).
  std::size_t size();

 private:
  struct Entry {
    std::deque<Clock::time_point> offenses;  // within the window, oldest first
    Clock::time_point banned_until{};
    int bans = 0;
    std::chrono::milliseconds last_ban{0};
    Clock::time_point last_seen{};
  };
  void forget_old(Entry& entry, Clock::time_point now) const;
  bool is_forgettable(const Entry& entry, Clock::time_point now) const;
  void make_room(Clock::time_point now);

  const Settings settings_;
  std::mutex mutex_;
  std::map<std::string, Entry> entries_;
};

}  // namespace person_import::sftp
