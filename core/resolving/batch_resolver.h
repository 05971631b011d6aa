// Finding and changing the persons of one batch of rows (spec section 3), in memory.
//
// For a batch of validated rows the resolver asks the ImportSession once for every person any
// row refers to (set-based), then applies the rows in file order against that working set, so
// each row sees every earlier row of the file: rows of earlier batches through the database,
// rows of this batch through the working set. Each row's checks all run before any of its
// changes, so a failing row changes nothing. The result is the batch's change set (only persons
// whose stored state changed are written) and the per-row outcomes.
//
// Database checks, first failure wins: the selector's lookup (PersonNotFound,
// PersonCreateRequiresDeviceOrExternalPersonId), external_person_id uniqueness
// (PG::UniqueViolation), mdn (MdnChangeNotAllowed, then MobilePhoneAlreadyAssigned), then the
// carrier lookup, which runs only when an mdn is about to be given to a person.
// Not thread-safe; borrows the session, the lookup and the clock.
#pragma once

#include <vector>

#include "core/common/clock.h"
#include "core/common/result.h"
#include "core/phones/carrier_lookup.h"
#include "core/resolving/row_validation.h"
#include "core/storage/store.h"

namespace person_import {

struct BatchOutcome {
  BatchChanges changes;  // persons and devices; the caller adds errors and checkpoint
  std::uint64_t created = 0;
  std::uint64_t updated = 0;
  std::vector<RowErrorRecord> errors;      // in row order, at most one per failed row
  std::vector<std::uint64_t> failed_rows;  // row numbers of rows that failed here
};

class BatchResolver {
 public:
  BatchResolver(ImportSession& session, CarrierLookup& carrier_lookup, const Clock& clock)
      : session_(session), carrier_lookup_(carrier_lookup), clock_(clock) {}
  BatchResolver(const BatchResolver&) = delete;
  BatchResolver& operator=(const BatchResolver&) = delete;

  // Resolves `rows` (in file order). Errors: the session failed (the batch must be abandoned).
  Result<BatchOutcome> resolve(const std::vector<RowInput>& rows);

 private:
  ImportSession& session_;
  CarrierLookup& carrier_lookup_;
  const Clock& clock_;
};

}  // namespace person_import
