// Internal to the phones stage: turning digit strings into libphonenumber numbers cheaply.
#pragma once

#include <optional>
#include <string_view>

#include <phonenumbers/phonenumber.pb.h>

namespace person_import::phones_internal {

// `+` followed by digits only (callers check) to a PhoneNumber, or nullopt when the text does
// not parse. +1 numbers of 10 national digits skip Parse: its normalisation regexes (ICU) cost
// more than the validity check itself, and for them the result is identical.
std::optional<i18n::phonenumbers::PhoneNumber> from_plus_digits(std::string_view plus_digits);

// `national` is 10 ASCII digits.
i18n::phonenumbers::PhoneNumber nanp_number(std::string_view national);

}  // namespace person_import::phones_internal
