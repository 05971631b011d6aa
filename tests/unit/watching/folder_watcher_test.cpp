// The drop-folder watcher, both implementations, on real folders with real inotify: what counts
// as a finished upload, what is left alone, folders coming and going, order, stop().
// Settle times are short (200 ms) and every wait is bounded, so no test can hang.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include "daemon/watching/folder_watcher.h"
#include "daemon/watching/open_writers.h"
#include "tests/support/test_support.h"

using namespace person_import;
using namespace person_import::watching;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

namespace {

constexpr auto kSettle = 200ms;
constexpr auto kPollInterval = 50ms;
constexpr auto kTimeout = 5s;   // for anything expected to happen
constexpr auto kQuiet = 250ms;  // watched for anything unexpected: settle time plus margin

// The log, captured so tests can check what was logged (and keep the output clean).
class CapturedLog final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  std::size_t count(const std::string& needle) {
    std::lock_guard lock(mutex_);
    std::size_t found = 0;
    for (const std::string& line : lines_) found += line.find(needle) != std::string::npos;
    return found;
  }
  void clear() {
    std::lock_guard lock(mutex_);
    lines_.clear();
  }

 protected:
  // Each line prefixed with its level ("info: …", "debug: …").
  void sink_it_(const spdlog::details::log_msg& message) override {
    const auto level = spdlog::level::to_string_view(message.level);
    lines_.emplace_back(std::string(level.data(), level.size()) + ": " +
                        std::string(message.payload.data(), message.payload.size()));
  }
  void flush_() override {}

 private:
  std::vector<std::string> lines_;
};

CapturedLog& captured_log() {
  static const std::shared_ptr<CapturedLog> sink = [] {
    auto created = std::make_shared<CapturedLog>();
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("watching_test", created));
    spdlog::set_level(spdlog::level::debug);
    return created;
  }();
  return *sink;
}

// A wall clock far from the real one, to show `seen_at` comes from the injected clock.
class ShiftedClock final : public Clock {
 public:
  static constexpr auto kShift = std::chrono::hours(24 * 1000);
  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::now() + kShift;
  }
};

// Collects the reported uploads; the callback can be held up by a gate.
class Recorder {
 public:
  void record(const FinishedUpload& upload) {
    std::unique_lock lock(mutex_);
    uploads_.push_back(upload);
    received_at_.push_back(SteadyClock::now());
    changed_.notify_all();
    changed_.wait_for(lock, 10s, [&] { return !gate_closed_; });
  }
  // Waits until `count` uploads were reported; false on timeout.
  bool wait_for(std::size_t count, std::chrono::milliseconds timeout = kTimeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return uploads_.size() >= count; });
  }
  std::size_t count() {
    std::lock_guard lock(mutex_);
    return uploads_.size();
  }
  std::vector<FinishedUpload> uploads() {
    std::lock_guard lock(mutex_);
    return uploads_;
  }
  SteadyClock::time_point received_at(std::size_t index) {
    std::lock_guard lock(mutex_);
    return received_at_.at(index);
  }
  std::vector<std::string> names() {
    std::lock_guard lock(mutex_);
    std::vector<std::string> result;
    for (const auto& upload : uploads_) result.push_back(upload.name);
    return result;
  }
  void close_gate() {
    std::lock_guard lock(mutex_);
    gate_closed_ = true;
  }
  void open_gate() {
    std::lock_guard lock(mutex_);
    gate_closed_ = false;
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<FinishedUpload> uploads_;
  std::vector<SteadyClock::time_point> received_at_;
  bool gate_closed_ = false;
};

void write_file(const fs::path& path, const std::string& content) {
  test_support::write_file(path.string(), content);
}

void append_file(const fs::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
}

