#include "core/reading/input_file.h"

#include <catch2/catch.hpp>

#include "reading_test_support.h"

using person_import::InputFile;
using reading_test::FixtureFile;

TEST_CASE("an input file reads sequentially in chunks", "[input_file]") {
  FixtureFile fixture("0123456789");
  auto file = fixture.open();
  CHECK(file->size() == 10);
  CHECK(file->path() == fixture.path());
  char buffer[4];
  std::string seen;
  for (;;) {
    auto got = file->read(buffer, sizeof buffer);
    REQUIRE(got.ok());
    if (*got == 0) break;
    seen.append(buffer, *got);
  }
  CHECK(seen == "0123456789");
}

TEST_CASE("seek moves the position - read_at does not", "[input_file]") {
  FixtureFile fixture("0123456789");
  auto file = fixture.open();
  REQUIRE(file->seek(6).ok());
  char buffer[8];
  auto at = file->read_at(2, buffer, 3);
  REQUIRE(at.ok());
  CHECK(std::string(buffer, *at) == "234");
  auto got = file->read(buffer, sizeof buffer);
  REQUIRE(got.ok());
  CHECK(std::string(buffer, *got) == "6789");
  auto past_end = file->read_at(8, buffer, sizeof buffer);
  REQUIRE(past_end.ok());
  CHECK(std::string(buffer, *past_end) == "89");
}

TEST_CASE("opening fails for a missing file or a directory", "[input_file]") {
  FixtureFile fixture("x");
  auto missing = InputFile::open(fixture.directory() + "/missing.persons");
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(missing.error().message, Catch::Contains("missing.persons"));
  auto directory = InputFile::open(fixture.directory());
  REQUIRE_FALSE(directory.ok());
  CHECK_THAT(directory.error().message, Catch::Contains("not a regular file"));
}
