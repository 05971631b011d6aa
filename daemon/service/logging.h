// The daemon's log: spdlog's default logger, writing to stderr, one line a message.
//
// Styles (LogFormat, DaemonOptions::log_format):
//   text                 `2026-12-03T14:07:27.123Z [warning] message` (UTC, ISO 8601)
//   text under journald  `<4>message`: the sd-daemon priority prefix (<3> error, <4> warning,
//                        <6> info, <7> debug and trace), no timestamp (journald stamps each
//                        line), so `journalctl -p warning` selects by level
//   json                 `{"time":"…","level":"warning","message":"…"}`, one object a line, with
//                        the priority prefix in front under journald
// journald is recognised as systemd announces it: JOURNAL_STREAM holds the device and inode
// of the stream stderr is connected to.
//
// Every message is made printable (core/common/printable.h) before it is written: a client's
// file or column name can hold no control character, escape sequence or line break that would
// reach a terminal or split a line.
//
// Thread-safe (spdlog's multi-threaded sink).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "daemon/config/daemon_options.h"

namespace person_import::service {

enum class LogLineStyle { kText, kJournal, kJson, kJournalJson };

// The style for `format` given whether stderr is the journal.
LogLineStyle log_line_style(daemon::LogFormat format, bool under_journald);

// Whether $JOURNAL_STREAM names the stream on file descriptor `fd` (systemd's contract).
bool is_journal_stream(int fd);

// One log line, without its newline.
std::string format_log_line(LogLineStyle style, daemon::LogLevel level,
                            std::chrono::system_clock::time_point time, std::string_view message);

// Makes spdlog's default logger write such lines to stderr, from `level` on.
void set_up_logging(daemon::LogLevel level, daemon::LogFormat format);

// Changes the least severe level logged (SIGHUP).
void set_log_level(daemon::LogLevel level);

}  // namespace person_import::service
