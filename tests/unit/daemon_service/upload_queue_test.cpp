// The durable queue and the file digest of the daemon (daemon/queueing/).
#include <catch2/catch.hpp>

#include "daemon/queueing/file_digest.h"
#include "daemon/queueing/upload_queue.h"
#include "tests/support/test_support.h"

using namespace person_import;
using queueing::UploadQueue;
namespace fs = std::filesystem;

namespace {

std::chrono::system_clock::time_point at_ns(std::int64_t nanoseconds) {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::nanoseconds(nanoseconds)));
}

}  // namespace

TEST_CASE("take moves an upload into the queue under a strictly increasing sequence") {
  test_support::TempDirectory directory;
  const fs::path inbox = directory.path() / "acme" / "inbox";
  fs::create_directories(inbox);
  UploadQueue queue(directory.path() / ".person-import");
  REQUIRE(queue.open().ok());
  for (const char* name : {"b.persons", "a.persons", "c.persons"}) {
    test_support::write_file((inbox / name).string(), name);
  }
  // Two uploads finished in the same clock tick, then one stamped earlier (a clock set back).
  auto first = queue.take("acme", inbox / "b.persons", "b.persons", at_ns(5'000'000'000));
  auto second = queue.take("acme", inbox / "a.persons", "a.persons", at_ns(5'000'000'000));
  auto third = queue.take("acme", inbox / "c.persons", "c.persons", at_ns(1'000));
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  REQUIRE(third.ok());
  CHECK(first->sequence == 5'000'000'000);
  CHECK(second->sequence == 5'000'000'001);
  CHECK(third->sequence == 5'000'000'002);
  CHECK(first->path.filename() == "00000000005000000000-b.persons");
  CHECK(first->received_at() == at_ns(5'000'000'000));
  CHECK(fs::is_empty(inbox));
  CHECK(test_support::read_file(second->path.string()) == "a.persons");

  // A missing upload is an error and changes nothing.
  CHECK_FALSE(queue.take("acme", inbox / "gone.persons", "gone.persons", at_ns(9)).ok());

  // A new queue on the same folder (a restart) lists them in order and continues the sequence.
  UploadQueue reopened(directory.path() / ".person-import");
  REQUIRE(reopened.open().ok());
  auto listed = reopened.list();
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 3);
  CHECK((*listed)[0].name == "b.persons");
  CHECK((*listed)[1].name == "a.persons");
  CHECK((*listed)[2].name == "c.persons");
  CHECK((*listed)[2].path == third->path);
  test_support::write_file((inbox / "d.persons").string(), "d");
  auto fourth = reopened.take("acme", inbox / "d.persons", "d.persons", at_ns(7));
  REQUIRE(fourth.ok());
  CHECK(fourth->sequence == 5'000'000'003);

  REQUIRE(reopened.remove((*listed)[0]).ok());
  auto after = reopened.list();
  REQUIRE(after.ok());
  CHECK(after->size() == 3);
  CHECK(after->front().name == "a.persons");
}

TEST_CASE("queue entries parse only as <20 digits>-<name>.persons") {
  CHECK(UploadQueue::parse("acme", "/q/acme/00000000000000000042-x.persons")->sequence == 42);
  CHECK(UploadQueue::parse("acme", "/q/acme/00000000000000000042-x.persons")->name == "x.persons");
  CHECK_FALSE(UploadQueue::parse("acme", "/q/acme/42-x.persons"));
  CHECK_FALSE(UploadQueue::parse("acme", "/q/acme/0000000000000000004x-x.persons"));
  CHECK_FALSE(UploadQueue::parse("acme", "/q/acme/00000000000000000042-x.txt"));
  CHECK_FALSE(UploadQueue::parse("acme", "/q/acme/.00000000000000000042-x.persons.tmp"));
}

TEST_CASE("digest_file gives the size and the sha256 sha256sum prints") {
  test_support::TempDirectory directory;
  const std::string path = directory.file("abc.persons");
  test_support::write_file(path, "abc");
  auto digest = queueing::digest_file(path);
  REQUIRE(digest.ok());
  CHECK(digest->bytes == 3);
  CHECK(digest->sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  test_support::write_file(path, "");
  digest = queueing::digest_file(path);
  REQUIRE(digest.ok());
  CHECK(digest->sha256 == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK_FALSE(queueing::digest_file(directory.file("missing.persons")).ok());
}
