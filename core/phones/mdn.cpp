#include "core/phones/mdn.h"

#include <algorithm>
#include <cstddef>

#include <phonenumbers/phonenumberutil.h>

#include "core/common/ascii.h"
#include "core/phones/phone_number.h"

namespace person_import {
namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

// E.164 allows at most 15 digits after the `+`.
constexpr std::size_t kMaxE164Digits = 15;

bool is_ignored(char c) { return c == ' ' || c == '-' || c == '.' || c == '(' || c == ')'; }

// `plus_digits` is `+` and 1–15 digits.
std::optional<std::string> normalize_international(std::string_view plus_digits) {
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  const std::optional<PhoneNumber> number = phones_internal::from_plus_digits(plus_digits);
  if (!number || !util.IsValidNumber(*number)) return std::nullopt;
  std::string e164;
  util.Format(*number, PhoneNumberUtil::E164, &e164);
  // Parse also accepts a national trunk prefix after the country code (`+44 07911…` becomes
  // +447911…). The value must already be the E.164 number: silently dropping a digit the user
  // wrote would store a number they did not give.
  if (e164 != plus_digits) return std::nullopt;
  return e164;
}

// `national` is 10 digits.
std::optional<std::string> normalize_nanp(std::string_view national) {
  // NANP area codes never start with 0 or 1; refusing those here spares libphonenumber trying
  // every +1 region's patterns. (Exchanges may: toll-free 800-1xx-xxxx numbers are valid.)
  if (national[0] < '2') return std::nullopt;
  // IsValidNumber first works out the region (running each candidate region's patterns) and
  // then checks validity for it (running them again). A number valid for the US or Canada is a
  // valid +1 number, and nearly all are one of the two, so trying those regions directly first
  // saves most of that work; the other +1 regions (the Caribbean) take the full route.
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  const PhoneNumber number = phones_internal::nanp_number(national);
  if (!util.IsValidNumberForRegion(number, "US") && !util.IsValidNumberForRegion(number, "CA") &&
      !util.IsValidNumber(number)) {
    return std::nullopt;
  }
  std::string e164 = "+1";
  e164 += national;
  return e164;
}

}  // namespace

std::optional<std::string> normalize_mdn(std::string_view text) {
  // '+' and at most 15 digits fit in 16 characters; anything longer is invalid, so a fixed
  // buffer bounds the work even for a 1 MiB value.
  char buffer[kMaxE164Digits + 1];
  std::size_t length = 0;
  for (char c : text) {
    if (is_ignored(c)) continue;
    if (length == sizeof buffer) return std::nullopt;
    buffer[length++] = c;
  }
  const std::string_view compact(buffer, length);
  if (compact.empty()) return std::nullopt;

  if (compact[0] == '+') {
    const std::string_view digits = compact.substr(1);
    if (digits.empty() || !std::all_of(digits.begin(), digits.end(), ascii::is_digit)) {
      return std::nullopt;
    }
    if (digits.size() == 11 && digits[0] == '1') return normalize_nanp(digits.substr(1));
    return normalize_international(compact);
  }
  if (!std::all_of(compact.begin(), compact.end(), ascii::is_digit)) return std::nullopt;
  if (compact.size() == 10) return normalize_nanp(compact);
  if (compact.size() == 11 && compact[0] == '1') return normalize_nanp(compact.substr(1));
  return std::nullopt;
}

}  // namespace person_import
