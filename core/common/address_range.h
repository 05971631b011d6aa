// IP address ranges in CIDR notation ("10.0.0.0/8", "192.0.2.7", "2001:db8::/32"), for
// allowlists of client addresses. An address without a prefix length is a range of one.
// IPv4-mapped IPv6 addresses (::ffff:192.0.2.7, what a socket bound to [::] reports for an IPv4
// client) are matched as the IPv4 address they carry.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.h"

namespace person_import {

class AddressRange {
 public:
  // Errors: not an IPv4 or IPv6 address, a prefix length out of range (0-32, 0-128), bits set
  // past the prefix ("10.0.0.1/8": did you mean 10.0.0.0/8?).
  static Result<AddressRange> parse(std::string_view text);

  // Whether the address `address` (text, as inet_ntop writes it) is in the range; false for
  // text that is no address.
  bool contains(std::string_view address) const;

  const std::string& text() const { return text_; }

 private:
  bool ipv6_ = false;
  std::array<std::uint8_t, 16> bytes_{};
  int prefix_ = 0;
  std::string text_;
};

// Whether `address` is in one of `ranges`; an empty list allows every address.
bool is_allowed_address(const std::vector<AddressRange>& ranges, std::string_view address);

}  // namespace person_import
