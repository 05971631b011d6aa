#include "core/values/custom_value.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <system_error>
#include <vector>

#include "core/common/ascii.h"
#include "core/common/utf8.h"
#include "core/values/charset.h"

namespace person_import {
namespace {

using error_kinds::kCharsetMismatch;
using error_kinds::kInvalidCustomFieldValue;
using error_kinds::kInvalidSelectValue;

// 15 is DBL_DIG: every decimal of up to 15 significant digits survives the trip through a
// double and back unchanged, so what is exported is what was imported.
constexpr int kMaxSignificantDigits = 15;

// User text inside a detail message: quoted, shortened, never cutting a code point.
std::string quote_user_text(std::string_view text) {
  constexpr std::size_t kMaxShown = 40;
  const std::size_t shown = utf8::floor_boundary(text, kMaxShown);
  std::string result = "\"" + std::string(text.substr(0, shown));
  if (shown < text.size()) result += "…";
  return result + "\"";
}

// ---- number ----

enum class NumberProblem { kNone, kSyntax, kTooManyDigits, kOutOfRange };

struct NumberParse {
  NumberProblem problem = NumberProblem::kNone;
  nlohmann::json value;
};

// Significant digits are counted from the first non-zero digit to the last digit, ignoring
// zeros that end the fractional part: `007` has 1, `1.500` has 2, `0.000123` has 3, `1000`
// has 4. Trailing zeros of the integer part count because without an exponent they are the
// only way to write the magnitude, and keeping them counted bounds integers below 10^15.
NumberParse parse_number_detailed(std::string_view text) {
  std::size_t pos = 0;
  bool negative = false;
  if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    negative = text[pos] == '-';
    ++pos;
  }
  const std::size_t int_begin = pos;
  while (pos < text.size() && ascii::is_digit(text[pos])) ++pos;
  const std::string_view int_part = text.substr(int_begin, pos - int_begin);
  std::string_view frac_part;
  if (pos < text.size() && text[pos] == '.') {
    const std::size_t frac_begin = ++pos;
    while (pos < text.size() && ascii::is_digit(text[pos])) ++pos;
    frac_part = text.substr(frac_begin, pos - frac_begin);
    if (frac_part.empty()) return {NumberProblem::kSyntax, {}};
  }
  if (pos != text.size() || (int_part.empty() && frac_part.empty())) {
    return {NumberProblem::kSyntax, {}};
  }

  const std::size_t frac_end = frac_part.find_last_not_of('0');
  frac_part =
      frac_end == std::string_view::npos ? std::string_view{} : frac_part.substr(0, frac_end + 1);
  const std::size_t int_start = int_part.find_first_not_of('0');
  const std::string_view int_significant =
      int_start == std::string_view::npos ? std::string_view{} : int_part.substr(int_start);

  std::size_t significant = 0;
  if (!int_significant.empty()) {
    significant = int_significant.size() + frac_part.size();
  } else {
    const std::size_t first = frac_part.find_first_not_of('0');
    significant = first == std::string_view::npos ? 0 : frac_part.size() - first;
  }
  if (significant > kMaxSignificantDigits) return {NumberProblem::kTooManyDigits, {}};

  if (frac_part.empty()) {
    // At most 15 digits: fits int64 with room to spare. `-0` becomes 0 (JSON has no -0 int).
    std::int64_t magnitude = 0;
    for (char c : int_significant) magnitude = magnitude * 10 + (c - '0');
    return {NumberProblem::kNone, nlohmann::json(negative ? -magnitude : magnitude)};
  }

