#include "daemon/config/toml_guard.h"

#include <catch2/catch.hpp>
#include <string>

using namespace person_import::daemon;

namespace {

std::string nested(std::size_t depth) {
  return "value = " + std::string(depth, '[') + "\"x\"" + std::string(depth, ']') + "\n";
}

}  // namespace

TEST_CASE("toml guard: nesting up to the limit passes, one level more is refused at its line") {
  CHECK_FALSE(toml_text_problem(nested(kMaxTomlNesting)).has_value());
  const auto problem = toml_text_problem("a = 1\n" + nested(kMaxTomlNesting + 1));
  REQUIRE(problem.has_value());
  CHECK(problem->line == 2);
  CHECK(problem->message ==
        "arrays or inline tables nested more than 16 deep; the configuration's values are at "
        "most lists");
  const std::string tables = "t = " + std::string(kMaxTomlNesting + 1, '{');
  CHECK(toml_text_problem(tables).has_value());
  CHECK(toml_text_problem("t = [{a = [{b = [" + std::string(kMaxTomlNesting, '[')).has_value());
}

TEST_CASE("toml guard: brackets in strings, comments and table headers are not nesting") {
  const std::string many(40, '[');
  CHECK_FALSE(toml_text_problem("drop_root = \"/d/" + many + "\"\n").has_value());
  CHECK_FALSE(toml_text_problem("drop_root = '/d/" + many + "'\n").has_value());
  CHECK_FALSE(toml_text_problem("a = \"\\\"" + many + "\"\n").has_value());  // escaped quote
  CHECK_FALSE(toml_text_problem("a = \"\"\"\n" + many + "\n\"\"\"\n").has_value());
  CHECK_FALSE(toml_text_problem("a = '''\n" + many + "\n'''\n").has_value());
  CHECK_FALSE(toml_text_problem("# " + many + "\nworkers = 2\n").has_value());
  std::string headers;
  for (int i = 0; i < 40; ++i) headers += "[[servers]]\nname = \"s\"\n[table]\n";
  CHECK_FALSE(toml_text_problem(headers).has_value());
  CHECK_FALSE(toml_text_problem("[\"a]b\"]\nx = [[1, 2], [3]]\n").has_value());
}

TEST_CASE("toml guard: an unterminated string stops at its line, so later brackets count") {
  const auto problem = toml_text_problem("a = \"open\n" + nested(kMaxTomlNesting + 1));
  REQUIRE(problem.has_value());
  CHECK(problem->line == 2);
}

TEST_CASE("toml guard: the first malformed UTF-8 byte is named by line and column") {
  const auto problem = toml_text_problem("workers = 2\nname = \"caf\xc3\x28\"\n");
  REQUIRE(problem.has_value());
  CHECK(problem->line == 2);
  CHECK(problem->message ==
        "not UTF-8 (byte 0xC3 at column 12); save the configuration file as UTF-8");
  CHECK_FALSE(toml_text_problem("name = \"caf\xc3\xa9\"\n").has_value());
  CHECK_FALSE(toml_text_problem("").has_value());
}
