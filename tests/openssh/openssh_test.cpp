// Uploads through an external OpenSSH server (spec section 10, "SFTP"; README, "An external
// OpenSSH server"): Debian's real sshd, in the foreground on a free loopback port, configured
// with the shipped snippet config/openssh/person-import-sftp.conf (its paths, user and group
// replaced by this test's); a company set up by config/openssh/add-company-account.sh; the
// daemon running as an unprivileged user, as in production; and the stock sftp/ssh clients.
//
// It needs root (accounts, chroot, sshd): run as another user it exits with kSkipExitCode,
// which ctest reports as skipped (SKIP_RETURN_CODE in tests/CMakeLists.txt). Everything it
// makes (accounts, groups, its folder under /var/lib, sshd and the daemon) is removed at the end,
// on failure too. Every wait is bounded.
#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/test_support.h"

using test_support::read_file;
using test_support::run_command;
using test_support::shell_quote;
using test_support::write_file;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

using test_support::contains;
using test_support::free_port;
using test_support::wait_until;

constexpr int kSkipExitCode = 77;
const std::string kSnippet =
    std::string(PERSON_IMPORT_SOURCE_DIR) + "/config/openssh/person-import-sftp.conf";
const std::string kAddCompanyScript =
    std::string(PERSON_IMPORT_SOURCE_DIR) + "/config/openssh/add-company-account.sh";
const std::string kSshd = "/usr/sbin/sshd";

std::string random_hex(std::size_t digits) {
  std::random_device device;
  std::string text;
  while (text.size() < digits) text += "0123456789abcdef"[device() % 16];
  return text;
}

bool accepts_connections(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return connected;
}

// Replaces the one occurrence of `from` in `text`; fails the test when it is not there exactly
// once (the snippet changed: the test must be told).
void replace_once(std::string& text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  INFO("snippet value: " << from);
  REQUIRE(at != std::string::npos);
  REQUIRE(text.find(from, at + from.size()) == std::string::npos);
  text.replace(at, from.size(), to);
}

// SIGTERM, then SIGKILL after `grace`; reaps the process.
void stop_process(pid_t& pid, std::chrono::milliseconds grace) {
  if (pid <= 0) return;
  ::kill(pid, SIGTERM);
  if (!test_support::wait_for_exit(pid, grace)) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
  pid = -1;
}

// Everything one run makes, undone in the destructor (which runs when a REQUIRE fails too).
//
// Under /var/lib/pi-ossh-<id>/ (root-owned 0755 from / down: sshd's rule for the chroot and for
// the AuthorizedKeysCommand; /tmp is world-writable, so it cannot serve):
//   drops/         the drop root: drops/<company>/ is the company's chroot
//   db/            the database, owned by the daemon's user
//   bin/           person-import: a root-owned copy of the built binary, which sshd accepts as
//                  the AuthorizedKeysCommand and the daemon's user can run wherever the build
//                  folder is (a checkout under /root is not reachable for it)
//   ssh/           sshd's config, host key and pid file, the client keys, logs, scratch files
//   daemon.toml, notify.sock   the daemon's
struct OpensshSetup {
  std::string id = random_hex(8);
  std::string company = "pi-ossh-" + id;             // the company key and its account
  std::string daemon_user = "pi-ossh-" + id + "-d";  // the daemon's user and group
  std::string sftp_group = "pi-ossh-" + id + "-s";   // the snippet's Match group
  fs::path base = "/var/lib/pi-ossh-" + id;
  std::string binary = (base / "bin" / "person-import").string();
  fs::path drops = base / "drops";
  fs::path db_dir = base / "db";
  std::string database = (db_dir / "person-import.db").string();
  fs::path ssh = base / "ssh";
  std::string client_key = (ssh / "client_key").string();
  int port = 0;
  pid_t sshd_pid = -1;
  pid_t daemon_pid = -1;
  bool made_daemon_user = false;

