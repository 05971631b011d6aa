// The SQLite store's write-ahead log (StoreOptions::wal_warning_bytes): a log that checkpoints
// cannot take in is said, once per doubling, instead of growing in silence.
#include <sqlite3.h>

#include <spdlog/spdlog.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <sstream>

#include "core/storage/store.h"
#include "tests/support/log_capture.h"
#include "tests/support/test_support.h"

using namespace person_import;

namespace {

using test_support::LogCapture;

// Commits `count` small transactions (a custom field each, for company "acme").
void write_fields(Store& store, int from, int count) {
  auto company = store.ensure_company("acme");
  REQUIRE(company.ok());
  for (int index = from; index < from + count; ++index) {
    REQUIRE(store
                .add_fields(
                    company->id,
                    {{"field_" + std::to_string(index), FieldType::kString, {}, Charset::kUnicode}})
                .ok());
  }
}

}  // namespace

TEST_CASE(
    "regression: the database vanishing under the daemon - a WAL that cannot be checkpointed is "
    "warned about as it grows",
    "[sqlite]") {
  test_support::TempDirectory directory;
  const std::string path = directory.file("wal.db");
  StoreOptions options;
  options.wal_warning_bytes = 256 * 1024;
  auto store = open_store(path, options);
  REQUIRE(store.ok());
  // A reader in a transaction holds the snapshot of its start: no checkpoint may pass it.
  sqlite3* reader = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &reader, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_exec(reader, "BEGIN; SELECT count(*) FROM custom_fields;", nullptr, nullptr,
                       nullptr) == SQLITE_OK);
  LogCapture log;
  const std::string warning = "[warning] the SQLite write-ahead log " + path + "-wal has grown to ";
  // Commits until the log passes 256 KiB (a page or more each): said once.
  int written = 0;
  while (log.count(warning) == 0 && written < 2000) write_fields(**store, written++, 1);
  INFO(log.text());
  REQUIRE(log.count(warning) == 1);
  CHECK(log.count("pages could be checkpointed: a reader holds an older snapshot") == 1);
  CHECK(log.count("check that " + path + " is writable") == 1);
  write_fields(**store, written, 5);  // grown a little: not said again
  written += 5;
  CHECK(log.count(warning) == 1);
  while (log.count(warning) == 1 && written < 4000) write_fields(**store, written++, 1);
  CHECK(log.count(warning) == 2);  // said again once doubled
  CHECK(std::filesystem::file_size(path + "-wal") >= 2 * options.wal_warning_bytes);

  // Once the reader is gone, checkpoints take the log in and nothing more is said.
  REQUIRE(sqlite3_exec(reader, "COMMIT;", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(reader);
  const std::size_t said = log.count(warning);
  write_fields(**store, 820, 50);
  CHECK(log.count(warning) == said);
}

TEST_CASE("a WAL that checkpoints normally is never warned about", "[sqlite]") {
  test_support::TempDirectory directory;
  StoreOptions options;
  options.wal_warning_bytes = 64 * 1024;
  auto store = open_store(directory.file("wal.db"), options);
  REQUIRE(store.ok());
  LogCapture log;
  write_fields(**store, 0, 300);
  CHECK(log.count("write-ahead log") == 0);
}
