// Person keys: random lowercase UUIDs (spec section 3.5).
#include <sys/wait.h>
#include <unistd.h>

#include <regex>
#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "core/resolving/person_key.h"

using namespace person_import;

TEST_CASE("person keys are lowercase version 4 UUIDs, all different") {
  const std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::set<std::string> keys;
  for (int i = 0; i < 2000; ++i) {  // more than one 4 KiB pool of random bytes
    const std::string key = random_person_key();
    CHECK(std::regex_match(key, uuid));
    keys.insert(key);
  }
  CHECK(keys.size() == 2000);
}

TEST_CASE("regression: a forked child does not repeat its parent's person keys") {
  (void)random_person_key();  // the parent's pool is filled
  int pipe_ends[2];
  REQUIRE(pipe(pipe_ends) == 0);
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    const std::string key = random_person_key();
    (void)!write(pipe_ends[1], key.data(), key.size());
    _exit(0);
  }
  close(pipe_ends[1]);
  char buffer[64] = {};
  const ssize_t got = read(pipe_ends[0], buffer, sizeof buffer);
  close(pipe_ends[0]);
  int status = 0;
  waitpid(child, &status, 0);
  REQUIRE(got == 36);
  CHECK(std::string(buffer, 36) != random_person_key());
}