  OpensshSetup() {
    // Names nobody uses, so that the clean-up removes only what this run made.
    REQUIRE(::getpwnam(company.c_str()) == nullptr);
    REQUIRE(::getpwnam(daemon_user.c_str()) == nullptr);
    REQUIRE(::getgrnam(daemon_user.c_str()) == nullptr);
    REQUIRE(::getgrnam(sftp_group.c_str()) == nullptr);
    REQUIRE_FALSE(fs::exists(base));
  }

  ~OpensshSetup() {
    stop_process(sshd_pid, 2s);
    stop_process(daemon_pid, 5s);
    // The company account's own group goes with it (Debian's USERGROUPS_ENAB), likewise the
    // daemon user's.
    (void)run_command("userdel " + company);
    if (made_daemon_user) (void)run_command("userdel " + daemon_user);
    (void)run_command("groupdel " + sftp_group);
    std::error_code ignored;
    fs::remove_all(base, ignored);
  }

  // The folders and the binary (after construction, so that the destructor removes them).
  void prepare() {
    ::umask(022);
    fs::create_directories(base);
    for (const auto& folder : {drops, db_dir, ssh, base / "bin"}) fs::create_directory(folder);
    fs::permissions(ssh, fs::perms::owner_all);
    fs::copy_file(PERSON_IMPORT_BINARY, binary);
    fs::permissions(binary, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                fs::perms::others_read | fs::perms::others_exec);
  }

  std::string log(const std::string& name) const { return (ssh / name).string(); }

  test_support::CommandResult cli(const std::string& arguments) const {
    return run_command(test_support::person_import_command(database, arguments));
  }

  // The daemon's user and group (an unprivileged system account, like the systemd unit's).
  void make_daemon_user() {
    auto added = run_command(
        "useradd --system --user-group --no-create-home --home-dir / "
        "--shell /usr/sbin/nologin " +
        daemon_user);
    INFO(added.err);
    REQUIRE(added.exit_code == 0);
    made_daemon_user = true;
  }

  // The shipped snippet with this run's drop root, binary, database, user and group.
  std::string snippet() const {
    std::string text = read_file(kSnippet);
    REQUIRE_FALSE(text.empty());
    replace_once(text, "Match Group person-import-sftp", "Match Group " + sftp_group);
    replace_once(text, "ChrootDirectory /srv/person-import/drop/%u",
                 "ChrootDirectory " + drops.string() + "/%u");
    replace_once(text,
                 "AuthorizedKeysCommand /usr/bin/person-import --db "
                 "/var/lib/person-import/person-import.db ",
                 "AuthorizedKeysCommand " + binary + " --db " + database + " ");
    replace_once(text, "AuthorizedKeysCommandUser person-import",
                 "AuthorizedKeysCommandUser " + daemon_user);
    return text;
  }

  void start_sshd() {
    write_file(log("person-import-sftp.conf"), snippet());
    const std::string host_key = (ssh / "host_ed25519_key").string();
    REQUIRE(run_command("ssh-keygen -q -t ed25519 -N '' -f " + shell_quote(host_key)).exit_code ==
            0);
    port = free_port();
    // The Include comes first, as in Debian's /etc/ssh/sshd_config: the snippet's Match block
    // must end with its file and leave the settings below global.
    const std::string config = log("sshd_config");
    write_file(config, "Include " + log("person-import-sftp.conf") + "\n" +
                           "ListenAddress 127.0.0.1:" + std::to_string(port) + "\n" + "HostKey " +
                           host_key + "\n" + "PidFile " + log("sshd.pid") + "\n" +
                           // Debian's line: sshd refuses an sftp session when no sftp
                           // subsystem is defined, before ForceCommand replaces it.
                           "Subsystem sftp /usr/lib/openssh/sftp-server\n"
                           "UsePAM no\n"
                           "StrictModes yes\n"
                           "PermitRootLogin no\n"
                           "LogLevel VERBOSE\n");
    // The privilege separation folder (made by the package's service, absent in containers).
    fs::create_directories("/run/sshd");
    const auto checked = run_command(kSshd + " -t -f " + shell_quote(config));
    INFO(checked.err);
    REQUIRE(checked.exit_code == 0);
    sshd_pid = test_support::spawn_logged({kSshd, "-D", "-e", "-f", config}, log("sshd.log"));
    const bool listening = wait_until([&] { return accepts_connections(port); }, 5s);
    INFO(read_file(log("sshd.log")));
    REQUIRE(listening);
  }