// A drop root in a temporary folder and a watcher on it. Members go in reverse order: the
// watcher stops before the recorder and the folders go.
class DropRoot {
 public:
  explicit DropRoot(WatchMode mode, std::chrono::milliseconds settle = kSettle,
                    std::chrono::milliseconds poll_interval = kPollInterval)
      : root_(temp_.path() / "drop"), outside_(temp_.path() / "outside") {
    captured_log().clear();
    fs::create_directories(root_);
    fs::create_directories(outside_);
    options_.drop_root = root_;
    options_.mode = mode;
    options_.settle_time = settle;
    options_.poll_interval = poll_interval;
  }

  const fs::path& root() const { return root_; }
  const fs::path& outside() const { return outside_; }
  Recorder& recorder() { return recorder_; }
  FolderWatcher& watcher() { return *watcher_; }
  fs::path inbox(const std::string& company) {
    const fs::path path = root_ / company / "inbox";
    fs::create_directories(path);
    return path;
  }

  void start() {
    auto watcher = make_folder_watcher(options_, clock_);
    REQUIRE(watcher.ok());
    watcher_ = std::move(watcher).value();
    REQUIRE(watcher_->mode() == options_.mode);
    const Status started =
        watcher_->start([this](const FinishedUpload& upload) { recorder_.record(upload); });
    INFO((started.ok() ? std::string() : started.error().message));
    REQUIRE(started.ok());
  }
  void stop() { watcher_->stop(); }

  // Nothing more is reported for a while.
  void expect_no_more_than(std::size_t count) {
    std::this_thread::sleep_for(kQuiet);
    CHECK(recorder_.count() == count);
  }

 private:
  test_support::TempDirectory temp_;
  fs::path root_;
  fs::path outside_;
  WatcherOptions options_;
  ShiftedClock clock_;
  Recorder recorder_;
  std::unique_ptr<FolderWatcher> watcher_;
};

WatchMode any_mode() { return GENERATE(WatchMode::kInotify, WatchMode::kPoll); }

// A yes/no answer, or nullopt for an error.
std::optional<bool> answer(const Result<bool>& result) {
  if (!result.ok()) return std::nullopt;
  return *result;
}

std::int64_t mtime_ns(const fs::path& path) {
  struct stat status {};
  REQUIRE(::stat(path.c_str(), &status) == 0);
  return static_cast<std::int64_t>(status.st_mtim.tv_sec) * 1'000'000'000 + status.st_mtim.tv_nsec;
}

}  // namespace

TEST_CASE("a file written and closed is reported once, after settling") {
  const WatchMode mode = any_mode();
  INFO("mode " << to_string(mode));
  DropRoot drop(mode);
  const fs::path inbox = drop.inbox("acme");
  drop.start();

  const auto before = std::chrono::system_clock::now();
  const std::string content = "Fields: external_person_id\nx1\n";
  write_file(inbox / "customers.persons", content);
  const auto closed_at = SteadyClock::now();
  REQUIRE(drop.recorder().wait_for(1));
  const auto after = std::chrono::system_clock::now();
  drop.expect_no_more_than(1);

  const FinishedUpload upload = drop.recorder().uploads().at(0);
  CHECK(upload.company == "acme");
  CHECK(upload.name == "customers.persons");
  CHECK(upload.path == inbox / "customers.persons");
  CHECK(upload.size == content.size());
  CHECK(upload.mtime.time_since_epoch() == std::chrono::nanoseconds(mtime_ns(upload.path)));
  CHECK(upload.seen_at >= before + ShiftedClock::kShift);
  CHECK(upload.seen_at <= after + ShiftedClock::kShift);
  CHECK(drop.recorder().received_at(0) - closed_at >= kSettle - 20ms);
}

