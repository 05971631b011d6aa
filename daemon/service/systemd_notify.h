// systemd's notification protocol (sd_notify(3)), without libsystemd: one datagram to the unix
// socket named by $NOTIFY_SOCKET (a path, or an abstract name starting with '@'). Nothing
// happens when the variable is unset (not run by systemd with Type=notify). Errors are ignored:
// a lost notification must never stop the service.
#pragma once

#include <string_view>

namespace person_import::service {

// Sends `state`, e.g. "READY=1" or "STOPPING=1".
void notify_systemd(std::string_view state);

}  // namespace person_import::service
