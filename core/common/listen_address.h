// A listening address as the configuration writes it: "HOST:PORT", e.g. "0.0.0.0:2222",
// "127.0.0.1:9464" or "[::]:2222" (an IPv6 host in brackets).
//
// Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/common/result.h"

namespace person_import {

struct ListenAddress {
  std::string host;  // as written, without the brackets of an IPv6 host: "0.0.0.0", "::"
  std::string port;  // digits, 1 to 65535
};

// `address` split into host and port. REQUIRES nothing. Errors, each
// `"<address>" is not HOST:PORT (<why>; e.g. "0.0.0.0:2222" or "[::]:2222")`: no port, no host,
// an IPv6 host without brackets, white space in the host, a port that is not 1 to 65535.
Result<ListenAddress> parse_listen_address(std::string_view address);

}  // namespace person_import
