// Carrier lookup (spec section 5, "Carrier lookup"), behind a small injected interface.
//
// It runs whenever an mdn is about to be given to a person (create or set), never when an mdn
// only selects one. The built-in implementation needs no network: it classifies the number with
// libphonenumber and succeeds only for MOBILE and FIXED_LINE_OR_MOBILE numbers (carrier code
// unknown). Other implementations (a remote service, fault injection in tests) plug in here.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace person_import {

struct CarrierLookupOutcome {
  enum class Kind { kMobile, kPermanentFailure, kTransientFailure };
  Kind kind = Kind::kMobile;
  std::optional<std::string> carrier_code;  // only with kMobile, when known
  std::string detail;                       // optional explanation for failures
};

class CarrierLookup {
 public:
  virtual ~CarrierLookup() = default;
  // `e164` is a number already accepted by normalize_mdn. Implementations must be thread-safe.
  virtual CarrierLookupOutcome lookup(std::string_view e164) = 0;
};

// The offline classifier described above.
std::unique_ptr<CarrierLookup> make_builtin_carrier_lookup();

}  // namespace person_import