TEST_CASE("a file moved into the inbox from outside is reported") {
  const WatchMode mode = any_mode();
  INFO("mode " << to_string(mode));
  DropRoot drop(mode);
  const fs::path inbox = drop.inbox("acme");
  drop.start();

  write_file(drop.outside() / "weekly.persons", std::string(5000, 'x'));
  fs::rename(drop.outside() / "weekly.persons", inbox / "weekly.persons");
  std::this_thread::sleep_for(kPollInterval + 20ms);  // polling tells apart what scans tell apart
  // The usual SFTP client way: a temporary name inside the inbox, renamed when done.
  write_file(inbox / ".daily.persons.part", std::string(700, 'y'));
  fs::rename(inbox / ".daily.persons.part", inbox / "daily.persons");
  std::this_thread::sleep_for(kPollInterval + 20ms);
  // A new hard link is a whole file too.
  write_file(drop.outside() / "linked", "linked");
  fs::create_hard_link(drop.outside() / "linked", inbox / "linked.persons");
  REQUIRE(drop.recorder().wait_for(3));
  drop.expect_no_more_than(3);
  const auto uploads = drop.recorder().uploads();
  CHECK(uploads.at(0).name == "weekly.persons");
  CHECK(uploads.at(0).size == 5000);
  CHECK(uploads.at(1).name == "daily.persons");
  CHECK(uploads.at(1).size == 700);
  CHECK(uploads.at(2).name == "linked.persons");
}

TEST_CASE("slow chunked writes are reported once, after the last chunk") {
  const WatchMode mode = any_mode();
  INFO("mode " << to_string(mode));
  DropRoot drop(mode);
  const fs::path inbox = drop.inbox("acme");
  drop.start();

  const fs::path path = inbox / "slow.persons";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  REQUIRE(fd >= 0);
  const std::string chunk(1000, 'z');
  for (int index = 0; index < 5; ++index) {
    if (index > 0) std::this_thread::sleep_for(kSettle / 2);  // pauses shorter than settling
    CHECK(drop.recorder().count() == 0);
    REQUIRE(::write(fd, chunk.data(), chunk.size()) == static_cast<ssize_t>(chunk.size()));
  }
  REQUIRE(::close(fd) == 0);
  const auto closed_at = SteadyClock::now();
  REQUIRE(drop.recorder().wait_for(1));
  drop.expect_no_more_than(1);
  CHECK(drop.recorder().uploads().at(0).size == 5000);
  CHECK(drop.recorder().received_at(0) - closed_at >= kSettle - 20ms);
}

TEST_CASE("a writer that closes and reopens to append is reported once, with the final size") {
  const WatchMode mode = any_mode();
  INFO("mode " << to_string(mode));
  DropRoot drop(mode);
  const fs::path inbox = drop.inbox("acme");
  drop.start();

  const fs::path path = inbox / "resumed.persons";
  write_file(path, std::string(100, 'a'));
  for (int session = 0; session < 3; ++session) {
    std::this_thread::sleep_for(kSettle / 2);
    append_file(path, std::string(100, 'b'));
  }
  REQUIRE(drop.recorder().wait_for(1));
  drop.expect_no_more_than(1);
  CHECK(drop.recorder().uploads().at(0).size == 400);
}

TEST_CASE("inotify: a writer holding the file open is not reported, however long it pauses") {
  DropRoot drop(WatchMode::kInotify);
  const fs::path inbox = drop.inbox("acme");
  drop.start();

  const fs::path path = inbox / "stalled.persons";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, "first", 5) == 5);
  std::this_thread::sleep_for(kSettle * 2 + 100ms);  // a stalled network upload
  CHECK(drop.recorder().count() == 0);
  REQUIRE(::write(fd, "second", 6) == 6);
  REQUIRE(::close(fd) == 0);
  REQUIRE(drop.recorder().wait_for(1));
  drop.expect_no_more_than(1);
  CHECK(drop.recorder().uploads().at(0).size == 11);
}

