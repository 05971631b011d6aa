// What the process says when a memory-mapped file goes away under it. SQLite maps its -shm file
// (the WAL index) into memory, and the kernel answers a touch of a mapped page whose file was
// truncated, or whose storage is gone, with SIGBUS: by default a silent death with no log line.
// With this handler the process writes one line and exits with status 1, which a supervisor
// (systemd's Restart=on-failure) restarts; an interrupted import then resumes from its last
// committed batch, as after any crash.
//
// Thread-safe to call once at start-up, before the threads that touch the database start.
#pragma once

#include <chrono>
#include <functional>
#include <string>

namespace person_import::service {

// Formats the line that reports the fault, given its time (a log line, without its newline).
using FatalLineFormat = std::function<std::string(std::chrono::system_clock::time_point)>;

// Installs the SIGBUS handler. `format` is called here, not in the handler (which may only use
// async-signal-safe calls): when the line holds the time, the handler writes the time of the
// fault in its place (an ISO 8601 UTC timestamp with milliseconds, format_timestamp's form).
// The line is written to stderr.
void report_bus_errors(const FatalLineFormat& format);

// The message of that line (the daemon adds that interrupted imports resume at its next start).
inline constexpr const char* kBusErrorMessage =
    "fatal: bus error (SIGBUS): a memory-mapped file went away under the process (the SQLite "
    "database's -shm file truncated, or the database's storage removed or made unavailable); "
    "exiting with status 1: check the database folder";

}  // namespace person_import::service
