#include "daemon/service/fatal_signals.h"

#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <cstring>

namespace person_import::service {
namespace {

// The line, built at installation; the handler only copies it.
constexpr std::size_t kCapacity = 4096;
char line_buffer[kCapacity];
std::size_t line_length = 0;
// Where the time goes in the line, or kNoTime.
constexpr std::size_t kNoTime = static_cast<std::size_t>(-1);
std::size_t time_offset = kNoTime;
// format_timestamp of the epoch: what the line holds where the time goes.
constexpr char kEpoch[] = "1970-01-01T00:00:00.000Z";
constexpr std::size_t kTimeLength = sizeof kEpoch - 1;

// Writes `value` as `digits` decimal digits, zero-padded.
void put_digits(char* out, long long value, int digits) {
  for (int index = digits - 1; index >= 0; --index) {
    out[index] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

// YYYY-MM-DDTHH:MM:SS.mmmZ of now, with async-signal-safe calls only (no gmtime: it may lock).
void put_time(char* out) {
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  const long long seconds = now.tv_sec;
  long long days = seconds / 86400;
  const long long in_day = seconds % 86400;
  // Civil date from days since 1970-01-01 (proleptic Gregorian; Howard Hinnant's algorithm).
  days += 719468;
  const long long era = days / 146097;
  const long long day_of_era = days - era * 146097;
  const long long year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const long long day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const long long month_index = (5 * day_of_year + 2) / 153;
  const long long day = day_of_year - (153 * month_index + 2) / 5 + 1;
  const long long month = month_index < 10 ? month_index + 3 : month_index - 9;
  const long long year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
  std::memcpy(out, kEpoch, kTimeLength);
  put_digits(out, year, 4);
  put_digits(out + 5, month, 2);
  put_digits(out + 8, day, 2);
  put_digits(out + 11, in_day / 3600, 2);
  put_digits(out + 14, in_day / 60 % 60, 2);
  put_digits(out + 17, in_day % 60, 2);
  put_digits(out + 20, now.tv_nsec / 1000000, 3);
}

void on_bus_error(int) {
  if (time_offset != kNoTime) put_time(line_buffer + time_offset);
  std::size_t written = 0;
  while (written < line_length) {
    const ssize_t result = ::write(STDERR_FILENO, line_buffer + written, line_length - written);
    if (result <= 0) break;
    written += static_cast<std::size_t>(result);
  }
  ::_exit(1);
}

}  // namespace

void report_bus_errors(const FatalLineFormat& format) {
  std::string line = format(std::chrono::system_clock::time_point{}) + "\n";
  if (line.size() > kCapacity) line = line.substr(0, kCapacity - 1) + "\n";
  // A counted buffer (line_length), written with write(2); never read as a C string.
  // NOLINTNEXTLINE(bugprone-not-null-terminated-result)
  std::memcpy(line_buffer, line.data(), line.size());
  line_length = line.size();
  const std::size_t found = line.find(kEpoch);
  time_offset = found == std::string::npos ? kNoTime : found;
  struct sigaction action {};
  action.sa_handler = on_bus_error;
  sigemptyset(&action.sa_mask);
  // A fault inside the handler itself ends the process the default way.
  action.sa_flags = SA_RESETHAND;
  ::sigaction(SIGBUS, &action, nullptr);
}

}  // namespace person_import::service