TEST_CASE("other names, hidden and temporary names and non-files are left alone, logged once") {
  const WatchMode mode = any_mode();
  INFO("mode " << to_string(mode));
  DropRoot drop(mode);
  const fs::path inbox = drop.inbox("acme");
  write_file(inbox / "old-notes.txt", "present at start");
  drop.start();

  write_file(inbox / "notes.txt", "hello");
  write_file(inbox / ".hidden.persons", "hidden");
  write_file(inbox / "upload.persons.part", "part");
  write_file(inbox / ".persons", "only a suffix");
  fs::create_directory(inbox / "folder.persons");
  fs::create_symlink(drop.outside() / "target.persons", inbox / "link.persons");
  write_file(drop.outside() / "target.persons", "outside the inbox");
  std::this_thread::sleep_for(kPollInterval * 2);
  append_file(inbox / "notes.txt", " again");  // still logged once
  write_file(inbox / "real.persons", "the one upload");

  REQUIRE(drop.recorder().wait_for(1));
  drop.expect_no_more_than(1);
  CHECK(drop.recorder().names() == std::vector<std::string>{"real.persons"});
  for (const char* name :
       {"old-notes.txt", "notes.txt", "upload.persons.part", "folder.persons", "link.persons"}) {
    INFO(name);
    CHECK(captured_log().count("info: left alone: \"" + std::string(name) + "\" ") == 1);
  }
  // Hidden names are uploads in progress by convention (an SFTP server's temporaries): logged
  // once too, at debug, so that every upload does not add a line at info.
  for (const char* name : {".hidden.persons", ".persons"}) {
    INFO(name);
    CHECK(captured_log().count("debug: left alone: \"" + std::string(name) + "\" ") == 1);
    CHECK(captured_log().count("info: left alone: \"" + std::string(name) + "\" ") == 0);
  }
}

TEST_CASE("a company folder created after start is served, other root entries are not") {
  const WatchMode mode = any_mode();
  INFO("mode " << to_string(mode));
  DropRoot drop(mode);
  drop.start();

  // All at once, as `mkdir -p` does, racing the watch on the new company folder.
  const fs::path inbox = drop.inbox("new-company");
  write_file(inbox / "first.persons", "1");
  // The company folder first, its inbox a little later.
  fs::create_directory(drop.root() / "later_co");
  std::this_thread::sleep_for(kPollInterval * 2);
  const fs::path later_inbox = drop.inbox("later_co");
  write_file(later_inbox / "second.persons", "22");
  // Not company folders: hidden, upper case, a file.
  write_file(drop.inbox(".person-import") / "queued.persons", "x");
  write_file(drop.inbox("Upper") / "upper.persons", "x");
  write_file(drop.root() / "file-co", "x");

  REQUIRE(drop.recorder().wait_for(2));
  drop.expect_no_more_than(2);
  const auto uploads = drop.recorder().uploads();
  CHECK(uploads.at(0).company == "new-company");
  CHECK(uploads.at(0).name == "first.persons");
  CHECK(uploads.at(1).company == "later_co");
  CHECK(uploads.at(1).path == later_inbox / "second.persons");
}

TEST_CASE(
    "regression: a company folder with an invalid name is logged once at warning, with the rule") {
  const WatchMode mode = any_mode();
  INFO("mode " << to_string(mode));
  DropRoot drop(mode);
  fs::create_directories(drop.root() / "Acme" / "inbox");  // there at start
  write_file(drop.root() / "notes.txt", "a file, not a folder");
  drop.start();
  write_file(drop.inbox("acme.old") / "x.persons", "x");  // made while running
  write_file(drop.inbox("ok") / "a.persons", "a");
  REQUIRE(drop.recorder().wait_for(1));
  drop.expect_no_more_than(1);
  CHECK(drop.recorder().names() == std::vector<std::string>{"a.persons"});
  const std::string rule =
      "\" is not served: its name is no company key (company keys are 1-64 lowercase letters, "
      "digits, '-' or '_', starting with a letter or digit)";
  for (const char* name : {"Acme", "acme.old"}) {
    INFO(name);
    const std::string warning = "warning: drop folder \"" + (drop.root() / name).string() + rule;
    CHECK(test_support::wait_until([&] { return captured_log().count(warning) == 1; }, kTimeout));
  }
  // Said once, however often the root is looked at; files and hidden folders are not said.
  write_file(drop.inbox("ok") / "b.persons", "b");
  REQUIRE(drop.recorder().wait_for(2));
  CHECK(captured_log().count("drop folder \"" + (drop.root() / "Acme").string() + "\"") == 1);
  CHECK(captured_log().count("notes.txt\" is not served") == 0);
  CHECK(captured_log().count(".person-import\" is not served") == 0);
}

