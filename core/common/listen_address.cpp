#include "core/common/listen_address.h"

#include "core/common/ascii.h"

namespace person_import {

Result<ListenAddress> parse_listen_address(std::string_view address) {
  auto invalid = [&](std::string_view why) {
    return make_error("\"" + std::string(address) + "\" is not HOST:PORT (" + std::string(why) +
                      "; e.g. \"0.0.0.0:2222\" or \"[::]:2222\")");
  };
  const std::size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) return invalid("no port");
  std::string_view host = address.substr(0, colon);
  const std::string_view port = address.substr(colon + 1);
  if (host.empty()) return invalid("no host");
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return invalid("an IPv6 host is \"[address]\"");
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return invalid("write an IPv6 host in brackets");
  }
  if (host.find_first_of(" \t\r\n") != std::string_view::npos) return invalid("space in host");
  if (port.size() > 5 || !ascii::all_digits(port)) return invalid("the port is a number");
  const int number = std::stoi(std::string(port));
  if (number < 1 || number > 65535) return invalid("the port is 1 to 65535");
  return ListenAddress{std::string(host), std::string(port)};
}

}  // namespace person_import
