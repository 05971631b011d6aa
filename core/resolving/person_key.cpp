#include "core/resolving/person_key.h"

#include <sys/random.h>
#include <unistd.h>

#include <array>
#include <cstdint>

namespace person_import {

std::string random_person_key() {
  // Random bytes come from the kernel's CSPRNG in blocks: one getrandom() per 256 keys instead
  // of the handful of system calls libuuid makes for every key.
  thread_local std::array<std::uint8_t, 4096> pool;
  thread_local std::size_t used = pool.size();
  thread_local pid_t owner = 0;
  // A forked child inherits the pool: refill it, or parent and child hand out the same keys.
  const pid_t process = getpid();
  if (used == pool.size() || owner != process) {
    owner = process;
    std::size_t filled = 0;
    while (filled < pool.size()) {
      const ssize_t got = getrandom(pool.data() + filled, pool.size() - filled, 0);
      if (got > 0) filled += static_cast<std::size_t>(got);
    }
    used = 0;
  }
  std::uint8_t* bytes = pool.data() + used;
  used += 16;
  bytes[6] = static_cast<std::uint8_t>((bytes[6] & 0x0F) | 0x40);  // version 4
  bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3F) | 0x80);  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text;
  text.reserve(36);
  for (int index = 0; index < 16; ++index) {
    if (index == 4 || index == 6 || index == 8 || index == 10) text += '-';
    text += kHex[bytes[index] >> 4];
    text += kHex[bytes[index] & 0x0F];
  }
  return text;
}

}  // namespace person_import
