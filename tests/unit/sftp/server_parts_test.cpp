// The SFTP server's other testable parts: options validation, the failed-login throttle, key
// lines checked with libssh, the host key file, and the company folder on a real filesystem
// (symlinks planted in it are never followed; uploads appear only when finished).
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "daemon/sftp/company_folder.h"
#include "daemon/sftp/defender.h"
#include "daemon/sftp/host_key.h"
#include "daemon/sftp/public_keys.h"
#include "daemon/sftp/sftp_server.h"
#include "tests/support/test_support.h"

using namespace person_import::sftp;
using namespace std::chrono_literals;
using test_support::read_file;
using test_support::run_command;
using test_support::shell_quote;
using test_support::TempDirectory;
using test_support::write_file;
namespace fs = std::filesystem;

namespace {

using test_support::contains;

SftpServerOptions valid_options() {
  SftpServerOptions options;
  options.listen_address = "127.0.0.1:2222";
  options.drop_root = "/drops";
  options.host_key_path = "/drops/.person-import/ssh_host_ed25519_key";
  return options;
}

std::vector<std::string> names_in(const fs::path& folder) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(folder)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

TEST_CASE("server options: the documented defaults are valid - each rule is checked") {
  const SftpServerOptions defaults;
  CHECK(defaults.max_sessions == 64);
  CHECK(defaults.max_sessions_per_company == 4);
  CHECK(defaults.idle_timeout == 10min);
  CHECK(defaults.login_grace_time == 10s);
  CHECK(defaults.max_unauthenticated_per_address == 8);
  CHECK(defaults.allow_from.empty());
  CHECK(defaults.max_file_size == 4ULL << 30);
  CHECK(defaults.max_auth_tries == 6);
  CHECK(defaults.auth_failure_limit == 5);
  CHECK(validate(valid_options()).ok());
  SftpServerOptions ipv6 = valid_options();
  ipv6.listen_address = "[::1]:22";
  CHECK(validate(ipv6).ok());

  SftpServerOptions bad;
  bad.listen_address = "nowhere";
  bad.max_sessions = 0;
  bad.max_sessions_per_company = 0;
  bad.idle_timeout = 0ms;
  bad.login_grace_time = -1ms;
  bad.max_file_size = 0;
  bad.max_auth_tries = 0;
  bad.auth_failure_limit = 0;
  bad.auth_failure_window = 0ms;
  bad.auth_block_time = 0ms;
  const auto status = validate(bad);
  REQUIRE_FALSE(status.ok());
  const std::string& message = status.error().message;
  for (const char* key :
       {"listen_address", "drop_root", "host_key_path", "max_sessions:", "max_sessions_per_company",
        "idle_timeout", "login_grace_time", "max_file_size", "max_auth_tries", "auth_failure_limit",
        "auth_failure_window", "auth_block_time"}) {
    INFO(key);
    CHECK(contains(message, key));
  }
  SftpServerOptions above = valid_options();
  above.max_sessions_per_company = 65;
  CHECK(contains(validate(above).error().message, "must not be above max_sessions"));
  for (const char* address : {"127.0.0.1", "127.0.0.1:0", "127.0.0.1:65536", "[::1:22", ":22"}) {
    SftpServerOptions options = valid_options();
    options.listen_address = address;
    INFO(address);
    CHECK_FALSE(validate(options).ok());
  }
}

TEST_CASE("defender: limit offenses within the window ban the address for the ban time") {
  Defender defender({3, 60s, 10s, 24h, 100});
  const auto start = Defender::Clock::time_point{} + 1h;
  CHECK_FALSE(defender.record_offense("10.0.0.1", start));
  CHECK_FALSE(defender.record_offense("10.0.0.1", start + 1s));
  CHECK_FALSE(defender.is_banned("10.0.0.1", start + 2s));
  const auto ban = defender.record_offense("10.0.0.1", start + 2s);
  REQUIRE(ban);
  CHECK(ban->length == 10s);
  CHECK(ban->number == 1);
  CHECK(defender.is_banned("10.0.0.1", start + 3s));
  CHECK(defender.is_banned("10.0.0.1", start + 11s));
  CHECK_FALSE(defender.is_banned("10.0.0.2", start + 3s));   // per address
  CHECK_FALSE(defender.is_banned("10.0.0.1", start + 12s));  // the ban is over
  // After the ban the count starts again.
  CHECK_FALSE(defender.record_offense("10.0.0.1", start + 13s));

  // Offenses older than the window do not count.
  Defender slow({2, 10s, 5s, 24h, 100});
  CHECK_FALSE(slow.record_offense("a", start));
  CHECK_FALSE(slow.record_offense("a", start + 11s));
  CHECK(slow.record_offense("a", start + 12s));
  // A login clears the count.
  Defender cleared({2, 10s, 5s, 24h, 100});
  CHECK_FALSE(cleared.record_offense("a", start));
  cleared.record_success("a");
  CHECK_FALSE(cleared.record_offense("a", start + 1s));
}

TEST_CASE("defender: each later ban of an address is twice as long, up to the longest") {
  Defender defender({1, 60s, 10s, 35s, 100});
  auto now = Defender::Clock::time_point{} + 1h;
  std::vector<std::chrono::milliseconds> lengths;
  for (int ban = 1; ban <= 4; ++ban) {
    const auto started = defender.record_offense("10.0.0.1", now);
    REQUIRE(started);
    CHECK(started->number == ban);
    lengths.push_back(started->length);
    // Offenses while banned do not count.
    CHECK_FALSE(defender.record_offense("10.0.0.1", now + 1s));
    now += started->length;
    CHECK_FALSE(defender.is_banned("10.0.0.1", now));
  }
  CHECK(lengths == std::vector<std::chrono::milliseconds>{10s, 20s, 35s, 35s});
  // A login keeps the ban count: the next ban is still a long one.
  defender.record_success("10.0.0.1");
  CHECK(defender.record_offense("10.0.0.1", now)->length == 35s);
  // Clean for the longest ban after its end: forgotten, the next ban is the first again.
  now += 35s + 35s;
  CHECK_FALSE(defender.is_banned("10.0.0.1", now));
  const auto again = defender.record_offense("10.0.0.1", now);
  REQUIRE(again);
  CHECK(again->number == 1);
  CHECK(again->length == 10s);
}

TEST_CASE("defender: a flood from many addresses is remembered in bounded memory") {
  Defender defender({5, 60s, 10s, 24h, 1000});
  const auto now = Defender::Clock::time_point{} + 1h;
  for (int address = 0; address < 50000; ++address) {
    (void)defender.record_offense(
        "10.0." + std::to_string(address / 256) + "." + std::to_string(address % 256),
        now + std::chrono::milliseconds(address));
  }
  CHECK(defender.size() <= 1000);
}

TEST_CASE("public key lines are checked with libssh and fingerprinted like ssh-keygen -l") {
  TempDirectory directory;
  const std::string key = directory.file("client");
  REQUIRE(run_command("ssh-keygen -q -t ed25519 -N '' -C 'ann@example' -f " + shell_quote(key))
              .exit_code == 0);
  const std::string line = read_file(key + ".pub");
  auto info = parse_public_key_line(line);
  REQUIRE(info.ok());
  CHECK(info->type == "ssh-ed25519");
  CHECK(info->comment == "ann@example");
  const std::string keygen = run_command("ssh-keygen -lf " + shell_quote(key + ".pub")).out;
  CHECK(contains(keygen, " " + info->fingerprint + " "));
  CHECK(info->fingerprint.starts_with("SHA256:"));

  CHECK_FALSE(parse_public_key_line("ssh-ed25519").ok());
  CHECK_FALSE(parse_public_key_line("ssh-ed25519 AAAAnotbase64!!").ok());
  CHECK_FALSE(parse_public_key_line("ssh-rsa " + line.substr(12)).ok());  // wrong type
  CHECK(contains(parse_public_key_line("from=\"10.0.0.1\" " + line).error().message, "options"));
  CHECK(contains(parse_public_key_line("hello world").error().message, "unknown key type"));

  auto lines = parse_public_key_lines("# a comment\n\n" + line + "\r\n");
  REQUIRE(lines.ok());
  CHECK(lines->size() == 1);
  auto bad = parse_public_key_lines(line + "ssh-ed25519 AAAA\n");
  REQUIRE_FALSE(bad.ok());
  CHECK(contains(bad.error().message, "line 2:"));
}

TEST_CASE("the host key is created once with mode 0600 and then reused") {
  TempDirectory directory;
  const fs::path path = directory.path() / "host_key";
  auto created = load_or_create_host_key(path);
  REQUIRE(created.ok());
  CHECK(created->generated);
  struct stat status {};
  REQUIRE(::stat(path.c_str(), &status) == 0);
  CHECK((status.st_mode & 0777) == 0600);
  auto again = load_or_create_host_key(path);
  REQUIRE(again.ok());
  CHECK_FALSE(again->generated);
  CHECK(again->fingerprint == created->fingerprint);
  CHECK(contains(run_command("ssh-keygen -lf " + shell_quote(path.string())).out,
                 created->fingerprint));
  // Readable by others: refused, not used.
  fs::permissions(path, fs::perms::others_read, fs::perm_options::add);
  CHECK(contains(load_or_create_host_key(path).error().message, "chmod 600"));
  write_file(directory.file("garbage"), "not a key");
  fs::permissions(directory.file("garbage"), fs::perms::owner_read | fs::perms::owner_write);
  CHECK_FALSE(load_or_create_host_key(directory.file("garbage")).ok());
}

TEST_CASE("company folder: planted symlinks are never followed, uploads appear when finished") {
  TempDirectory directory;
  const fs::path root = directory.path() / "drops";
  const fs::path outside = directory.path() / "outside";
  fs::create_directories(outside);
  write_file((outside / "secret").string(), "secret");
  std::unique_ptr<CompanyFolder> folder;
  // A company named "drops" under the test directory: its inbox and outbox are created.
  REQUIRE(CompanyFolder::open(directory.path(), "drops", folder).ok());
  const fs::path inbox = root / "inbox";
  const fs::path outbox = root / "outbox";
  REQUIRE(fs::is_directory(inbox));
  REQUIRE(fs::is_directory(outbox));
  fs::create_symlink(outside / "secret", outbox / "leak");
  fs::create_symlink(outside / "secret", inbox / "link.persons");
  write_file((outbox / "r.json").string(), "{}");

  std::vector<EntryInfo> listed;
  REQUIRE(folder->list(locate("/outbox"), listed).ok());
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].name == "r.json");
  int fd = -1;
  CHECK(folder->open_for_reading(locate("outbox/leak"), fd).kind ==
        FolderStatus::Kind::kPermissionDenied);
  CHECK(fd < 0);
  REQUIRE(folder->open_for_reading(locate("outbox/r.json"), fd).ok());
  ::close(fd);
  EntryInfo entry;
  CHECK(folder->stat(locate("outbox/leak"), entry).kind == FolderStatus::Kind::kNoSuchFile);
  CHECK(folder->remove(locate("inbox/link.persons")).kind == FolderStatus::Kind::kNoSuchFile);

  // An upload onto the link's name replaces the link, never writes through it.
  std::unique_ptr<Upload> upload;
  REQUIRE(folder->begin_upload(locate("inbox/link.persons"), 7, 100, upload).ok());
  REQUIRE(upload->write(0, "abc", 3).ok());
  CHECK(names_in(inbox).size() == 2);  // the link and the hidden temporary
  CHECK(upload->write(98, "abc", 3).kind == FolderStatus::Kind::kTooLarge);
  REQUIRE(upload->finish().ok());
  CHECK(fs::is_regular_file(fs::symlink_status(inbox / "link.persons")));
  CHECK(read_file((inbox / "link.persons").string()) == "abc");
  CHECK(read_file((outside / "secret").string()) == "secret");

  // A discarded upload leaves nothing; stale temporaries are removed at start.
  REQUIRE(folder->begin_upload(locate("inbox/b.persons"), 7, 100, upload).ok());
  REQUIRE(upload->write(0, "x", 1).ok());
  upload.reset();
  CHECK(names_in(inbox) == std::vector<std::string>{"link.persons"});
  write_file((inbox / ".sftp-upload.1.2.c.persons").string(), "half");
  write_file((inbox / ".other-hidden").string(), "kept");
  CHECK(remove_stale_uploads(directory.path()) == 1);
  CHECK(names_in(inbox) == std::vector<std::string>{".other-hidden", "link.persons"});

  // Renames stay in the inbox; without overwrite an existing target is kept.
  write_file((inbox / "c.persons").string(), "c");
  CHECK(folder->rename(locate("inbox/c.persons"), locate("inbox/link.persons"), false).kind ==
        FolderStatus::Kind::kAlreadyExists);
  REQUIRE(folder->rename(locate("inbox/c.persons"), locate("inbox/link.persons"), true).ok());
  CHECK(read_file((inbox / "link.persons").string()) == "c");
  CHECK(folder->rename(locate("inbox/link.persons"), locate("outbox/x"), true).kind ==
        FolderStatus::Kind::kPermissionDenied);

  // An inbox replaced by a symlink is refused.
  std::unique_ptr<CompanyFolder> other;
  fs::create_directories(directory.path() / "evil");
  fs::create_directory_symlink(outside, directory.path() / "evil" / "inbox");
  CHECK_FALSE(CompanyFolder::open(directory.path(), "evil", other).ok());
  CHECK(other == nullptr);
}
