#include <catch2/catch.hpp>

#include <string>

#include "core/phones/carrier_lookup.h"

using person_import::CarrierLookupOutcome;
using person_import::make_builtin_carrier_lookup;
using Kind = CarrierLookupOutcome::Kind;

TEST_CASE("builtin lookup: mobile and fixed-line-or-mobile numbers pass", "[carrier]") {
  const auto lookup = make_builtin_carrier_lookup();
  for (const char* number : {"+447911123456", "+13125550123", "+14165550123", "+18765550123",
                             "+33612345678", "+4915123456789"}) {
    INFO(number);
    const CarrierLookupOutcome outcome = lookup->lookup(number);
    CHECK(outcome.kind == Kind::kMobile);
    CHECK_FALSE(outcome.carrier_code.has_value());
  }
}

TEST_CASE("builtin lookup: every other number type fails permanently, naming the type",
          "[carrier]") {
  const auto lookup = make_builtin_carrier_lookup();
  const std::pair<const char*, const char*> cases[] = {
      {"+442079460000", "fixed line"}, {"+4930123456", "fixed line"},
      {"+18005550123", "toll free"},   {"+19005550123", "premium rate"},
      {"+41840123456", "shared cost"}, {"+445612345678", "VoIP"},
      {"+447012345678", "personal"},   {"+447640123456", "pager"},
      {"+445512345678", "UAN"},        {"+19995550123", "unknown"},
  };
  for (const auto& [number, type] : cases) {
    INFO(number);
    const CarrierLookupOutcome outcome = lookup->lookup(number);
    CHECK(outcome.kind == Kind::kPermanentFailure);
    CHECK_FALSE(outcome.carrier_code.has_value());
    CHECK(outcome.detail.find(type) != std::string::npos);
  }
}

TEST_CASE("builtin lookup: text that is not a number fails permanently", "[carrier]") {
  const auto lookup = make_builtin_carrier_lookup();
  CHECK(lookup->lookup("").kind == Kind::kPermanentFailure);
  CHECK(lookup->lookup("+0").kind == Kind::kPermanentFailure);
}
