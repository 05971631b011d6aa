// The built-in SFTP server, driven as clients would: the real daemon on a temporary drop root
// and a free port, the stock OpenSSH `sftp` and `ssh` clients in batch mode, keys made with
// ssh-keygen. Timeouts in the configurations are short so that the suite stays fast; every
// wait is bounded.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/test_support.h"

using test_support::CommandResult;
using test_support::read_file;
using test_support::run_command;
using test_support::shell_quote;
using test_support::TempDirectory;
using test_support::write_file;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

using test_support::contains;
using test_support::free_port;
using test_support::wait_until;

std::string persons_file(std::size_t rows, const std::string& prefix) {
  std::string text = "external_person_id\n";
  for (std::size_t index = 1; index <= rows; ++index) text += prefix + std::to_string(index) + "\n";
  return text;
}

// The names in a folder, hidden ones included.
std::vector<std::string> names_in(const fs::path& folder) {
  std::vector<std::string> names;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(folder, error)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// A child process whose stdin we hold: an `sftp -b -` session that stays open until we close
// it.
struct HeldClient {
  pid_t pid = -1;
  int input = -1;
  std::string output;  // the client's stdout and stderr

  HeldClient(const std::string& command, const std::string& output_path) : output(output_path) {
    int pipe_fds[2];
    // Close-on-exec: another client started later must not hold this one's stdin open.
    REQUIRE(::pipe2(pipe_fds, O_CLOEXEC) == 0);
    pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::dup2(pipe_fds[0], 0);
      const int out = ::open(output_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(out, 1);
      ::dup2(out, 2);
      ::close(pipe_fds[1]);
      ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(pipe_fds[0]);
    input = pipe_fds[1];
  }
  ~HeldClient() {
    if (input >= 0) ::close(input);
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }
  // False when the client is gone already (no SIGPIPE: it is ignored here).
  bool send(const std::string& line) const {
    ::signal(SIGPIPE, SIG_IGN);
    return ::write(input, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  }
  // Ends the session (EOF on the batch) and returns the exit status, nullopt after `timeout`.
  std::optional<int> finish(std::chrono::milliseconds timeout) {
    if (input >= 0) ::close(input);
    input = -1;
    return wait(timeout);
  }
  std::optional<int> wait(std::chrono::milliseconds timeout) {
    const auto result = test_support::wait_for_exit(pid, timeout);
    if (result) pid = -1;
    return result;
  }
};

// A drop root, a database, a configuration with short timings and the SFTP server on a free
// port; runs the daemon and the clients.
struct SftpDrop {
  TempDirectory directory;
  fs::path root = directory.path() / "drops";
  std::string database = directory.file("daemon.db");
  std::string config = directory.file("daemon.toml");
  std::string log = directory.file("daemon.log");
  int port = free_port();
  pid_t pid = -1;
  int batches = 0;

  explicit SftpDrop(const std::string& extra_config = "") {
    fs::create_directories(root);
    std::string text = "poll_interval = \"200ms\"\nshutdown_timeout = \"10s\"\n";
    if (!contains(extra_config, "settle_time")) text += "settle_time = \"200ms\"\n";
    text += "sftp_listen = \"127.0.0.1:" + std::to_string(port) + "\"\n";
    write_file(config, text + extra_config);
  }
  ~SftpDrop() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }

  CommandResult cli(const std::string& arguments) const {
    return run_command(test_support::person_import_command(database, arguments));
  }
  // A new ed25519 key pair in the test directory; returns the private key's path.
  std::string make_key(const std::string& name) const {
    const std::string path = directory.file(name);
    REQUIRE(run_command("ssh-keygen -q -t ed25519 -N '' -C " + name + " -f " + shell_quote(path))
                .exit_code == 0);
    return path;
  }
  void add_company(const std::string& company, const std::string& key) const {
    auto added = cli("companies add " + company + " --drop-root " + shell_quote(root.string()) +
                     " --authorized-key " + shell_quote(key + ".pub"));
    INFO(added.err);
    REQUIRE(added.exit_code == 0);
  }
  fs::path inbox(const std::string& company) const { return root / company / "inbox"; }
  fs::path outbox(const std::string& company) const { return root / company / "outbox"; }
  std::string daemon_log() const { return read_file(log); }

  // Starts the daemon and waits until the SFTP server listens (or the daemon exits).
  std::optional<int> start_and_wait() {
    REQUIRE(pid < 0);
    const std::string binary = PERSON_IMPORT_BINARY;
    std::vector<std::string> arguments = {binary,     "--db", database,      "daemon",
                                          "--config", config, "--drop-root", root.string()};
    pid = test_support::spawn_logged(arguments, log);
    std::optional<int> exited;
    const std::size_t starts = count_of(daemon_log(), "sftp: listening on");
    wait_until(
        [&] {
          if ((exited = test_support::try_reap(pid))) return true;
          return count_of(daemon_log(), "sftp: listening on") > starts &&
                 contains(daemon_log(), "serving " + root.string());
        },
        10s);
    if (exited) pid = -1;
    return exited;
  }
  void start() {
    const auto exited = start_and_wait();
    INFO(daemon_log());
    REQUIRE_FALSE(exited.has_value());
  }
  std::optional<int> stop(int signal = SIGTERM) {
    REQUIRE(pid > 0);
    ::kill(pid, signal);
    const auto result = test_support::wait_for_exit(pid, 10s);
    if (result) pid = -1;
    return result;
  }

  static std::size_t count_of(const std::string& text, const std::string& part) {
    std::size_t count = 0;
    for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++count;
    return count;
  }

  std::string client_options(const std::string& key) const {
    return " -i " + shell_quote(key) +
           " -F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null"
           " -o BatchMode=yes -o IdentitiesOnly=yes -o IdentityAgent=none -o ConnectTimeout=5"
           " -o LogLevel=ERROR";
  }
  // `sftp -b` with `commands` (one a line), run in the test directory (local paths are
  // relative to it).
  std::string sftp_command(const std::string& user, const std::string& key,
                           const std::string& batch_path) const {
    return "cd " + shell_quote(directory.path().string()) + " && timeout 30 sftp -b " +
           shell_quote(batch_path) + " -P " + std::to_string(port) + client_options(key) + " " +
           user + "@127.0.0.1";
  }
  CommandResult sftp(const std::string& user, const std::string& key, const std::string& commands) {
    const std::string batch = directory.file("batch" + std::to_string(batches++));
    write_file(batch, commands);
    return run_command(sftp_command(user, key, batch));
  }
  // An `sftp -b -` session kept open until finish().
  std::unique_ptr<HeldClient> hold_session(const std::string& user, const std::string& key) {
    const std::string output = directory.file("held" + std::to_string(batches++));
    return std::make_unique<HeldClient>("cd " + shell_quote(directory.path().string()) +
                                            " && exec sftp -b - -P " + std::to_string(port) +
                                            client_options(key) + " " + user + "@127.0.0.1",
                                        output);
  }

  nlohmann::json wait_for_result(const std::string& company, const std::string& name,
                                 std::chrono::milliseconds timeout = 20s) const {
    const fs::path path = outbox(company) / (name + ".result.json");
    const bool found = wait_until([&] { return fs::exists(path); }, timeout);
    INFO(daemon_log());
    REQUIRE(found);
    return nlohmann::json::parse(read_file(path.string()));
  }
  std::vector<nlohmann::json> jobs(const std::string& company) const {
    auto listed = cli("--company " + company + " jobs list --json");
    if (listed.exit_code != 0 || listed.out.empty()) return {};
    return nlohmann::json::parse(listed.out).get<std::vector<nlohmann::json>>();
  }
  bool logged(const std::string& part, std::chrono::milliseconds timeout = 5s) const {
    return wait_until([&] { return contains(daemon_log(), part); }, timeout);
  }
};

}  // namespace

TEST_CASE("sftp: an upload is imported and the client fetches its manifest from the outbox") {
  SftpDrop drop;
  const std::string key = drop.make_key("acme_key");
  drop.add_company("acme", key);
  drop.start();
  write_file(drop.directory.file("week.persons"), persons_file(3, "w-"));

  auto upload = drop.sftp("acme", key, "ls\nput week.persons inbox/\nls -l inbox\n");
  INFO(upload.out + upload.err);
  INFO(drop.daemon_log());
  REQUIRE(upload.exit_code == 0);
  // `/` shows exactly the two folders.
  CHECK(std::regex_search(upload.out, std::regex(R"(sftp> ls\n\s*inbox\s+outbox\s*\n)")));
  CHECK(drop.logged("sftp: acme uploaded week.persons (" +
                    std::to_string(persons_file(3, "w-").size()) + " bytes)"));

  auto result = drop.wait_for_result("acme", "week.persons");
  CHECK(result["status"] == "completed");
  auto fetched =
      drop.sftp("acme", key, "get outbox/week.persons.result.json fetched.json\nls -l outbox\n");
  INFO(fetched.out + fetched.err);
  REQUIRE(fetched.exit_code == 0);
  // Regression: the server ends the channel before the connection, so the stock client does not
  // report "Connection to 127.0.0.1 closed by remote host." after every session.
  CHECK_FALSE(contains(upload.err, "closed by remote host"));
  CHECK_FALSE(contains(fetched.err, "closed by remote host"));
  auto manifest = nlohmann::json::parse(read_file(drop.directory.file("fetched.json")));
  CHECK(manifest == result);
  CHECK(manifest["created"] == 3);
  CHECK(manifest["bytes"] == persons_file(3, "w-").size());
  CHECK(drop.jobs("acme").size() == 1);
  // Nothing left behind in the inbox (the upload was picked up, no temporaries).
  CHECK(wait_until([&] { return names_in(drop.inbox("acme")).empty(); }, 5s));
  CHECK(drop.logged("sftp: acme from 127.0.0.1 disconnected"));
}

TEST_CASE("sftp: an upload under a temporary name, renamed, is imported once under its name") {
  SftpDrop drop;
  const std::string key = drop.make_key("acme_key");
  drop.add_company("acme", key);
  drop.start();
  write_file(drop.directory.file("day.persons"), persons_file(2, "d-"));

  auto upload = drop.sftp("acme", key,
                          "put day.persons inbox/day.persons.part\n"
                          "rename inbox/day.persons.part inbox/day.persons\n");
  INFO(upload.out + upload.err);
  INFO(drop.daemon_log());
  REQUIRE(upload.exit_code == 0);
  CHECK(drop.logged("sftp: acme renamed inbox/day.persons.part to inbox/day.persons"));
  auto result = drop.wait_for_result("acme", "day.persons");
  CHECK(result["created"] == 2);
  CHECK_FALSE(fs::exists(drop.outbox("acme") / "day.persons.part.result.json"));
  std::this_thread::sleep_for(500ms);
  CHECK(drop.jobs("acme").size() == 1);

  // A rename onto an existing name replaces it (posix-rename, which OpenSSH clients use);
  // renaming out of the inbox is refused.
  write_file(drop.directory.file("x.txt"), "x\n");
  auto replaced = drop.sftp("acme", key,
                            "put x.txt inbox/a.txt\nput x.txt inbox/b.txt\n"
                            "rename inbox/a.txt inbox/b.txt\n"
                            "-rename inbox/b.txt outbox/b.txt\n"
                            "-rename inbox/b.txt ../b.txt\n");
  INFO(replaced.out + replaced.err);
  CHECK(replaced.exit_code == 0);
  CHECK(names_in(drop.inbox("acme")) == std::vector<std::string>{"b.txt"});
  // day.persons's result and created persons only
  CHECK(names_in(drop.outbox("acme")) ==
        std::vector<std::string>{"day.persons.created.csv", "day.persons.result.json"});
}

TEST_CASE("sftp: a client removes its upload before pick-up - outbox files cannot be removed") {
  SftpDrop drop("settle_time = \"5s\"\n");  // overrides the short one: time to remove it
  const std::string key = drop.make_key("acme_key");
  drop.add_company("acme", key);
  drop.start();
  write_file(drop.directory.file("oops.persons"), persons_file(2, "o-"));
  write_file((drop.outbox("acme") / "old.persons.result.json").string(), "{}");

  auto session = drop.sftp("acme", key,
                           "put oops.persons inbox/\nrm inbox/oops.persons\n"
                           "-rm outbox/old.persons.result.json\n");
  INFO(session.out + session.err);
  INFO(drop.daemon_log());
  REQUIRE(session.exit_code == 0);
  CHECK(drop.logged("sftp: acme removed inbox/oops.persons"));
  CHECK(names_in(drop.inbox("acme")).empty());
  CHECK(fs::exists(drop.outbox("acme") / "old.persons.result.json"));
  std::this_thread::sleep_for(6s);  // past the settle time: nothing is imported
  CHECK(drop.jobs("acme").empty());
  CHECK_FALSE(fs::exists(drop.outbox("acme") / "oops.persons.result.json"));
}

TEST_CASE("sftp: wrong keys, other companies' keys and passwords are refused") {
  SftpDrop drop;
  const std::string acme_key = drop.make_key("acme_key");
  const std::string other_key = drop.make_key("other_key");
  const std::string stranger_key = drop.make_key("stranger_key");
  drop.add_company("acme", acme_key);
  drop.add_company("other", other_key);
  drop.start();
  write_file(drop.directory.file("x.persons"), persons_file(1, "x-"));

  auto stranger = drop.sftp("acme", stranger_key, "put x.persons inbox/\n");
  CHECK(stranger.exit_code != 0);
  CHECK(contains(stranger.err, "Permission denied (publickey)"));
  // Another company's valid key does not log in as this company.
  auto other = drop.sftp("acme", other_key, "put x.persons inbox/\n");
  CHECK(other.exit_code != 0);
  CHECK(contains(other.err, "Permission denied (publickey)"));
  // An unknown company.
  auto unknown = drop.sftp("nobody", acme_key, "ls\n");
  CHECK(unknown.exit_code != 0);
  INFO(drop.daemon_log());
  CHECK(drop.logged("sftp: login refused: user \"acme\" from 127.0.0.1 (publickey SHA256:"));
  CHECK(drop.logged("sftp: login refused: user \"nobody\""));
  CHECK(names_in(drop.inbox("acme")).empty());

  // Passwords: the server offers only publickey, so the client has nothing to try and never
  // asks for a password (the askpass program would leave a mark).
  const std::string askpass = drop.directory.file("askpass.sh");
  const std::string asked = drop.directory.file("asked");
  write_file(askpass, "#!/bin/sh\ntouch " + shell_quote(asked) + "\necho secret\n");
  fs::permissions(askpass, fs::perms::owner_all);
  const std::string batch = drop.directory.file("password-batch");
  write_file(batch, "ls\n");
  auto password = run_command(
      "SSH_ASKPASS=" + shell_quote(askpass) + " SSH_ASKPASS_REQUIRE=force DISPLAY=:0 " +
      "timeout 30 sftp -b " + shell_quote(batch) + " -P " + std::to_string(drop.port) +
      " -F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null"
      " -o PubkeyAuthentication=no -o PreferredAuthentications=password,keyboard-interactive"
      " -o NumberOfPasswordPrompts=1 acme@127.0.0.1");
  INFO(password.err);
  CHECK(password.exit_code != 0);
  CHECK(contains(password.err, "Permission denied (publickey)"));
  CHECK_FALSE(fs::exists(asked));

  // The right key still works.
  CHECK(drop.sftp("acme", acme_key, "ls\n").exit_code == 0);
}

TEST_CASE("sftp: no path leads outside the company folder") {
  SftpDrop drop;
  const std::string key = drop.make_key("acme_key");
  const std::string other_key = drop.make_key("other_key");
  drop.add_company("acme", key);
  drop.add_company("other", other_key);
  const fs::path outside = drop.directory.path() / "outside";
  fs::create_directories(outside);
  write_file((outside / "secret.txt").string(), "secret\n");
  write_file((outside / "target.persons").string(), "untouched\n");
  // Symlinks planted on disk (by someone with shell access) pointing outside.
  fs::create_symlink(outside / "secret.txt", drop.outbox("acme") / "leak.txt");
  fs::create_symlink(outside / "target.persons", drop.inbox("acme") / "link.persons");
  fs::create_directory_symlink(outside, drop.outbox("acme") / "dir");
  drop.start();
  write_file(drop.directory.file("x.persons"), persons_file(1, "t-"));

  auto attempts = drop.sftp("acme", key,
                            "-put x.persons ../other/inbox/x.persons\n"
                            "-put x.persons /../other/inbox/y.persons\n"
                            "-put x.persons inbox/../../other/inbox/z.persons\n"
                            "-put x.persons /etc/x.persons\n"
                            "-put x.persons x.persons\n"
                            "-put x.persons outbox/x.persons\n"
                            "-put x.persons inbox/.hidden.persons\n"
                            "-put x.persons outbox/dir/x.persons\n"
                            "-ls /etc\n"
                            "-ls ../../../etc\n"
                            "-get /etc/passwd got-passwd\n"
                            "-get ../../../../etc/passwd got-passwd2\n"
                            "-get outbox/leak.txt got-leak\n"
                            "-get outbox/dir/secret.txt got-dir\n"
                            "-get inbox/link.persons got-link\n"
                            "-mkdir inbox/sub\n"
                            "-rmdir outbox\n"
                            "-symlink /etc inbox/etc\n"
                            "-rm ../other/inbox/keep.persons\n"
                            "cd ..\n"
                            "cd ../..\n"
                            "ls -l\n"
                            "ls -l outbox\n"
                            "put x.persons inbox/link.persons\n");
  INFO(attempts.out + attempts.err);
  INFO(drop.daemon_log());
  REQUIRE(attempts.exit_code == 0);  // every refused command was allowed to fail ("-")
  // `cd ..` from `/` stays at `/`: the listing shows the two folders.
  CHECK(std::regex_search(attempts.out, std::regex(R"(sftp> ls -l\n[^\n]*inbox\n[^\n]*outbox\n)")));
  // The planted links are not listed.
  CHECK_FALSE(contains(attempts.out, "leak.txt\n"));
  CHECK_FALSE(contains(attempts.out, "shadow"));
  CHECK_FALSE(contains(attempts.out, "hostname"));
  for (const char* got : {"got-passwd", "got-passwd2", "got-leak", "got-dir", "got-link"}) {
    INFO(got);
    CHECK_FALSE(fs::exists(drop.directory.path() / got));
  }
  // Nothing written outside, nor into the other company's folder.
  CHECK(names_in(drop.inbox("other")).empty());
  CHECK(read_file((outside / "target.persons").string()) == "untouched\n");
  CHECK(names_in(outside) == std::vector<std::string>{"secret.txt", "target.persons"});
  CHECK_FALSE(fs::exists("/etc/x.persons"));
  CHECK_FALSE(fs::exists(drop.root / "acme" / "x.persons"));
  CHECK_FALSE(fs::exists(drop.root / "x.persons"));
  CHECK_FALSE(fs::exists(drop.inbox("acme") / "sub"));
  CHECK(fs::is_directory(drop.outbox("acme")));
  // The upload onto the planted link replaced the link itself: it is imported from a regular
  // file, and the link's target is untouched.
  auto result = drop.wait_for_result("acme", "link.persons");
  CHECK(result["created"] == 1);
  CHECK(read_file((outside / "target.persons").string()) == "untouched\n");
}

TEST_CASE("sftp: shell, exec and port forwarding are refused - only the sftp subsystem runs") {
  SftpDrop drop;
  const std::string key = drop.make_key("acme_key");
  drop.add_company("acme", key);
  drop.start();
  const std::string ssh = "timeout 20 ssh -p " + std::to_string(drop.port) +
                          drop.client_options(key) + " acme@127.0.0.1";
  auto exec = run_command(ssh + " true");
  CHECK(exec.exit_code != 0);
  auto shell = run_command(ssh + " -tt");
  CHECK(shell.exit_code != 0);
  auto forward = run_command(ssh + " -N -o ExitOnForwardFailure=yes -R 0:127.0.0.1:9");
  CHECK(forward.exit_code != 0);
  auto subsystem = run_command(ssh + " -s not-sftp");
  CHECK(subsystem.exit_code != 0);
  INFO(drop.daemon_log());
  CHECK(drop.logged("exec refused"));
  CHECK(drop.logged("subsystem not-sftp refused"));
  CHECK(drop.sftp("acme", key, "ls\n").exit_code == 0);
}

TEST_CASE("sftp: a write past sftp_max_file_size fails and the partial upload is discarded") {
  SftpDrop drop("sftp_max_file_size = 1000\n");
  const std::string key = drop.make_key("acme_key");
  drop.add_company("acme", key);
  drop.start();
  write_file(drop.directory.file("big.persons"), persons_file(500, "big-"));     // > 1000 bytes
  write_file(drop.directory.file("small.persons"), persons_file(10, "small-"));  // < 1000 bytes

  auto big = drop.sftp("acme", key, "put big.persons inbox/\n");
  INFO(big.out + big.err);
  INFO(drop.daemon_log());
  CHECK(big.exit_code != 0);
  CHECK(drop.logged("upload of big.persons discarded: larger than max_file_size (1000 bytes)"));
  CHECK(names_in(drop.inbox("acme")).empty());  // neither the file nor a temporary
  // The limit is per file: a small one passes.
  CHECK(drop.sftp("acme", key, "put small.persons inbox/\n").exit_code == 0);
  CHECK(drop.wait_for_result("acme", "small.persons")["created"] == 10);
  std::this_thread::sleep_for(400ms);
  CHECK_FALSE(fs::exists(drop.outbox("acme") / "big.persons.result.json"));
}

TEST_CASE("sftp: an idle session is closed after sftp_idle_timeout") {
  SftpDrop drop("sftp_idle_timeout = \"1s\"\n");
  const std::string key = drop.make_key("acme_key");
  drop.add_company("acme", key);
  drop.start();
  auto client = drop.hold_session("acme", key);
  REQUIRE(drop.logged("sftp: acme logged in"));
  // The client sends nothing: the server closes the connection after a second.
  const auto started = std::chrono::steady_clock::now();
  INFO(drop.daemon_log());
  REQUIRE(drop.logged("sftp: acme from 127.0.0.1 disconnected: idle timeout", 4s));
  CHECK(std::chrono::steady_clock::now() - started >= 800ms);
  // The client notices at its next command, which fails.
  (void)client->send("ls\n");
  const auto status = client->wait(5s);
  REQUIRE(status.has_value());
  CHECK(*status != 0);
}

TEST_CASE("sftp: sessions per company and in total are limited") {
  SftpDrop drop("sftp_max_sessions_per_company = 1\nsftp_max_sessions = 2\n");
  const std::string acme_key = drop.make_key("acme_key");
  const std::string beta_key = drop.make_key("beta_key");
  const std::string gamma_key = drop.make_key("gamma_key");
  drop.add_company("acme", acme_key);
  drop.add_company("beta", beta_key);
  drop.add_company("gamma", gamma_key);
  drop.start();

  auto first = drop.hold_session("acme", acme_key);
  REQUIRE(drop.logged("sftp: acme logged in"));
  auto second = drop.sftp("acme", acme_key, "ls\n");
  INFO(drop.daemon_log());
  CHECK(second.exit_code != 0);
  CHECK(drop.logged("login refused: acme from 127.0.0.1: 1 sessions of this company already"));

  auto beta = drop.hold_session("beta", beta_key);
  const bool beta_in = drop.logged("sftp: beta logged in");
  INFO(read_file(beta->output));
  REQUIRE(beta_in);
  // Two sessions in total: a third connection is closed at once.
  CHECK(drop.sftp("gamma", gamma_key, "ls\n").exit_code != 0);
  CHECK(drop.logged("refused: 2 sessions already (max_sessions)"));

  CHECK(first->finish(5s) == 0);
  CHECK(beta->finish(5s) == 0);
  // Freed: both log in again.
  CHECK(wait_until([&] { return drop.sftp("acme", acme_key, "ls\n").exit_code == 0; }, 5s));
  CHECK(drop.sftp("gamma", gamma_key, "ls\n").exit_code == 0);
}

TEST_CASE("sftp: repeated failed logins from an address block it for a while") {
  SftpDrop drop(
      "sftp_auth_failure_limit = 2\nsftp_auth_failure_window = \"1m\"\n"
      "sftp_auth_block_time = \"2s\"\n");
  const std::string key = drop.make_key("acme_key");
  const std::string wrong = drop.make_key("wrong_key");
  drop.add_company("acme", key);
  drop.start();
  CHECK(drop.sftp("acme", wrong, "ls\n").exit_code != 0);
  CHECK(drop.sftp("acme", wrong, "ls\n").exit_code != 0);
  INFO(drop.daemon_log());
  REQUIRE(drop.logged(
      "sftp: 127.0.0.1 banned for 2s (ban 1): 2 offenses within 1m, the last a failed login"));
  // Banned: even the right key is turned away, before the key exchange (no session starts).
  const auto blocked_at = std::chrono::steady_clock::now();
  const std::size_t sessions = SftpDrop::count_of(drop.daemon_log(), "sftp: connection ");
  auto refused = drop.sftp("acme", key, "ls\n");
  CHECK(refused.exit_code != 0);
  CHECK(SftpDrop::count_of(drop.daemon_log(), "sftp: connection ") == sessions);
  std::this_thread::sleep_until(blocked_at + 2200ms);
  CHECK(drop.sftp("acme", key, "ls\n").exit_code == 0);
}

TEST_CASE("sftp: the host key is generated once, mode 0600, and kept across restarts") {
  SftpDrop drop;
  const std::string key = drop.make_key("acme_key");
  drop.add_company("acme", key);
  const fs::path host_key = drop.root / ".person-import" / "ssh_host_ed25519_key";
  write_file((drop.inbox("acme") / ".sftp-upload.7.0.stale.persons").string(), "half");
  drop.start();
  REQUIRE(fs::exists(host_key));
  struct stat status {};
  REQUIRE(::stat(host_key.c_str(), &status) == 0);
  CHECK((status.st_mode & 0777) == 0600);
  // A previous run's unfinished upload is removed at start.
  CHECK(drop.logged("sftp: removed 1 unfinished upload(s) of a previous run"));
  CHECK(names_in(drop.inbox("acme")).empty());

  const std::string known_hosts = drop.directory.file("known_hosts");
  const std::string client = " -P " + std::to_string(drop.port) + " -i " + shell_quote(key) +
                             " -F /dev/null -o UserKnownHostsFile=" + shell_quote(known_hosts) +
                             " -o BatchMode=yes -o IdentitiesOnly=yes -o IdentityAgent=none"
                             " acme@127.0.0.1";
  const std::string batch = drop.directory.file("ls-batch");
  write_file(batch, "ls\n");
  REQUIRE(run_command("timeout 20 sftp -b " + shell_quote(batch) +
                      " -o StrictHostKeyChecking=accept-new" + client)
              .exit_code == 0);
  const std::string fingerprint =
      run_command("ssh-keygen -lf " + shell_quote(host_key.string())).out;
  REQUIRE(drop.stop() == 0);
  REQUIRE(drop.start_and_wait() == std::nullopt);
  CHECK(drop.logged("(existing)"));
  CHECK(run_command("ssh-keygen -lf " + shell_quote(host_key.string())).out == fingerprint);
  // The client's known_hosts entry is still valid: strict checking passes.
  auto again = run_command("timeout 20 sftp -b " + shell_quote(batch) +
                           " -o StrictHostKeyChecking=yes" + client);
  INFO(again.err);
  CHECK(again.exit_code == 0);
  // The fingerprint is logged at start, as ssh-keygen prints it.
  const std::string digest = fingerprint.substr(fingerprint.find("SHA256:"), 50);
  CHECK(contains(drop.daemon_log(), digest));
}

TEST_CASE("sftp: a connection dropped mid-upload leaves nothing - SIGTERM ends sessions") {
  SftpDrop drop;
  const std::string key = drop.make_key("acme_key");
  drop.add_company("acme", key);
  drop.start();
  write_file(drop.directory.file("slow.persons"), persons_file(60000, "s-"));  // ~600 KB
  // Throttled to ~100 KB/s by the client (-l, Kbit/s): still writing when it is killed.
  const std::string batch = drop.directory.file("slow-batch");
  write_file(batch, "put slow.persons inbox/\n");
  HeldClient slow("cd " + shell_quote(drop.directory.path().string()) + " && exec sftp -l 800 -b " +
                      shell_quote(batch) + " -P " + std::to_string(drop.port) +
                      drop.client_options(key) + " acme@127.0.0.1",
                  drop.directory.file("slow-out"));
  const bool writing = wait_until(
      [&] {
        for (const auto& name : names_in(drop.inbox("acme"))) {
          if (name.starts_with(".sftp-upload.")) return true;
        }
        return false;
      },
      10s);
  INFO(drop.daemon_log());
  REQUIRE(writing);
  ::kill(slow.pid, SIGKILL);
  CHECK(drop.logged("upload of slow.persons discarded"));
  CHECK(wait_until([&] { return names_in(drop.inbox("acme")).empty(); }, 5s));

  // SIGTERM with a session open: the daemon ends it and exits 0.
  auto held = drop.hold_session("acme", key);
  REQUIRE(
      wait_until([&] { return SftpDrop::count_of(drop.daemon_log(), "acme logged in") == 2; }, 5s));
  CHECK(drop.stop() == 0);
  CHECK(drop.logged("disconnected: server stopping"));
  (void)held->send("ls\n");
  CHECK(held->wait(5s).has_value());
  std::this_thread::sleep_for(200ms);
  CHECK(drop.jobs("acme").empty());
}

TEST_CASE("sftp: a listen address that cannot be bound is a start-up error") {
  const int busy_fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(busy_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  REQUIRE(::listen(busy_fd, 1) == 0);
  socklen_t length = sizeof address;
  REQUIRE(::getsockname(busy_fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  SftpDrop drop;
  write_file(drop.config,
             "sftp_listen = \"127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "\"\n");
  const auto exited = drop.start_and_wait();
  ::close(busy_fd);
  INFO(drop.daemon_log());
  CHECK(exited == 1);
  CHECK(contains(drop.daemon_log(), "cannot start: cannot listen on 127.0.0.1:"));
}

TEST_CASE("sftp: 20 parallel uploads from 4 companies are each imported exactly once") {
  // 20 clients at once, all from 127.0.0.1 here: more than one address would have not logged
  // in yet at the same moment.
  SftpDrop drop(
      "sftp_max_sessions_per_company = 5\nworkers = 4\nsftp_max_unauthenticated_per_address = "
      "32\n");
  const std::vector<std::string> companies = {"north", "south", "east", "west"};
  std::map<std::string, std::string> keys;
  for (const auto& company : companies) {
    keys[company] = drop.make_key(company + "_key");
    drop.add_company(company, keys[company]);
  }
  drop.start();
  std::string script;
  for (const auto& company : companies) {
    for (int index = 1; index <= 5; ++index) {
      const std::string name = company + "-" + std::to_string(index) + ".persons";
      write_file(drop.directory.file(name),
                 persons_file(10 + index, company + std::to_string(index) + "-"));
      const std::string batch = drop.directory.file("batch-" + name);
      write_file(batch, "put " + name + " inbox/\n");
      script += drop.sftp_command(company, keys[company], batch) + " & pids=\"$pids $!\"\n";
    }
  }
  script += "status=0; for pid in $pids; do wait $pid || status=1; done; exit $status\n";
  const std::string script_path = drop.directory.file("parallel.sh");
  write_file(script_path, script);
  auto uploads = run_command("sh " + shell_quote(script_path));
  INFO(uploads.err);
  INFO(drop.daemon_log());
  REQUIRE(uploads.exit_code == 0);
  for (const auto& company : companies) {
    for (int index = 1; index <= 5; ++index) {
      const std::string name = company + "-" + std::to_string(index) + ".persons";
      INFO(name);
      CHECK(drop.wait_for_result(company, name)["created"] == 10 + index);
    }
  }
  std::this_thread::sleep_for(500ms);  // a second import would have shown by now
  const std::string log = drop.daemon_log();
  for (const auto& company : companies) {
    INFO(company);
    CHECK(drop.jobs(company).size() == 5);
    // 11 + 12 + 13 + 14 + 15 persons, each created once.
    const std::string exported = drop.cli("--company " + company + " persons export").out;
    CHECK(std::count(exported.begin(), exported.end(), '\n') == 65);
    for (int index = 1; index <= 5; ++index) {
      const std::string name = company + "-" + std::to_string(index) + ".persons";
      CHECK(SftpDrop::count_of(log, company + "/" + name + ": picked up") == 1);
      CHECK(SftpDrop::count_of(log, "sftp: " + company + " uploaded " + name) == 1);
    }
  }
}

TEST_CASE("sftp: companies add/keys/remove-key manage logins without a restart") {
  SftpDrop drop;
  const std::string first = drop.make_key("first_key");
  const std::string second = drop.make_key("second_key");
  drop.add_company("acme", first);
  // A bad line anywhere refuses the whole command: nothing is added.
  const std::string bad = drop.directory.file("bad.pub");
  write_file(bad, read_file(second + ".pub") + "ssh-ed25519 AAAAtruncated\n");
  auto refused = drop.cli("companies add acme --authorized-key " + shell_quote(bad));
  CHECK(refused.exit_code == 1);
  CHECK(contains(refused.err, "bad.pub: line 2:"));
  auto listed = drop.cli("companies keys acme");
  REQUIRE(listed.exit_code == 0);
  CHECK(std::count(listed.out.begin(), listed.out.end(), '\n') == 1);

  drop.start();
  write_file(drop.directory.file("a.persons"), persons_file(1, "a-"));
  CHECK(drop.sftp("acme", second, "ls\n").exit_code != 0);
  // Added while the daemon runs: the next login sees it.
  REQUIRE(
      drop.cli("companies add acme --authorized-key " + shell_quote(second + ".pub")).exit_code ==
      0);
  CHECK(drop.sftp("acme", second, "ls\n").exit_code == 0);

  listed = drop.cli("companies keys acme");
  const std::string fingerprint_line =
      run_command("ssh-keygen -lf " + shell_quote(second + ".pub")).out;
  const std::string fingerprint = fingerprint_line.substr(fingerprint_line.find("SHA256:"), 50);
  CHECK(contains(listed.out, "ssh-ed25519 " + fingerprint + " second_key\n"));
  CHECK(std::count(listed.out.begin(), listed.out.end(), '\n') == 2);

  auto removed = drop.cli("companies remove-key acme " + fingerprint);
  CHECK(removed.exit_code == 0);
  CHECK(drop.sftp("acme", second, "ls\n").exit_code != 0);
  CHECK(drop.sftp("acme", first, "ls\n").exit_code == 0);
  auto again = drop.cli("companies remove-key acme " + fingerprint);
  CHECK(again.exit_code == 1);
  CHECK(contains(again.err, "company acme has no key " + fingerprint));
  CHECK(drop.cli("companies keys nobody").exit_code == 1);
}

TEST_CASE(
    "sftp: regression: long file names lose results - names over 200 bytes are refused at "
    "upload with the limit, 200 bytes are imported with every result file") {
  SftpDrop drop;
  const std::string key = drop.make_key("acme_key");
  drop.add_company("acme", key);
  drop.start();
  // The longest name served, and names past it up to NAME_MAX (the local file has a short
  // name: `put` names the remote one).
  const std::string longest = std::string(200 - 8, 'l') + ".persons";
  write_file(drop.directory.file("bad.persons"), persons_file(3, "n-") + "n-x,not-a-number\n");
  std::string script = "put bad.persons inbox/" + longest + "\n";
  for (const std::size_t length : {201u, 231u, 239u, 240u, 247u}) {
    script += "-put bad.persons inbox/" + std::string(length - 8, 'x') + ".persons\n";
  }
  auto session = drop.sftp("acme", key, script);
  INFO(session.out + session.err);
  INFO(drop.daemon_log());
  REQUIRE(session.exit_code == 0);
  // OpenSSH's sftp shows the status code only ("Failure"); the message goes with it, for
  // clients that show it, and to the log.
  CHECK(contains(session.err, "Failure"));
  CHECK(drop.logged("sftp: acme cannot upload inbox/" + std::string(201 - 8, 'x') +
                    ".persons from 127.0.0.1: name too long: 201 bytes; the daemon takes upload "
                    "names of up to 200 bytes: upload it under a shorter name"));
  const auto result = drop.wait_for_result("acme", longest);
  CHECK(result["created"] == 3);
  CHECK(result["failed"] == 1);
  for (const char* suffix : {".errors.csv", ".failed.persons", ".created.csv"}) {
    CHECK(fs::exists(drop.outbox("acme") / (longest + suffix)));
  }
  // Nothing of the refused ones reached the inbox, not even a temporary.
  CHECK(names_in(drop.inbox("acme")).empty());
  CHECK(drop.jobs("acme").size() == 1);
  // Nor can a rename give an upload a name too long.
  auto renamed = drop.sftp("acme", key,
                           "put bad.persons inbox/short.txt\n-rename inbox/short.txt inbox/" +
                               std::string(240, 'r') + "\n");
  INFO(renamed.out + renamed.err);
  CHECK(renamed.exit_code == 0);
  CHECK(names_in(drop.inbox("acme")) == std::vector<std::string>{"short.txt"});
}

namespace {

// A TCP connection to 127.0.0.1:`port` from `source` (another loopback address), that sends
// nothing: what a pre-auth flood holds open. -1 when it could not connect.
int idle_connection(const char* source, int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in from{};
  from.sin_family = AF_INET;
  ::inet_pton(AF_INET, source, &from.sin_addr);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<std::uint16_t>(port));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// `command` (SftpDrop::sftp_command) connecting from `source`.
std::string from_address(std::string command, const std::string& source) {
  const std::size_t at = command.find("sftp -b ");
  return command.replace(at, 5, "sftp -o BindAddress=" + source + " ");
}

}  // namespace

TEST_CASE(
    "sftp: regression: pre-auth connections lock everyone out - one address's idle connections "
    "are capped and banned while other clients log in") {
  SftpDrop drop;  // the defaults: 64 sessions, 8 not logged in per address
  const std::string key = drop.make_key("acme_key");
  drop.add_company("acme", key);
  drop.start();
  // The attack of the report: 80 idle connections from one address, over max_sessions.
  std::vector<int> flood;
  for (int index = 0; index < 80; ++index) flood.push_back(idle_connection("127.0.0.2", drop.port));
  INFO(drop.daemon_log());
  CHECK(
      drop.logged("sftp: connection from 127.0.0.2 refused: 8 connections from it have not "
                  "logged in yet (sftp_max_unauthenticated_per_address)"));
  CHECK(
      drop.logged("sftp: 127.0.0.2 banned for 1m (ban 1): 5 offenses within 1m, the last a "
                  "connection over sftp_max_unauthenticated_per_address"));
  // Another address logs in and works while the flood holds its connections.
  write_file(drop.directory.file("during.persons"), persons_file(2, "f-"));
  auto upload = drop.sftp("acme", key, "put during.persons inbox/\n");
  INFO(upload.out + upload.err);
  CHECK(upload.exit_code == 0);
  CHECK(drop.wait_for_result("acme", "during.persons")["created"] == 2);
  // The banned address is refused at once, even with the right key; the ban was said once.
  const std::string batch = drop.directory.file("ls-batch");
  write_file(batch, "ls\n");
  auto banned = run_command(from_address(drop.sftp_command("acme", key, batch), "127.0.0.2"));
  CHECK(banned.exit_code != 0);
  CHECK(SftpDrop::count_of(drop.daemon_log(), "127.0.0.2 banned for") == 1);
  for (const int fd : flood) {
    if (fd >= 0) ::close(fd);
  }
}

TEST_CASE("sftp: an idle connection is closed at the login grace time and counts as an offense") {
  SftpDrop drop(
      "sftp_login_grace_time = \"300ms\"\nsftp_auth_failure_limit = 2\n"
      "sftp_auth_block_time = \"10m\"\n");
  const std::string key = drop.make_key("acme_key");
  drop.add_company("acme", key);
  drop.start();
  const int first = idle_connection("127.0.0.3", drop.port);
  CHECK(drop.logged("closed without login: login grace time over"));
  const int second = idle_connection("127.0.0.3", drop.port);
  INFO(drop.daemon_log());
  CHECK(
      drop.logged("sftp: 127.0.0.3 banned for 10m (ban 1): 2 offenses within 1m, the last a "
                  "connection idle until the login grace time"));
  ::close(first);
  ::close(second);
  // Other addresses are not touched.
  CHECK(drop.sftp("acme", key, "ls\n").exit_code == 0);
}

TEST_CASE(
    "sftp: sftp_allow_from serves the listed ranges only, refusing others before the key "
    "exchange") {
  SftpDrop drop("sftp_allow_from = [\"127.0.0.2/32\", \"10.0.0.0/8\"]\n");
  const std::string key = drop.make_key("acme_key");
  drop.add_company("acme", key);
  drop.start();
  const std::string batch = drop.directory.file("ls-batch");
  write_file(batch, "ls\n");
  auto refused = run_command(drop.sftp_command("acme", key, batch));  // from 127.0.0.1
  INFO(refused.out + refused.err);
  INFO(drop.daemon_log());
  CHECK(refused.exit_code != 0);
  CHECK(drop.logged("sftp: connection from 127.0.0.1 refused: not in sftp_allow_from"));
  CHECK_FALSE(contains(drop.daemon_log(), "sftp: connection 1 from 127.0.0.1"));
  auto allowed = run_command(from_address(drop.sftp_command("acme", key, batch), "127.0.0.2"));
  INFO(allowed.out + allowed.err);
  CHECK(allowed.exit_code == 0);
  CHECK(drop.logged("sftp: acme logged in from 127.0.0.2"));
}
