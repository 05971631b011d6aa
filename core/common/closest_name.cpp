#include "core/common/closest_name.h"

#include <algorithm>
#include <cctype>

#include "core/common/ascii.h"
#include "core/common/utf8.h"

namespace person_import {
namespace {

// Names are at most a few dozen characters and only small distances matter, so a two-row
// table is plenty.
std::size_t code_point_distance(std::u32string_view a, std::u32string_view b) {
  std::vector<std::size_t> previous(b.size() + 1), current(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

}  // namespace

std::size_t edit_distance(std::string_view a, std::string_view b) {
  return code_point_distance(utf8::code_points(a), utf8::code_points(b));
}

std::optional<std::string> closest_name(std::string_view unknown,
                                        const std::vector<std::string>& candidates,
                                        std::size_t max_distance) {
  for (const auto& candidate : candidates) {
    if (ascii::equals_ignoring_case(unknown, candidate)) return candidate;
  }
  std::optional<std::string> best;
  std::size_t best_distance = max_distance + 1;
  const std::u32string unknown_points = utf8::code_points(unknown);
  for (const auto& candidate : candidates) {
    const std::u32string candidate_points = utf8::code_points(candidate);
    // The distance is at least the difference in length.
    const std::size_t shorter = std::min(unknown_points.size(), candidate_points.size());
    const std::size_t longer = std::max(unknown_points.size(), candidate_points.size());
    if (longer - shorter >= best_distance) continue;
    const std::size_t distance = code_point_distance(unknown_points, candidate_points);
    if (distance < best_distance) {
      best_distance = distance;
      best = candidate;
    }
  }
  return best;
}

}  // namespace person_import