TEST_CASE(
    "regression: long file names lose results - a .persons name over 200 bytes is left alone "
    "at warning, 200 bytes are reported") {
  const WatchMode mode = any_mode();
  INFO("mode " << to_string(mode));
  DropRoot drop(mode);
  const std::string longest = std::string(200 - 8, 'l') + ".persons";
  const std::string too_long = std::string(247 - 8, 'x') + ".persons";
  write_file(drop.inbox("acme") / too_long, "x");  // there at start
  drop.start();
  write_file(drop.inbox("acme") / (std::string(201 - 8, 'y') + ".persons"), "y");
  write_file(drop.inbox("acme") / longest, "l");
  REQUIRE(drop.recorder().wait_for(1));
  drop.expect_no_more_than(1);
  CHECK(drop.recorder().names() == std::vector<std::string>{longest});
  for (const std::size_t length : {247u, 201u}) {
    const std::string warning =
        "warning: left alone: \"" + std::string(length - 8, length == 247 ? 'x' : 'y') +
        ".persons\" in the inbox of acme (name too long: " + std::to_string(length) +
        " bytes; the daemon takes upload names of up to 200 bytes: upload "
        "it under a shorter name)";
    INFO(length);
    CHECK(test_support::wait_until([&] { return captured_log().count(warning) == 1; }, kTimeout));
  }
}

TEST_CASE("files already in an inbox at start are reported, once") {
  const WatchMode mode = any_mode();
  INFO("mode " << to_string(mode));
  DropRoot drop(mode);
  write_file(drop.inbox("acme") / "a.persons", "aa");
  write_file(drop.inbox("globex") / "b.persons", "bbb");
  drop.start();

  REQUIRE(drop.recorder().wait_for(2));
  drop.expect_no_more_than(2);
  auto names = drop.recorder().names();
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"a.persons", "b.persons"});
}

TEST_CASE("the same name uploaded again after the first was taken away is reported again") {
  const WatchMode mode = any_mode();
  INFO("mode " << to_string(mode));
  DropRoot drop(mode);
  const fs::path inbox = drop.inbox("acme");
  drop.start();

  write_file(inbox / "weekly.persons", "first");
  REQUIRE(drop.recorder().wait_for(1));
  fs::rename(inbox / "weekly.persons", drop.outside() / "queued-1");  // what the caller does
  write_file(inbox / "weekly.persons", "second upload");
  REQUIRE(drop.recorder().wait_for(2));
  fs::remove(inbox / "weekly.persons");
  std::this_thread::sleep_for(kPollInterval * 2);  // polling must see it gone
  write_file(inbox / "weekly.persons", "third");
  REQUIRE(drop.recorder().wait_for(3));
  drop.expect_no_more_than(3);
  const auto uploads = drop.recorder().uploads();
  CHECK(uploads.at(0).size == 5);
  CHECK(uploads.at(1).size == 13);
  CHECK(uploads.at(2).size == 5);
}

TEST_CASE("a reported file written again in place is a new upload") {
  const WatchMode mode = any_mode();
  INFO("mode " << to_string(mode));
  DropRoot drop(mode);
  const fs::path inbox = drop.inbox("acme");
  drop.start();

  write_file(inbox / "weekly.persons", "first");
  REQUIRE(drop.recorder().wait_for(1));
  append_file(inbox / "weekly.persons", " and more");
  REQUIRE(drop.recorder().wait_for(2));
  drop.expect_no_more_than(2);
  CHECK(drop.recorder().uploads().at(1).size == 14);
}