  void start_daemon() {
    // Its configuration and notify socket where its user can reach them (ssh/ is root's).
    const std::string config = (base / "daemon.toml").string();
    write_file(config, "settle_time = \"200ms\"\npoll_interval = \"200ms\"\n");
    const std::string socket = (base / "notify.sock").string();
    test_support::NotifySocket notify(socket, /*any_user=*/true);
    daemon_pid =
        test_support::spawn_logged({binary, "--db", database, "daemon", "--config", config,
                                    "--drop-root", drops.string(), "--workers", "1"},
                                   log("daemon.log"), daemon_user, {{"NOTIFY_SOCKET", socket}});
    const std::string ready = notify.receive(10s);
    INFO(read_file(log("daemon.log")));
    REQUIRE(ready == "READY=1");
  }

  std::string client_options(const std::string& key) const {
    return "-i " + shell_quote(key) +
           " -F /dev/null -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no "
           "-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=5";
  }

  // The stock sftp client in batch mode (stops at the first failing command, exit 1).
  test_support::CommandResult sftp(const std::string& batch, const std::string& key = "") const {
    const std::string batch_file = log("batch");
    write_file(batch_file, batch);
    return run_command("sftp -b " + shell_quote(batch_file) + " -P " + std::to_string(port) + " " +
                       client_options(key.empty() ? client_key : key) + " " + company +
                       "@127.0.0.1");
  }

  test_support::CommandResult ssh_command(const std::string& command) const {
    return run_command("ssh -p " + std::to_string(port) + " " + client_options(client_key) + " " +
                       company + "@127.0.0.1 " + shell_quote(command));
  }
};

}  // namespace

