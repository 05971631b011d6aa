// What `Store::add_fields` adds, decided the same way by every backend: a definition identical
// to the stored one of that name is already there, a different one is a conflict.
#pragma once

#include <vector>

#include "core/common/result.h"
#include "core/values/field_definition.h"

namespace person_import {

// The definitions of `requested` not yet in `existing`, in requested order, each once. Errors
// (nothing is to be added then): a name defined differently in `existing`, or twice
// differently in `requested`; the message names the field and both definitions.
Result<std::vector<FieldDefinition>> new_field_definitions(
    const std::vector<FieldDefinition>& existing, const std::vector<FieldDefinition>& requested);

}  // namespace person_import