TEST_CASE("uploads are reported in the order they finished") {
  const WatchMode mode = any_mode();
  INFO("mode " << to_string(mode));
  DropRoot drop(mode, /*settle=*/300ms);
  const fs::path acme = drop.inbox("acme");
  const fs::path globex = drop.inbox("globex");
  drop.start();

  // Started in one order, finished in another, across two companies; the first file is
  // resumed before it settled.
  write_file(acme / "started-first.persons", "1");
  std::this_thread::sleep_for(kPollInterval + 20ms);
  const std::vector<std::pair<fs::path, std::string>> order = {
      {acme / "c.persons", "c"},
      {globex / "a.persons", "a"},
      {acme / "b.persons", "b"},
  };
  for (const auto& [path, content] : order) {
    write_file(path, content);
    std::this_thread::sleep_for(kPollInterval + 20ms);
  }
  CHECK(drop.recorder().count() == 0);
  append_file(acme / "started-first.persons", "23");
  std::this_thread::sleep_for(kPollInterval + 20ms);
  write_file(globex / "d.persons", "d");

  REQUIRE(drop.recorder().wait_for(5));
  drop.expect_no_more_than(5);
  CHECK(drop.recorder().names() == std::vector<std::string>{"c.persons", "a.persons", "b.persons",
                                                            "started-first.persons", "d.persons"});
  const auto uploads = drop.recorder().uploads();
  CHECK(uploads.at(3).size == 3);
  for (std::size_t index = 1; index < uploads.size(); ++index) {
    CHECK(uploads[index - 1].seen_at <= uploads[index].seen_at);
  }
}

TEST_CASE("an inbox or company folder that disappears is dropped, and served when it returns") {
  const WatchMode mode = any_mode();
  INFO("mode " << to_string(mode));
  DropRoot drop(mode);
  fs::path inbox = drop.inbox("acme");
  drop.start();

  write_file(inbox / "pending.persons", "never reported: removed while settling");
  std::this_thread::sleep_for(kPollInterval * 2);
  fs::remove_all(inbox);
  std::this_thread::sleep_for(kPollInterval * 2);
  inbox = drop.inbox("acme");
  write_file(inbox / "after-inbox.persons", "1");
  REQUIRE(drop.recorder().wait_for(1));

  fs::remove_all(drop.root() / "acme");
  std::this_thread::sleep_for(kPollInterval * 2);
  inbox = drop.inbox("acme");
  write_file(inbox / "after-company.persons", "22");
  REQUIRE(drop.recorder().wait_for(2));

  // An inbox replaced by a file, then by a symlink to a folder: neither is served.
  fs::remove_all(inbox);
  write_file(inbox, "not a folder");
  std::this_thread::sleep_for(kPollInterval * 2);
  fs::remove(inbox);
  fs::create_directory_symlink(drop.outside(), inbox);
  write_file(drop.outside() / "through-symlink.persons", "x");
  drop.expect_no_more_than(2);
  CHECK(drop.recorder().names() ==
        std::vector<std::string>{"after-inbox.persons", "after-company.persons"});
}

TEST_CASE("stop() returns promptly, and no callback runs after it") {
  const WatchMode mode = any_mode();
  INFO("mode " << to_string(mode));
  DropRoot drop(mode, /*settle=*/10s, /*poll_interval=*/10s);
  write_file(drop.inbox("acme") / "pending.persons", "settling for a long time");
  drop.start();
  std::this_thread::sleep_for(50ms);

  const auto before = SteadyClock::now();
  drop.stop();
  CHECK(SteadyClock::now() - before < 200ms);
  drop.stop();  // idempotent
  CHECK(drop.recorder().count() == 0);
  CHECK(!drop.watcher().start([](const FinishedUpload&) {}).ok());  // starts once
}

