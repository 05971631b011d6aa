#include "core/common/closest_name.h"

#include <catch2/catch.hpp>

using person_import::closest_name;
using person_import::edit_distance;

TEST_CASE("edit_distance counts code points, not bytes") {
  CHECK(edit_distance("import", "imprt") == 1);
  CHECK(edit_distance("list", "lst") == 1);
  CHECK(edit_distance("", "abc") == 3);
  CHECK(edit_distance("prénom", "prenom") == 1);  // é is two bytes, one edit
}

TEST_CASE("closest_name prefers a case-insensitive match, then the nearest within the limit") {
  const std::vector<std::string> commands = {"fields", "import", "persons", "jobs", "companies"};
  CHECK(closest_name("imprt", commands) == "import");
  CHECK(closest_name("IMPORT", commands) == "import");
  CHECK(closest_name("job", commands) == "jobs");
  CHECK_FALSE(closest_name("xyzzy", commands).has_value());
  // Two edits by default, fewer or more when asked.
  CHECK(closest_name("imqqqt", commands) == std::nullopt);
  CHECK(closest_name("imqqqt", commands, 3) == "import");
  CHECK(closest_name("jbs", commands, 0) == std::nullopt);
  // Ties go to the first candidate.
  CHECK(closest_name("ab", {"ax", "ay"}) == "ax");
}

TEST_CASE("closest_name skips candidates whose length alone rules them out") {
  const std::string huge(1 << 20, 'a');
  CHECK_FALSE(closest_name(huge, {"mdn", "tier"}).has_value());
  CHECK(closest_name("tier", {huge, "tiers"}) == "tiers");
}
