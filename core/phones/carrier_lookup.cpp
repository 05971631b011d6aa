#include "core/phones/carrier_lookup.h"

#include <algorithm>

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

#include "core/common/ascii.h"
#include "core/phones/phone_number.h"

namespace person_import {
namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

std::string_view describe(PhoneNumberUtil::PhoneNumberType type) {
  switch (type) {
    case PhoneNumberUtil::FIXED_LINE:
      return "fixed line";
    case PhoneNumberUtil::MOBILE:
      return "mobile";
    case PhoneNumberUtil::FIXED_LINE_OR_MOBILE:
      return "fixed line or mobile";
    case PhoneNumberUtil::TOLL_FREE:
      return "toll free";
    case PhoneNumberUtil::PREMIUM_RATE:
      return "premium rate";
    case PhoneNumberUtil::SHARED_COST:
      return "shared cost";
    case PhoneNumberUtil::VOIP:
      return "VoIP";
    case PhoneNumberUtil::PERSONAL_NUMBER:
      return "personal";
    case PhoneNumberUtil::PAGER:
      return "pager";
    case PhoneNumberUtil::UAN:
      return "UAN";
    case PhoneNumberUtil::VOICEMAIL:
      return "voicemail";
    case PhoneNumberUtil::UNKNOWN:
      break;
  }
  return "unknown type of";
}

class BuiltinCarrierLookup final : public CarrierLookup {
 public:
  CarrierLookupOutcome lookup(std::string_view e164) override {
    const bool plus_digits = e164.size() > 1 && e164[0] == '+' &&
                             std::all_of(e164.begin() + 1, e164.end(), ascii::is_digit);
    const std::optional<PhoneNumber> number =
        plus_digits ? phones_internal::from_plus_digits(e164) : std::nullopt;
    if (!number) {
      return {CarrierLookupOutcome::Kind::kPermanentFailure, std::nullopt,
              "not an E.164 phone number"};
    }
    const PhoneNumberUtil::PhoneNumberType type =
        PhoneNumberUtil::GetInstance()->GetNumberType(*number);
    // NANP metadata cannot tell mobile from fixed line, so every US and Canadian number is
    // FIXED_LINE_OR_MOBILE; refusing those would refuse every North American mobile.
    if (type == PhoneNumberUtil::MOBILE || type == PhoneNumberUtil::FIXED_LINE_OR_MOBILE) {
      return {CarrierLookupOutcome::Kind::kMobile, std::nullopt, {}};
    }
    return {CarrierLookupOutcome::Kind::kPermanentFailure, std::nullopt,
            std::string(describe(type)) + " number"};
  }
};

}  // namespace

std::unique_ptr<CarrierLookup> make_builtin_carrier_lookup() {
  return std::make_unique<BuiltinCarrierLookup>();
}

}  // namespace person_import
