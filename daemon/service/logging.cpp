#include "daemon/service/logging.h"

#include <sys/stat.h>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>

#include "core/common/clock.h"
#include "core/common/json_text.h"
#include "core/common/printable.h"

namespace person_import::service {
namespace {

// Each level as spdlog knows it, its sd-daemon(3) priority (LOG_ERR, LOG_WARNING, LOG_INFO,
// LOG_DEBUG), and its name in lines (spdlog's).
struct LevelInfo {
  daemon::LogLevel level;
  spdlog::level::level_enum spdlog;
  int priority;
  std::string_view name;
};
constexpr std::array<LevelInfo, 5> kLevels{{
    {daemon::LogLevel::kTrace, spdlog::level::trace, 7, "trace"},
    {daemon::LogLevel::kDebug, spdlog::level::debug, 7, "debug"},
    {daemon::LogLevel::kInfo, spdlog::level::info, 6, "info"},
    {daemon::LogLevel::kWarn, spdlog::level::warn, 4, "warning"},
    {daemon::LogLevel::kError, spdlog::level::err, 3, "error"},
}};

const LevelInfo& info_of(daemon::LogLevel level) {
  for (const auto& info : kLevels) {
    if (info.level == level) return info;
  }
  return kLevels[2];
}

// spdlog's critical, which nothing logs, counts as an error.
daemon::LogLevel our_level(spdlog::level::level_enum level) {
  for (const auto& info : kLevels) {
    if (info.spdlog == level) return info.level;
  }
  return daemon::LogLevel::kError;
}

class LineFormatter final : public spdlog::formatter {
 public:
  explicit LineFormatter(LogLineStyle style) : style_(style) {}

  void format(const spdlog::details::log_msg& message, spdlog::memory_buf_t& destination) override {
    const std::string line =
        format_log_line(style_, our_level(message.level), message.time,
                        std::string_view(message.payload.data(), message.payload.size()));
    destination.append(line.data(), line.data() + line.size());
    destination.push_back('\n');
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<LineFormatter>(style_);
  }

 private:
  LogLineStyle style_;
};

}  // namespace

LogLineStyle log_line_style(daemon::LogFormat format, bool under_journald) {
  if (format == daemon::LogFormat::kJson) {
    return under_journald ? LogLineStyle::kJournalJson : LogLineStyle::kJson;
  }
  return under_journald ? LogLineStyle::kJournal : LogLineStyle::kText;
}

bool is_journal_stream(int fd) {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr) return false;
  unsigned long long device = 0;
  unsigned long long inode = 0;
  char end = 0;
  if (std::sscanf(stream, "%llu:%llu%c", &device, &inode, &end) != 2) return false;
  struct stat status {};
  if (::fstat(fd, &status) != 0) return false;
  return static_cast<unsigned long long>(status.st_dev) == device &&
         static_cast<unsigned long long>(status.st_ino) == inode;
}

std::string format_log_line(LogLineStyle style, daemon::LogLevel level,
                            std::chrono::system_clock::time_point time, std::string_view message) {
  const std::string prefix = "<" + std::to_string(info_of(level).priority) + ">";
  switch (style) {
    case LogLineStyle::kText:
      return format_timestamp(time) + " [" + std::string(info_of(level).name) + "] " +
             printable(message);
    case LogLineStyle::kJournal:
      return prefix + printable(message);
    case LogLineStyle::kJson:
    case LogLineStyle::kJournalJson: {
      nlohmann::ordered_json object;
      object["time"] = format_timestamp(time);
      object["level"] = info_of(level).name;
      object["message"] = std::string(message);
      const std::string json = json_text(object);
      return style == LogLineStyle::kJournalJson ? prefix + json : json;
    }
  }
  return printable(message);
}

void set_up_logging(daemon::LogLevel level, daemon::LogFormat format) {
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  sink->set_formatter(
      std::make_unique<LineFormatter>(log_line_style(format, is_journal_stream(STDERR_FILENO))));
  auto logger = std::make_shared<spdlog::logger>("person-import", std::move(sink));
  logger->set_level(info_of(level).spdlog);
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(std::move(logger));
}

void set_log_level(daemon::LogLevel level) { spdlog::set_level(info_of(level).spdlog); }

}  // namespace person_import::service