  // Parse the canonical digits rather than the raw text: from_chars rejects a leading `+`.
  std::string canonical;
  canonical.reserve(int_significant.size() + frac_part.size() + 3);
  if (negative) canonical += '-';
  canonical += int_significant.empty() ? std::string_view("0") : int_significant;
  canonical += '.';
  canonical += frac_part;
  double value = 0;
  const auto [end, error] =
      std::from_chars(canonical.data(), canonical.data() + canonical.size(), value);
  // Only a tiny magnitude can fail here (a long run of zeros after the point): it would
  // underflow, and 0 or a subnormal (fewer than 15 digits of precision) would not be the
  // number written.
  if (error != std::errc() || end != canonical.data() + canonical.size() ||
      std::fabs(value) < std::numeric_limits<double>::min()) {
    return {NumberProblem::kOutOfRange, {}};
  }
  return {NumberProblem::kNone, nlohmann::json(value)};
}

// ---- date ----

enum class DateProblem { kNone, kSyntax, kNoSuchDateTime, kOffset, kRange };

struct DateParse {
  DateProblem problem = DateProblem::kNone;
  std::string utc;
};

// Reads exactly `count` ASCII digits at `pos`.
std::optional<int> read_digits(std::string_view text, std::size_t pos, std::size_t count) {
  if (pos + count > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (!ascii::is_digit(text[i])) return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

DateParse parse_date_detailed(std::string_view text) {
  using namespace std::chrono;
  DateParse kSyntaxError{DateProblem::kSyntax, {}};

  // YYYY-MM-DD
  const auto y = read_digits(text, 0, 4);
  const auto mo = read_digits(text, 5, 2);
  const auto d = read_digits(text, 8, 2);
  if (!y || !mo || !d || text[4] != '-' || text[7] != '-') return kSyntaxError;

  int hour = 0, minute = 0, second = 0, offset_minutes = 0;
  if (text.size() != 10) {
    // THH:MM:SS
    if (text[10] != 'T' && text[10] != 't') return kSyntaxError;
    const auto h = read_digits(text, 11, 2);
    const auto mi = read_digits(text, 14, 2);
    const auto s = read_digits(text, 17, 2);
    if (!h || !mi || !s || text[13] != ':' || text[16] != ':') return kSyntaxError;
    hour = *h, minute = *mi, second = *s;

    std::size_t pos = 19;
    if (pos < text.size() && text[pos] == '.') {
      const std::size_t digits_begin = ++pos;
      while (pos < text.size() && ascii::is_digit(text[pos])) ++pos;
      if (pos == digits_begin) return kSyntaxError;
    }
    if (pos >= text.size()) return kSyntaxError;  // the zone is required with a time

    const std::string_view zone = text.substr(pos);
    if (zone == "Z" || zone == "z") {
      offset_minutes = 0;
    } else if (zone[0] == '+' || zone[0] == '-') {
      const bool colon = zone.size() == 6 && zone[3] == ':';
      if (zone.size() != (colon ? 6u : 5u)) return kSyntaxError;
      const auto oh = read_digits(zone, 1, 2);
      const auto om = read_digits(zone, colon ? 4 : 3, 2);
      if (!oh || !om) return kSyntaxError;
      if (*om >= 60 || *oh * 60 + *om > 14 * 60) return {DateProblem::kOffset, {}};
      offset_minutes = (zone[0] == '-' ? -1 : 1) * (*oh * 60 + *om);
    } else {
      return kSyntaxError;
    }
  }

  const year_month_day date{year{*y}, month{static_cast<unsigned>(*mo)},
                            day{static_cast<unsigned>(*d)}};
  if (!date.ok() || hour > 23 || minute > 59 || second > 59) {
    return {DateProblem::kNoSuchDateTime, {}};
  }

  // Local time minus its offset is UTC; sys_days arithmetic carries across day, month and
  // year boundaries (and leap days) for us.
  const sys_seconds utc =
      sys_days{date} + hours{hour} + minutes{minute} + seconds{second} - minutes{offset_minutes};
  const sys_days utc_day = floor<days>(utc);
  const year_month_day utc_date{utc_day};
  const hh_mm_ss<seconds> utc_time{utc - utc_day};
  if (utc_date.year() < year{1} || utc_date.year() > year{9999}) return {DateProblem::kRange, {}};

  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02dZ",
                static_cast<int>(utc_date.year()), static_cast<unsigned>(utc_date.month()),
                static_cast<unsigned>(utc_date.day()), static_cast<int>(utc_time.hours().count()),
                static_cast<int>(utc_time.minutes().count()),
                static_cast<int>(utc_time.seconds().count()));
  return {DateProblem::kNone, buffer};
}

// ---- postal code ----

// Canada Post never uses D F I O Q U (they read like other characters to OCR and humans) and
// never starts a code with W or Z.
bool is_canadian_letter(char c, bool first) {
  static constexpr std::string_view kLetters = "ABCEGHJKLMNPRSTVWXYZ";
  static constexpr std::string_view kFirstLetters = "ABCEGHJKLMNPRSTVXY";
  return (first ? kFirstLetters : kLetters).find(c) != std::string_view::npos;
}

char ascii_upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

std::optional<std::string> parse_us_zip(std::string_view text) {
  const bool zip5 = text.size() == 5;
  const bool zip9 = text.size() == 10 && text[5] == '-';
  if (!zip5 && !zip9) return std::nullopt;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i == 5) continue;
    if (!ascii::is_digit(text[i])) return std::nullopt;
  }
  return std::string(text);
}

std::optional<std::string> parse_canadian(std::string_view text) {
  std::string compact;
  if (text.size() == 7 && text[3] == ' ') {
    compact = std::string(text.substr(0, 3)) + std::string(text.substr(4));
  } else if (text.size() == 6) {
    compact = std::string(text);
  } else {
    return std::nullopt;
  }
  std::transform(compact.begin(), compact.end(), compact.begin(), ascii_upper);
  for (std::size_t i = 0; i < compact.size(); ++i) {
    const bool ok =
        i % 2 == 0 ? is_canadian_letter(compact[i], i == 0) : ascii::is_digit(compact[i]);
    if (!ok) return std::nullopt;
  }
  return compact.substr(0, 3) + " " + compact.substr(3);
}

// ---- selects ----

bool is_option(const FieldDefinition& field, std::string_view key) {
  return std::find(field.options.begin(), field.options.end(), key) != field.options.end();
}

std::string_view trim_blanks(std::string_view text) {
  const std::size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  return text.substr(begin, text.find_last_not_of(" \t") + 1 - begin);
}

