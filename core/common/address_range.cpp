#include "core/common/address_range.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>
#include <optional>

namespace person_import {
namespace {

struct Address {
  bool ipv6 = false;
  std::array<std::uint8_t, 16> bytes{};
};

std::optional<Address> parse_address(std::string_view text) {
  const std::string copy(text);
  Address address;
  if (::inet_pton(AF_INET, copy.c_str(), address.bytes.data()) == 1) return address;
  if (::inet_pton(AF_INET6, copy.c_str(), address.bytes.data()) != 1) return std::nullopt;
  // ::ffff:a.b.c.d carries an IPv4 address.
  static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(address.bytes.data(), kMapped, sizeof kMapped) == 0) {
    std::memmove(address.bytes.data(), address.bytes.data() + 12, 4);
    std::memset(address.bytes.data() + 4, 0, 12);
    return address;
  }
  address.ipv6 = true;
  return address;
}

// Whether the first `prefix` bits of `a` and `b` are equal.
bool same_prefix(const std::array<std::uint8_t, 16>& a, const std::array<std::uint8_t, 16>& b,
                 int prefix) {
  const int whole = prefix / 8;
  if (std::memcmp(a.data(), b.data(), static_cast<std::size_t>(whole)) != 0) return false;
  const int rest = prefix % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (a[static_cast<std::size_t>(whole)] & mask) == (b[static_cast<std::size_t>(whole)] & mask);
}

}  // namespace

Result<AddressRange> AddressRange::parse(std::string_view text) {
  const std::size_t slash = text.find('/');
  const std::string_view address_text = text.substr(0, slash);
  const auto address = parse_address(address_text);
  if (!address) {
    return make_error("\"" + std::string(text) +
                      "\" is no IP address range (write an address, or address/prefix length "
                      "such as 10.0.0.0/8 or 2001:db8::/32)");
  }
  const int bits = address->ipv6 ? 128 : 32;
  int prefix = bits;
  if (slash != std::string_view::npos) {
    const std::string_view digits = text.substr(slash + 1);
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    if (digits.empty() || error != std::errc() || end != digits.data() + digits.size() ||
        prefix < 0 || prefix > bits) {
      return make_error("\"" + std::string(text) + "\": the prefix length must be 0 to " +
                        std::to_string(bits));
    }
  }
  AddressRange range;
  range.ipv6_ = address->ipv6;
  range.bytes_ = address->bytes;
  range.prefix_ = prefix;
  range.text_ = std::string(text);
  // Host bits set past the prefix are a typo more often than not.
  std::array<std::uint8_t, 16> network = address->bytes;
  for (int bit = prefix; bit < bits; ++bit) {
    network[static_cast<std::size_t>(bit / 8)] &= static_cast<std::uint8_t>(~(0x80 >> (bit % 8)));
  }
  if (network != address->bytes) {
    char canonical[INET6_ADDRSTRLEN] = "";
    ::inet_ntop(address->ipv6 ? AF_INET6 : AF_INET, network.data(), canonical, sizeof canonical);
    return make_error("\"" + std::string(text) + "\" has bits set past its prefix; did you mean " +
                      canonical + "/" + std::to_string(prefix) + "?");
  }
  return range;
}

bool AddressRange::contains(std::string_view address) const {
  const auto parsed = parse_address(address);
  if (!parsed || parsed->ipv6 != ipv6_) return false;
  return same_prefix(parsed->bytes, bytes_, prefix_);
}

bool is_allowed_address(const std::vector<AddressRange>& ranges, std::string_view address) {
  if (ranges.empty()) return true;
  for (const auto& range : ranges) {
    if (range.contains(address)) return true;
  }
  return false;
}

}  // namespace person_import