TEST_CASE("stop() may be called from inside the callback") {
  const WatchMode mode = any_mode();
  INFO("mode " << to_string(mode));
  test_support::TempDirectory temp;
  const fs::path inbox = temp.path() / "acme" / "inbox";
  fs::create_directories(inbox);
  write_file(inbox / "a.persons", "a");
  write_file(inbox / "b.persons", "b");
  WatcherOptions options;
  options.drop_root = temp.path();
  options.mode = mode;
  options.settle_time = 50ms;
  options.poll_interval = 20ms;
  auto watcher = make_folder_watcher(options, system_clock());
  REQUIRE(watcher.ok());
  std::atomic<int> calls{0};
  FolderWatcher& running = **watcher;
  // Under ThreadSanitizer (scripts/tsan.sh) this is also the regression test of a data race:
  // stop() on the watcher thread read thread_, which start() assigns after the thread starts.
  REQUIRE(running
              .start([&](const FinishedUpload&) {
                ++calls;
                running.stop();
              })
              .ok());
  const auto deadline = SteadyClock::now() + kTimeout;
  while (calls == 0 && SteadyClock::now() < deadline) std::this_thread::sleep_for(10ms);
  std::this_thread::sleep_for(200ms);
  CHECK(calls == 1);  // the second file was cut short by stop(): it stays for the next watcher
  running.stop();
}

TEST_CASE("inotify: a queue overflow is repaired by a rescan, each file reported once") {
  std::ifstream limit_file("/proc/sys/fs/inotify/max_queued_events");
  long limit = 0;
  limit_file >> limit;
  if (limit <= 0 || limit > 100'000) {
    WARN("max_queued_events is " << limit << ": skipping the overflow test");
    return;
  }
  DropRoot drop(WatchMode::kInotify);
  const fs::path inbox = drop.inbox("acme");
  drop.start();

  // Hold the watcher thread in the callback while far more events than the queue holds arrive
  // (each file makes IN_CREATE, IN_MODIFY and IN_CLOSE_WRITE).
  drop.recorder().close_gate();
  write_file(inbox / "first.persons", "first");
  REQUIRE(drop.recorder().wait_for(1));
  const int files = static_cast<int>(limit / 3 + 500);
  for (int index = 0; index < files; ++index) {
    write_file(inbox / ("f" + std::to_string(index) + ".persons"), "x");
  }
  drop.recorder().open_gate();

  REQUIRE(drop.recorder().wait_for(static_cast<std::size_t>(files) + 1, 20s));
  drop.expect_no_more_than(static_cast<std::size_t>(files) + 1);
  CHECK(captured_log().count("inotify queue overflowed") >= 1);
  auto names = drop.recorder().names();
  std::sort(names.begin(), names.end());
  CHECK(std::adjacent_find(names.begin(), names.end()) == names.end());
}

TEST_CASE("bad options and a missing drop root are errors, not exceptions") {
  WatcherOptions options;
  CHECK(!make_folder_watcher(options, system_clock()).ok());  // no drop root
  options.drop_root = "/nonexistent/drop/root";
  options.poll_interval = 0ms;
  CHECK(!make_folder_watcher(options, system_clock()).ok());
  options.poll_interval = 100ms;
  options.settle_time = -1ms;
  CHECK(!make_folder_watcher(options, system_clock()).ok());
  options.settle_time = 0ms;

  for (const WatchMode mode : {WatchMode::kInotify, WatchMode::kPoll}) {
    options.mode = mode;
    auto watcher = make_folder_watcher(options, system_clock());
    REQUIRE(watcher.ok());
    const Status started = (*watcher)->start([](const FinishedUpload&) {});
    REQUIRE(!started.ok());
    CHECK(started.error().message.find("/nonexistent/drop/root") != std::string::npos);
  }
}