TEST_CASE("openssh: a company uploads through sshd with the shipped snippet, chrooted") {
  OpensshSetup setup;
  setup.prepare();
  setup.make_daemon_user();

  // The company: its account and folders (the script, twice: idempotent), its key in the
  // database, which belongs to the daemon's user.
  const std::string script = "PERSON_IMPORT_SFTP_GROUP=" + setup.sftp_group + " bash " +
                             shell_quote(kAddCompanyScript) + " " + setup.company + " " +
                             shell_quote(setup.drops.string()) + " " + setup.daemon_user + " " +
                             setup.daemon_user;
  for (int run = 0; run < 2; ++run) {
    auto added = run_command(script);
    INFO(added.err);
    REQUIRE(added.exit_code == 0);
  }
  REQUIRE(run_command("ssh-keygen -q -t ed25519 -N '' -C company@test -f " +
                      shell_quote(setup.client_key))
              .exit_code == 0);
  REQUIRE(setup
              .cli("companies add " + setup.company + " --authorized-key " +
                   shell_quote(setup.client_key + ".pub"))
              .exit_code == 0);
  REQUIRE(setup.cli("--company " + setup.company + " fields add tier --type string").exit_code ==
          0);
  REQUIRE(run_command("chown -R " + setup.daemon_user + ": " + shell_quote(setup.db_dir.string()))
              .exit_code == 0);

  // What sshd will ask: the stored key, restricted; nothing for anyone else.
  auto listed = setup.cli("companies authorized-keys " + setup.company);
  REQUIRE(listed.exit_code == 0);
  CHECK(listed.out == "restrict " + read_file(setup.client_key + ".pub"));

  // Another company's folder next door, writable by anyone: only the chroot keeps the
  // company out.
  const fs::path other_inbox = setup.drops / "other" / "inbox";
  fs::create_directories(other_inbox);
  fs::permissions(other_inbox, fs::perms::all);

  setup.start_daemon();
  setup.start_sshd();

  const std::string upload = setup.log("weekly.persons");
  write_file(upload,
             "external_person_id,mdn,tier\n"
             "e-1,+13122000001,gold\n"
             "e-2,+13122000002,silver\n"
             "e-3,+13122000003,gold\n");
  // OpenSSH's sftp creates the remote file with the local file's mode: group-readable here.
  fs::permissions(upload, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                              fs::perms::others_read);

  {
    INFO("the chroot: / is the company folder");
    auto listing = setup.sftp("ls -1 /\n");
    INFO(listing.out << listing.err << read_file(setup.log("sshd.log")));
    REQUIRE(listing.exit_code == 0);
    CHECK(contains(listing.out, "inbox"));
    CHECK(contains(listing.out, "outbox"));
    CHECK_FALSE(contains(listing.out, "other"));
  }
  {
    INFO("put without a path lands in /inbox (internal-sftp -d /inbox)");
    auto put = setup.sftp("put " + upload + "\n");
    INFO(put.out << put.err << read_file(setup.log("sshd.log")));
    REQUIRE(put.exit_code == 0);
  }

  // The daemon (not root) picks the upload up and imports it.
  const fs::path result_path =
      setup.drops / setup.company / "outbox" / "weekly.persons.result.json";
  const bool imported = wait_until([&] { return fs::exists(result_path); }, 10s);
  INFO(read_file(setup.log("daemon.log")));
  REQUIRE(imported);
  const auto result = nlohmann::json::parse(read_file(result_path.string()));
  CHECK(result["status"] == "completed");
  CHECK(result["company"] == setup.company);
  CHECK(result["file"] == "weekly.persons");
  CHECK(result["rows"] == 3);
  CHECK(result["created"] == 3);
  CHECK(result["failed"] == 0);
  CHECK(result["bytes"] == fs::file_size(upload));
  CHECK_FALSE(fs::exists(setup.drops / setup.company / "inbox" / "weekly.persons"));
  const auto exported = setup.cli("--company " + setup.company + " persons export");
  REQUIRE(exported.exit_code == 0);
  for (const char* person : {"\"e-1\"", "\"e-2\"", "\"e-3\""})
    CHECK(contains(exported.out, person));
  CHECK(contains(setup.cli("--company " + setup.company + " persons get --external-id e-2").out,
                 "\"silver\""));

  {
    INFO("the client fetches its manifest");
    const std::string fetched = setup.log("fetched.json");
    auto get = setup.sftp("get /outbox/weekly.persons.result.json " + fetched + "\n");
    INFO(get.out << get.err);
    REQUIRE(get.exit_code == 0);
    CHECK(read_file(fetched) == read_file(result_path.string()));
  }

  // Confinement.
  CHECK(setup.sftp("put " + upload + " ../other/inbox/escape.persons\n").exit_code != 0);
  CHECK(setup.sftp("put " + upload + " /../../other/inbox/escape.persons\n").exit_code != 0);
  CHECK(fs::is_empty(other_inbox));
  CHECK(setup.sftp("cd /etc\n").exit_code != 0);
  CHECK(setup.sftp("put " + upload + " /planted.persons\n").exit_code != 0);
  CHECK(setup.sftp("put " + upload + " /outbox/planted.persons\n").exit_code != 0);
  CHECK_FALSE(fs::exists(setup.drops / setup.company / "planted.persons"));
  CHECK_FALSE(fs::exists(setup.drops / setup.company / "outbox" / "planted.persons"));
  {
    INFO("no shell or command: internal-sftp runs instead");
    auto shell = setup.ssh_command("echo shell-$((6*7))");
    INFO(shell.out << shell.err);
    CHECK_FALSE(contains(shell.out, "shell-42"));
  }
  {
    INFO("a key that is not in the database is refused");
    const std::string stranger = setup.log("stranger_key");
    REQUIRE(run_command("ssh-keygen -q -t ed25519 -N '' -f " + shell_quote(stranger)).exit_code ==
            0);
    auto refused = setup.sftp("ls /\n", stranger);
    INFO(refused.out << refused.err);
    CHECK(refused.exit_code != 0);
    CHECK(contains(refused.err, "Permission denied"));
  }
}

int main(int argc, char** argv) {
  if (::geteuid() != 0) {
    std::cout << "skipped: the OpenSSH test needs root (accounts, chroot, sshd)\n";
    return kSkipExitCode;
  }
  return Catch::Session().run(argc, argv);
}
