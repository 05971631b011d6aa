// One daemon per state directory (daemon/service/state_lock.h).
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "daemon/service/state_lock.h"
#include "tests/support/test_support.h"

using person_import::service::StateDirectoryLock;

TEST_CASE("a state directory's lock is held by one holder, which probes see with its pid") {
  test_support::TempDirectory state;
  auto none = StateDirectoryLock::holder(state.path());
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());  // no daemon ever ran there

  // The holder in another process, as a second daemon would meet it (flock locks belong to
  // the open file: within one process a second open could take it too).
  int ready[2];
  int release[2];
  REQUIRE(::pipe(ready) == 0);
  REQUIRE(::pipe(release) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    auto lock = StateDirectoryLock::acquire(state.path());
    char byte = lock.ok() ? 'y' : 'n';
    (void)!::write(ready[1], &byte, 1);
    (void)!::read(release[0], &byte, 1);
    ::_exit(0);
  }
  char answer = 0;
  REQUIRE(::read(ready[0], &answer, 1) == 1);
  REQUIRE(answer == 'y');

  auto held = StateDirectoryLock::holder(state.path());
  REQUIRE(held.ok());
  REQUIRE(held->has_value());
  CHECK(**held == child);
  auto second = StateDirectoryLock::acquire(state.path());
  REQUIRE_FALSE(second.ok());
  CHECK(second.error().message.find("state_dir " + state.path().string() + " is in use by pid " +
                                    std::to_string(child)) == 0);

  // The holder ends (however it ends): the lock is free again.
  char go = 'x';
  REQUIRE(::write(release[1], &go, 1) == 1);
  REQUIRE(::waitpid(child, nullptr, 0) == child);
  auto after = StateDirectoryLock::holder(state.path());
  REQUIRE(after.ok());
  CHECK_FALSE(after->has_value());
  auto mine = StateDirectoryLock::acquire(state.path());
  CHECK(mine.ok());
  for (int fd : {ready[0], ready[1], release[0], release[1]}) ::close(fd);
}
