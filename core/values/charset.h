// Internal: character-set membership for string custom fields (see custom_value.h).
#pragma once

#include <optional>
#include <string_view>

#include "core/values/field_definition.h"

namespace person_import {

// The first code point of `utf8_text` outside `charset`, or nullopt when all fit. A malformed
// UTF-8 sequence reports utf8::kInvalid: it fits no charset, not even unicode, because such
// text could not be stored or exported as JSON.
std::optional<char32_t> first_outside_charset(std::string_view utf8_text, Charset charset);

}  // namespace person_import
