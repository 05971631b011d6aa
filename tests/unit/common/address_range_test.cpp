// IP address ranges for allowlists (core/common/address_range.h).
#include <catch2/catch.hpp>

#include "core/common/address_range.h"
#include "tests/support/test_support.h"

using namespace person_import;
using test_support::contains;

TEST_CASE("address ranges: CIDR ranges and single addresses, IPv4 and IPv6") {
  auto range = [](const char* text) {
    auto parsed = AddressRange::parse(text);
    INFO(text << ": " << (parsed.ok() ? "" : parsed.error().message));
    REQUIRE(parsed.ok());
    return *parsed;
  };
  CHECK(range("10.0.0.0/8").contains("10.200.3.4"));
  CHECK_FALSE(range("10.0.0.0/8").contains("11.0.0.1"));
  CHECK(range("192.0.2.7").contains("192.0.2.7"));
  CHECK_FALSE(range("192.0.2.7").contains("192.0.2.8"));
  CHECK(range("192.0.2.0/25").contains("192.0.2.127"));
  CHECK_FALSE(range("192.0.2.0/25").contains("192.0.2.128"));
  CHECK(range("0.0.0.0/0").contains("8.8.8.8"));
  CHECK(range("2001:db8::/32").contains("2001:db8:1::5"));
  CHECK_FALSE(range("2001:db8::/32").contains("2001:db9::1"));
  CHECK_FALSE(range("2001:db8::/32").contains("10.0.0.1"));
  // A socket bound to [::] sees IPv4 clients as IPv4-mapped addresses.
  CHECK(range("127.0.0.0/8").contains("::ffff:127.0.0.1"));
  CHECK_FALSE(range("127.0.0.0/8").contains("not an address"));
  for (const char* bad : {"10.0.0.0/33", "10.0.0.0/", "10.0.0.0/x", "example.com", "",
                          "2001:db8::/129", "10.0.0.1/8"}) {
    INFO(bad);
    CHECK_FALSE(AddressRange::parse(bad).ok());
  }
  CHECK(contains(AddressRange::parse("10.0.0.1/8").error().message, "did you mean 10.0.0.0/8?"));
  CHECK(is_allowed_address({}, "203.0.113.9"));  // no list: everyone
  CHECK(is_allowed_address({range("10.0.0.0/8"), range("192.0.2.7")}, "192.0.2.7"));
  CHECK_FALSE(is_allowed_address({range("10.0.0.0/8")}, "192.0.2.7"));
}
