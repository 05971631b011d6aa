#include "core/phones/phone_number.h"

#include <cstdint>
#include <string>

#include <phonenumbers/phonenumberutil.h>

namespace person_import::phones_internal {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

PhoneNumber nanp_number(std::string_view national) {
  std::uint64_t value = 0;
  for (char c : national) value = value * 10 + static_cast<std::uint64_t>(c - '0');
  PhoneNumber number;
  number.set_country_code(1);
  number.set_national_number(value);
  return number;
}

std::optional<PhoneNumber> from_plus_digits(std::string_view plus_digits) {
  if (plus_digits.size() == 12 && plus_digits.substr(0, 2) == "+1") {
    return nanp_number(plus_digits.substr(2));
  }
  PhoneNumber number;
  if (PhoneNumberUtil::GetInstance()->Parse(std::string(plus_digits), "ZZ", &number) !=
      PhoneNumberUtil::NO_PARSING_ERROR) {
    return std::nullopt;
  }
  return number;
}

}  // namespace person_import::phones_internal
