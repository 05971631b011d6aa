// "Did you mean …?": the known name closest to one that matched nothing (a column, a
// configuration key, a command, an option, a company key).
//
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace person_import {

// Levenshtein distance over code points (a malformed byte counts as one).
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate equal to `unknown` ignoring ASCII case, else the one at the smallest edit
// distance of at most `max_distance` (the first such in `candidates`' order), else none.
// Candidates far longer or shorter than `unknown` are skipped without being compared, so a
// megabyte-long name costs no more than its length.
std::optional<std::string> closest_name(std::string_view unknown,
                                        const std::vector<std::string>& candidates,
                                        std::size_t max_distance = 2);

}  // namespace person_import