ValueOutcome interpret_multi_select(const FieldDefinition& field, std::string_view text,
                                    std::string_view delimiter) {
  std::vector<std::string_view> keys;
  std::size_t begin = 0;
  while (begin <= text.size()) {
    // The delimiter is one code point's UTF-8 bytes; in valid UTF-8 a match of those bytes is
    // always that whole code point. An empty delimiter splits nothing.
    std::size_t end = delimiter.empty() ? std::string_view::npos : text.find(delimiter, begin);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view key = trim_blanks(text.substr(begin, end - begin));
    begin = end + std::max<std::size_t>(delimiter.size(), 1);
    if (key.empty()) continue;
    if (!is_option(field, key)) {
      return ValueError{kInvalidSelectValue, "unknown option " + quote_user_text(key)};
    }
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
  }
  if (keys.empty()) return ClearValue{};
  nlohmann::json array = nlohmann::json::array();
  for (std::string_view key : keys) array.push_back(std::string(key));
  return SetValue{std::move(array)};
}

std::string describe_code_point(char32_t c) {
  if (c == utf8::kInvalid) return "a byte sequence that is not valid UTF-8";
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "U+%04X", static_cast<unsigned>(c));
  return buffer;
}

}  // namespace

std::optional<nlohmann::json> parse_number(std::string_view text) {
  NumberParse parsed = parse_number_detailed(text);
  if (parsed.problem != NumberProblem::kNone) return std::nullopt;
  return std::move(parsed.value);
}

std::optional<std::string> parse_date_to_utc(std::string_view text) {
  DateParse parsed = parse_date_detailed(text);
  if (parsed.problem != DateProblem::kNone) return std::nullopt;
  return std::move(parsed.utc);
}

std::optional<std::string> parse_postal_code(std::string_view text) {
  if (auto zip = parse_us_zip(text)) return zip;
  return parse_canadian(text);
}

ValueOutcome interpret_custom_value(const FieldDefinition& field, std::string_view text,
                                    std::string_view multi_select_delimiter) {
  if (text.size() > kMaxCustomValueBytes) {
    std::string detail = std::to_string(text.size()) + " bytes, more than the " +
                         std::to_string(kMaxCustomValueBytes) + " allowed";
    return ValueError{kInvalidCustomFieldValue, std::move(detail)};
  }
  if (text == kNullToken) return ClearValue{};
  if (text.empty()) {
    const bool select =
        field.type == FieldType::kSingleSelect || field.type == FieldType::kMultiSelect;
    if (select) return ClearValue{};
    return LeaveUnchanged{};
  }

  switch (field.type) {
    case FieldType::kString: {
      if (const auto outside = first_outside_charset(text, field.charset)) {
        return ValueError{kCharsetMismatch, describe_code_point(*outside) + " is not in the " +
                                                std::string(to_string(field.charset)) +
                                                " character set"};
      }
      return SetValue{std::string(text)};
    }
    case FieldType::kNumber: {
      NumberParse parsed = parse_number_detailed(text);
      switch (parsed.problem) {
        case NumberProblem::kNone:
          return SetValue{std::move(parsed.value)};
        case NumberProblem::kSyntax:
          return ValueError{kInvalidCustomFieldValue, "expected a number like -12 or 3.50"};
        case NumberProblem::kTooManyDigits:
          return ValueError{kInvalidCustomFieldValue, "more than 15 significant digits"};
        case NumberProblem::kOutOfRange:
          return ValueError{kInvalidCustomFieldValue, "too close to zero to store"};
      }
      break;
    }
    case FieldType::kDate: {
      DateParse parsed = parse_date_detailed(text);
      switch (parsed.problem) {
        case DateProblem::kNone:
          return SetValue{std::move(parsed.utc)};
        case DateProblem::kSyntax:
          return ValueError{kInvalidCustomFieldValue,
                            "expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (or an offset like "
                            "+05:30 instead of Z)"};
        case DateProblem::kNoSuchDateTime:
          return ValueError{kInvalidCustomFieldValue, "no such date or time"};
        case DateProblem::kOffset:
          return ValueError{kInvalidCustomFieldValue, "offset beyond ±14:00"};
        case DateProblem::kRange:
          return ValueError{kInvalidCustomFieldValue, "outside years 0001–9999 in UTC"};
      }
      break;
    }
    case FieldType::kSingleSelect:
      if (!is_option(field, text)) {
        return ValueError{kInvalidSelectValue, "unknown option " + quote_user_text(text)};
      }
      return SetValue{std::string(text)};
    case FieldType::kMultiSelect:
      return interpret_multi_select(field, text, multi_select_delimiter);
    case FieldType::kPostalCode:
      if (auto code = parse_postal_code(text)) return SetValue{std::move(*code)};
      return ValueError{kInvalidCustomFieldValue,
                        "expected a US ZIP code (12345 or 12345-6789) or a Canadian postal code "
                        "(A1A 1A1)"};
  }
  return ValueError{kInvalidCustomFieldValue, "unknown field type"};
}

}  // namespace person_import