TEST_CASE("inotify falls back to polling when it cannot be initialised") {
  test_support::TempDirectory temp;
  captured_log().clear();
  // Leave exactly one file descriptor free: inotify_init1 takes it, the inotify watcher's eventfd
  // then fails, and the polling watcher gets the one freed again.
  rlimit original{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &original) == 0);
  rlim_t limit = 0;
  for (int free_below = 0; free_below < 1;) {
    if (::fcntl(static_cast<int>(limit), F_GETFD) == -1) ++free_below;
    ++limit;
  }
  rlimit lowered = original;
  lowered.rlim_cur = limit;
  REQUIRE(::setrlimit(RLIMIT_NOFILE, &lowered) == 0);
  WatcherOptions options;
  options.drop_root = temp.path();
  auto watcher = make_folder_watcher(options, system_clock());
  REQUIRE(::setrlimit(RLIMIT_NOFILE, &original) == 0);

  REQUIRE(watcher.ok());
  CHECK((*watcher)->mode() == WatchMode::kPoll);
  CHECK(captured_log().count("inotify is unavailable") == 1);
}

TEST_CASE(
    "regression: poll mode imports half-written files - a file still open for writing is not "
    "reported, however long its writer pauses") {
  const WatchMode mode = any_mode();
  INFO("mode " << to_string(mode));
  DropRoot drop(mode);
  const fs::path path = drop.inbox("acme") / "slow.persons";
  const std::string first(1000, 'a');
  const std::string rest(3000, 'b');
  // Written before the start (judged like polling in both modes), the writer then pauses.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, first.data(), first.size()) == static_cast<ssize_t>(first.size()));
  drop.start();
  // Past its settle time, the file is seen still open: the watcher says so and waits.
  CHECK(test_support::wait_until(
      [&] {
        return captured_log().count(
                   "info: \"slow.persons\" in the inbox of acme is still open for writing") == 1;
      },
      kTimeout));
  CHECK(drop.recorder().count() == 0);
  REQUIRE(::write(fd, rest.data(), rest.size()) == static_cast<ssize_t>(rest.size()));
  ::close(fd);
  REQUIRE(drop.recorder().wait_for(1));
  drop.expect_no_more_than(1);
  CHECK(drop.recorder().uploads()[0].size == first.size() + rest.size());
  CHECK(captured_log().count("still open for writing") == 1);  // said once
}

TEST_CASE("the /proc search finds a descriptor open for writing, not one open for reading") {
  test_support::TempDirectory directory;
  const fs::path path = directory.path() / "file.persons";
  write_file(path, "x");
  const int reader = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(reader >= 0);
  CHECK(answer(detail::has_writer_in_proc(path)) == std::optional<bool>(false));
  CHECK(answer(detail::is_open_for_writing(path)) == std::optional<bool>(false));
  const int writer = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  REQUIRE(writer >= 0);
  CHECK(answer(detail::has_writer_in_proc(path)) == std::optional<bool>(true));
  CHECK(answer(detail::is_open_for_writing(path)) == std::optional<bool>(true));
  // Renamed, the open file is still the one written (the queue takes files by rename).
  fs::rename(path, directory.path() / "renamed.persons");
  CHECK(answer(detail::has_writer_in_proc(directory.path() / "renamed.persons")) ==
        std::optional<bool>(true));
  ::close(writer);
  ::close(reader);
  CHECK(answer(detail::has_writer_in_proc(directory.path() / "renamed.persons")) ==
        std::optional<bool>(false));
  CHECK_FALSE(detail::has_writer_in_proc(directory.path() / "missing").ok());
  // No /proc to search: nothing is seen.
  CHECK(answer(detail::has_writer_in_proc(directory.path() / "renamed.persons",
                                          directory.path() / "none")) ==
        std::optional<bool>(false));
}
