#include "daemon/sftp/sftp_server.h"
#include "core/common/system_error_text.h"

#include <arpa/inet.h>
#include <fcntl.h>
// The SFTP server half of libssh's API is declared only for servers.
#define WITH_SERVER 1
#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libssh/server.h>
#include <libssh/sftp.h>
#include <netinet/in.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <list>
#include <map>
#include <mutex>
#include <thread>

#include "core/common/company_key.h"
#include "core/common/listen_address.h"
#include "daemon/sftp/company_folder.h"
#include "daemon/sftp/defender.h"
#include "daemon/sftp/host_key.h"
#include "daemon/sftp/public_keys.h"
#include "daemon/sftp/virtual_path.h"

namespace person_import::sftp {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// How often the accept thread wakes to enforce timeouts and reap finished sessions.
constexpr auto kTick = 100ms;
// Why a connection that never logged in was closed by the timeout (an offense, defender.h).
constexpr const char* kLoginGraceOver = "login grace time over";
// The longest ban (each ban of an address doubles the one before) and how many addresses the
// defender remembers.
constexpr std::chrono::milliseconds kMaxBanTime = std::chrono::hours{24};
constexpr std::size_t kMaxBannedAddresses = 10000;

// "90s", "2m", "1h", "250ms": a duration as the configuration writes it.
std::string daemon_duration(std::chrono::milliseconds duration) {
  const auto count = duration.count();
  if (count % 3600000 == 0) return std::to_string(count / 3600000) + "h";
  if (count % 60000 == 0) return std::to_string(count / 60000) + "m";
  if (count % 1000 == 0) return std::to_string(count / 1000) + "s";
  return std::to_string(count) + "ms";
}

// Connections not logged in that the server takes at once: half of max_sessions, rounded up.
int max_unauthenticated(const SftpServerOptions& options) {
  return std::max(1, (options.max_sessions + 1) / 2);
}
// The most bytes one SSH_FXP_READ returns (OpenSSH asks for 32 KiB to 255 KiB).
constexpr std::uint32_t kMaxReadLength = 256 * 1024;
// Directory entries per SSH_FXP_NAME reply: well below the clients' packet limits.
constexpr std::size_t kNamesPerReply = 100;

// A client-supplied name, safe on a log line.
std::string printable(std::string_view text) {
  std::string out;
  for (const char c : text.substr(0, 300)) {
    const auto byte = static_cast<unsigned char>(c);
    out += (byte < 0x20 || byte == 0x7f) ? '?' : c;
  }
  return out;
}

std::string peer_address(int fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return "?";
  char text[INET6_ADDRSTRLEN] = "?";
  if (address.ss_family == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&address)->sin_addr, text, sizeof text);
  } else if (address.ss_family == AF_INET6) {
    ::inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&address)->sin6_addr, text, sizeof text);
  }
  return text;
}

std::string long_name(const EntryInfo& entry) {
  std::string mode = entry.directory ? "d" : "-";
  const char* letters = "rwxrwxrwx";
  for (int bit = 0; bit < 9; ++bit) mode += (entry.mode & (0400u >> bit)) ? letters[bit] : '-';
  char date[32] = "";
  const std::time_t mtime = static_cast<std::time_t>(entry.mtime);
  std::tm parts{};
  if (::gmtime_r(&mtime, &parts) != nullptr)
    std::strftime(date, sizeof date, "%b %e %H:%M", &parts);
  char line[512];
  std::snprintf(line, sizeof line, "%s    1 %-8u %-8u %12llu %s %s", mode.c_str(), entry.uid,
                entry.gid, static_cast<unsigned long long>(entry.size), date, entry.name.c_str());
  return line;
}

// libssh's attribute struct for `entry` (version 3 fields only).
sftp_attributes_struct attributes_of(const EntryInfo& entry) {
  sftp_attributes_struct attributes{};
  attributes.flags = SSH_FILEXFER_ATTR_SIZE | SSH_FILEXFER_ATTR_PERMISSIONS |
                     SSH_FILEXFER_ATTR_ACMODTIME | SSH_FILEXFER_ATTR_UIDGID;
  attributes.type = entry.directory ? SSH_FILEXFER_TYPE_DIRECTORY : SSH_FILEXFER_TYPE_REGULAR;
  attributes.size = entry.size;
  attributes.uid = entry.uid;
  attributes.gid = entry.gid;
  attributes.permissions = entry.mode;
  attributes.atime = static_cast<std::uint32_t>(entry.atime);
  attributes.mtime = static_cast<std::uint32_t>(entry.mtime);
  return attributes;
}

// The new path of a rename: libssh keeps it as the message's binary `data`.
std::string second_path(sftp_client_message message) {
  if (message->str_data != nullptr) return message->str_data;
  if (message->data == nullptr) return "";
  return std::string(static_cast<const char*>(ssh_string_data(message->data)),
                     ssh_string_len(message->data));
}

std::uint32_t sftp_status_of(const FolderStatus& status) {
  switch (status.kind) {
    case FolderStatus::Kind::kOk:
      return SSH_FX_OK;
    case FolderStatus::Kind::kNoSuchFile:
      return SSH_FX_NO_SUCH_FILE;
    case FolderStatus::Kind::kPermissionDenied:
      return SSH_FX_PERMISSION_DENIED;
    case FolderStatus::Kind::kAlreadyExists:
      // SFTP v3 has no "already exists": OpenSSH's server answers a rename onto an existing
      // name with a failure too.
    case FolderStatus::Kind::kTooLarge:
    case FolderStatus::Kind::kFailure:
      return SSH_FX_FAILURE;
  }
  return SSH_FX_FAILURE;
}

class Server;

// One connection, on its own thread: key exchange, authentication, then the SFTP requests.
class Session {
 public:
  Session(Server& server, ssh_session session, std::uint64_t id, std::string address)
      : server_(server), session_(session), id_(id), address_(std::move(address)) {}
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void run();
  const std::string& address() const { return address_; }

  // Shared with the accept thread (under Server::mutex_ where noted).
  std::thread thread;
  std::atomic<bool> finished{false};
  std::atomic<bool> authenticated{false};
  std::atomic<Clock::rep> last_activity{0};
  const Clock::time_point started = Clock::now();
  int fd = -1;               // the socket, while socket_open (Server::mutex_)
  bool socket_open = false;  // Server::mutex_
  std::atomic<const char*> closed_because{nullptr};

 private:
  // What one open SFTP handle refers to.
  struct Handle {
    enum class Kind { kDirectory, kReadFile, kUpload } kind = Kind::kDirectory;
    std::vector<EntryInfo> entries;  // kDirectory
    std::size_t next_entry = 0;
    int fd = -1;                     // kReadFile
    std::unique_ptr<Upload> upload;  // kUpload
    std::string failure;             // kUpload: why it was discarded
    ~Handle() {
      if (fd >= 0) ::close(fd);
    }
  };

  static int on_auth_pubkey(ssh_session, const char* user, ssh_key key, char state, void* self) {
    return static_cast<Session*>(self)->auth_pubkey(user, key, state);
  }
  static int on_auth_password(ssh_session, const char* user, const char*, void* self) {
    return static_cast<Session*>(self)->auth_refused(user, "password");
  }
  static ssh_channel on_channel_open(ssh_session, void* self) {
    return static_cast<Session*>(self)->channel_open();
  }
  static int on_subsystem(ssh_session, ssh_channel, const char* name, void* self) {
    return static_cast<Session*>(self)->subsystem(name);
  }
  static int on_shell(ssh_session, ssh_channel, void* self) {
    static_cast<Session*>(self)->refuse_request("shell");
    return 1;
  }
  static int on_exec(ssh_session, ssh_channel, const char*, void* self) {
    static_cast<Session*>(self)->refuse_request("exec");
    return 1;
  }
  static int on_pty(ssh_session, ssh_channel, const char*, int, int, int, int, void* self) {
    static_cast<Session*>(self)->refuse_request("pty");
    return -1;
  }
  static int on_env(ssh_session, ssh_channel, const char*, const char*, void*) {
    return 1;  // OpenSSH clients send LANG; refused silently, as it changes nothing here
  }

  int auth_pubkey(const char* user, ssh_key key, char state);
  int auth_refused(const char* user, const char* method);
  ssh_channel channel_open();
  int subsystem(const char* name);
  void refuse_request(const char* what);
  void authenticate_then_serve();
  void serve_sftp();
  void end_channel();
  bool handle(sftp_client_message message);
  void touch() { last_activity = Clock::now().time_since_epoch().count(); }
  Handle* find_handle(sftp_client_message message);
  // Registers `handle` and answers with its id (or with a failure when the table is full).
  void reply_new_handle(sftp_client_message message, std::unique_ptr<Handle> handle);
  void close_handle(Handle* handle);
  void reply_status(sftp_client_message message, const FolderStatus& status);
  void reply_attributes(sftp_client_message message, const EntryInfo& entry);
  void read_file(sftp_client_message message, Handle& handle);
  void write_upload(sftp_client_message message, Handle& handle);
  void rename(sftp_client_message message, const std::string& from, const std::string& to,
              bool overwrite);

  Server& server_;
  ssh_session session_;
  const std::uint64_t id_;
  const std::string address_;
  std::string company_;  // once authenticated
  bool holds_company_slot_ = false;
  int refused_attempts_ = 0;
  bool too_many_attempts_ = false;
  bool sftp_requested_ = false;
  ssh_channel channel_ = nullptr;
  sftp_session sftp_ = nullptr;
  std::unique_ptr<CompanyFolder> folder_;
  std::map<Handle*, std::unique_ptr<Handle>> handles_;
  ssh_server_callbacks_struct server_callbacks_{};
  ssh_channel_callbacks_struct channel_callbacks_{};
};

class Server final : public SftpServer {
 public:
  Server(SftpServerOptions options, std::unique_ptr<AuthorizedKeySource> keys,
         std::string fingerprint)
      : options_(std::move(options)),
        keys_(std::move(keys)),
        defender_(Defender::Settings{options_.auth_failure_limit, options_.auth_failure_window,
                                     options_.auth_block_time, kMaxBanTime, kMaxBannedAddresses}),
        fingerprint_(std::move(fingerprint)) {}
  ~Server() override { stop(); }

  Status listen(const ListenAddress& address);
  void stop() override;
  const std::string& host_key_fingerprint() const override { return fingerprint_; }

  const SftpServerOptions& options() const { return options_; }
  AuthorizedKeySource& keys() { return *keys_; }
  // Records an offense of `address` (defender.h), `what` saying which; logs the ban it starts.
  void record_offense(const std::string& address, const char* what) {
    const auto ban = defender_.record_offense(address, Clock::now());
    if (!ban) return;
    spdlog::warn(
        "sftp: {} banned for {} (ban {}): {} offenses within {}, the last {}; its connections are "
        "refused until then",
        address, daemon_duration(ban->length), ban->number, options_.auth_failure_limit,
        daemon_duration(options_.auth_failure_window), what);
  }
  void record_success(const std::string& address) { defender_.record_success(address); }
  bool stopping() const { return stopping_; }

  // A login of `company`: false when it already has max_sessions_per_company sessions.
  bool claim_company_slot(const std::string& company) {
    std::lock_guard lock(mutex_);
    int& count = company_sessions_[company];
    if (count >= options_.max_sessions_per_company) return false;
    ++count;
    return true;
  }
  void release_company_slot(const std::string& company) {
    std::lock_guard lock(mutex_);
    if (--company_sessions_[company] <= 0) company_sessions_.erase(company);
  }
  // Before the session's socket is closed: the accept thread must not shut down a descriptor
  // number that a later connection may reuse.
  void socket_closing(Session& session) {
    std::lock_guard lock(mutex_);
    session.socket_open = false;
  }

 private:
  void accept_loop();
  void accept_one();
  void enforce_timeouts();
  void reap(bool all);

  const SftpServerOptions options_;
  std::unique_ptr<AuthorizedKeySource> keys_;
  Defender defender_;
  const std::string fingerprint_;
  ssh_bind bind_ = nullptr;
  int wake_pipe_[2] = {-1, -1};
  std::thread accept_thread_;
  std::atomic<bool> stopping_{false};
  bool stopped_ = false;
  std::uint64_t next_id_ = 1;

  std::mutex mutex_;                              // sessions_' socket fields, company_sessions_
  std::list<std::unique_ptr<Session>> sessions_;  // the accept thread's only
  std::map<std::string, int> company_sessions_;
};

// ---- Session ----------------------------------------------------------------------------------

Session::~Session() {
  if (thread.joinable()) thread.join();
}

void Session::run() {
  spdlog::info("sftp: connection {} from {}", id_, address_);
  authenticate_then_serve();
  // Whatever a client had open ends here: unfinished uploads are discarded (their Upload
  // deletes its temporary), read files closed.
  for (auto& [pointer, handle] : handles_) {
    if (handle->upload) {
      spdlog::warn(
          "sftp: {} from {}: upload of {} discarded ({} bytes received): the connection "
          "ended before the file was closed",
          company_, address_, printable(handle->upload->name()), handle->upload->bytes());
    }
  }
  handles_.clear();
  if (sftp_ != nullptr) sftp_server_free(sftp_);
  if (channel_ != nullptr) {
    if (!ssh_channel_is_closed(channel_)) ssh_channel_close(channel_);
    ssh_channel_free(channel_);
  }
  const bool was_authenticated = authenticated;
  if (holds_company_slot_) server_.release_company_slot(company_);
  const char* reason = closed_because.load();
  // The session may see the stop (and end) before stop() has set closed_because.
  if (reason == nullptr && server_.stopping()) reason = "server stopping";
  if (!was_authenticated && refused_attempts_ > 0) {
    server_.record_offense(address_, "a failed login");
  } else if (!was_authenticated && reason != nullptr &&
             std::string_view(reason) == kLoginGraceOver) {
    server_.record_offense(address_, "a connection idle until the login grace time");
  }
  server_.socket_closing(*this);
  ssh_disconnect(session_);
  ssh_free(session_);
  if (was_authenticated) {
    spdlog::info("sftp: {} from {} disconnected{}{}", company_, address_, reason ? ": " : "",
                 reason ? reason : "");
  } else {
    spdlog::info("sftp: connection {} from {} closed without login{}{}", id_, address_,
                 reason ? ": " : "", reason ? reason : "");
  }
  finished = true;
}

void Session::authenticate_then_serve() {
  ssh_set_auth_methods(session_, SSH_AUTH_METHOD_PUBLICKEY);
  server_callbacks_.userdata = this;
  server_callbacks_.auth_pubkey_function = &Session::on_auth_pubkey;
  server_callbacks_.auth_password_function = &Session::on_auth_password;
  server_callbacks_.channel_open_request_session_function = &Session::on_channel_open;
  ssh_callbacks_init(&server_callbacks_);
  ssh_set_server_callbacks(session_, &server_callbacks_);

  if (ssh_handle_key_exchange(session_) != SSH_OK) {
    spdlog::info("sftp: connection {} from {}: key exchange failed: {}", id_, address_,
                 ssh_get_error(session_));
    return;
  }
  // Until the client asks for the sftp subsystem: authentication and the channel, driven by
  // libssh's callbacks. Requests nobody handles get libssh's default answer, a refusal (global
  // requests such as tcpip-forward, direct-tcpip channels, x11, agent forwarding).
  ssh_event event = ssh_event_new();
  ssh_event_add_session(event, session_);
  while (!sftp_requested_ && !server_.stopping()) {
    if (ssh_event_dopoll(event, static_cast<int>(kTick.count())) == SSH_ERROR) break;
    if ((ssh_get_status(session_) & (SSH_CLOSED | SSH_CLOSED_ERROR)) != 0) break;
    if (too_many_attempts_) {
      spdlog::warn("sftp: connection {} from {}: {} refused authentication attempts: closed", id_,
                   address_, refused_attempts_);
      break;
    }
  }
  ssh_event_remove_session(event, session_);
  ssh_event_free(event);
  if (!sftp_requested_ || server_.stopping()) return;
  serve_sftp();
}

int Session::auth_refused(const char* user, const char* method) {
  ++refused_attempts_;
  if (refused_attempts_ >= server_.options().max_auth_tries) too_many_attempts_ = true;
  spdlog::warn("sftp: login refused: user \"{}\" from {} ({})", printable(user ? user : ""),
               address_, method);
  return SSH_AUTH_DENIED;
}

int Session::auth_pubkey(const char* user, ssh_key key, char state) {
  const std::string name = user ? user : "";
  if (authenticated || too_many_attempts_) return SSH_AUTH_DENIED;
  if (state != SSH_PUBLICKEY_STATE_NONE && state != SSH_PUBLICKEY_STATE_VALID) {
    return auth_refused(user, "bad signature");
  }
  const std::string fingerprint = fingerprint_of(key);
  bool authorized = false;
  if (validate_company_key(name).ok()) {
    auto lines = server_.keys().authorized_keys(name);
    if (!lines.ok()) {
      spdlog::error("sftp: cannot read the authorized keys of {}: {}", name, lines.error().message);
    } else {
      authorized = std::any_of(lines->begin(), lines->end(), [&](const std::string& line) {
        return key_line_matches(line, key);
      });
    }
  }
  if (!authorized) {
    const std::string method = "publickey " + fingerprint;
    return auth_refused(user, method.c_str());
  }
  // The client only asks whether this key would do; it proves it holds the key next.
  if (state == SSH_PUBLICKEY_STATE_NONE) return SSH_AUTH_SUCCESS;
  if (!server_.claim_company_slot(name)) {
    spdlog::warn("sftp: login refused: {} from {}: {} sessions of this company already", name,
                 address_, server_.options().max_sessions_per_company);
    return SSH_AUTH_DENIED;
  }
  holds_company_slot_ = true;
  std::unique_ptr<CompanyFolder> folder;
  const FolderStatus opened = CompanyFolder::open(server_.options().drop_root, name, folder);
  if (!opened.ok()) {
    spdlog::error("sftp: login refused: {} from {}: its folder cannot be opened: {}", name,
                  address_, opened.message);
    return SSH_AUTH_DENIED;
  }
  folder_ = std::move(folder);
  company_ = name;
  touch();
  authenticated = true;
  server_.record_success(address_);
  spdlog::info("sftp: {} logged in from {} (key {})", company_, address_, fingerprint);
  return SSH_AUTH_SUCCESS;
}

ssh_channel Session::channel_open() {
  // One session channel per connection, and only once logged in.
  if (!authenticated || channel_ != nullptr) return nullptr;
  channel_ = ssh_channel_new(session_);
  if (channel_ == nullptr) return nullptr;
  channel_callbacks_.userdata = this;
  channel_callbacks_.channel_subsystem_request_function = &Session::on_subsystem;
  channel_callbacks_.channel_shell_request_function = &Session::on_shell;
  channel_callbacks_.channel_exec_request_function = &Session::on_exec;
  channel_callbacks_.channel_pty_request_function = &Session::on_pty;
  channel_callbacks_.channel_env_request_function = &Session::on_env;
  ssh_callbacks_init(&channel_callbacks_);
  ssh_set_channel_callbacks(channel_, &channel_callbacks_);
  return channel_;
}

int Session::subsystem(const char* name) {
  if (std::strcmp(name, "sftp") == 0 && !sftp_requested_) {
    sftp_requested_ = true;
    return 0;
  }
  refuse_request(("subsystem " + printable(name)).c_str());
  return 1;
}

void Session::refuse_request(const char* what) {
  spdlog::warn("sftp: {} from {}: {} refused (only the sftp subsystem is served)", company_,
               address_, what);
}

void Session::serve_sftp() {
  sftp_ = sftp_server_new(session_, channel_);
  if (sftp_ == nullptr || sftp_server_init(sftp_) < 0) {
    spdlog::warn("sftp: {} from {}: SFTP initialisation failed: {}", company_, address_,
                 ssh_get_error(session_));
    return;
  }
  // Blocking reads: the accept thread shuts the socket down to end an idle session or on stop,
  // which makes the read fail here.
  while (!server_.stopping()) {
    sftp_client_message message = sftp_get_client_message(sftp_);
    if (message == nullptr) break;
    touch();
    const bool keep_going = handle(message);
    sftp_client_message_free(message);
    if (!keep_going) break;
  }
  if (closed_because.load() == nullptr && !server_.stopping()) end_channel();
}

// The client ended the SFTP session. OpenSSH's client then waits for the server to end the
// channel (exit status, EOF, close) and closes the connection itself; a server that drops the
// connection first makes it print "Connection to … closed by remote host" after every
// transfer. So the channel is ended properly, and the client given a second to go.
void Session::end_channel() {
  if (channel_ == nullptr || ssh_channel_is_closed(channel_)) return;
  ssh_channel_request_send_exit_status(channel_, 0);
  ssh_channel_send_eof(channel_);
  ssh_channel_close(channel_);
  ssh_blocking_flush(session_, 1000);
  ssh_event event = ssh_event_new();
  ssh_event_add_session(event, session_);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{1};
  while (std::chrono::steady_clock::now() < deadline && !server_.stopping() &&
         closed_because.load() == nullptr) {
    if (ssh_event_dopoll(event, static_cast<int>(kTick.count())) == SSH_ERROR) break;
    if ((ssh_get_status(session_) & (SSH_CLOSED | SSH_CLOSED_ERROR)) != 0) break;
  }
  ssh_event_remove_session(event, session_);
  ssh_event_free(event);
}

Session::Handle* Session::find_handle(sftp_client_message message) {
  if (message->handle == nullptr) return nullptr;
  auto* pointer = static_cast<Handle*>(sftp_handle(sftp_, message->handle));
  // Only our own pointers are trusted, whatever the handle table holds.
  return handles_.count(pointer) != 0 ? pointer : nullptr;
}

void Session::reply_new_handle(sftp_client_message message, std::unique_ptr<Handle> handle) {
  ssh_string id = sftp_handle_alloc(sftp_, handle.get());
  if (id == nullptr) {
    sftp_reply_status(message, SSH_FX_FAILURE, "too many open handles");
    return;
  }
  sftp_reply_handle(message, id);
  ssh_string_free(id);
  handles_.emplace(handle.get(), std::move(handle));
}

void Session::close_handle(Handle* handle) {
  sftp_handle_remove(sftp_, handle);
  handles_.erase(handle);
}

void Session::reply_status(sftp_client_message message, const FolderStatus& status) {
  const std::uint32_t code = sftp_status_of(status);
  std::string text = status.ok() ? "" : status.message;
  if (status.kind == FolderStatus::Kind::kTooLarge) text = "file too large";
  sftp_reply_status(message, code, text.c_str());
}

void Session::reply_attributes(sftp_client_message message, const EntryInfo& entry) {
  sftp_attributes_struct attributes = attributes_of(entry);
  sftp_reply_attr(message, &attributes);
}

bool Session::handle(sftp_client_message message) {
  using Kind = VirtualLocation::Kind;
  const std::string filename = message->filename ? message->filename : "";
  auto denied = [&] { sftp_reply_status(message, SSH_FX_PERMISSION_DENIED, "permission denied"); };
  auto no_such_file = [&] { sftp_reply_status(message, SSH_FX_NO_SUCH_FILE, "no such file"); };
  switch (message->type) {
    case SSH_FXP_REALPATH: {
      // Lexical only: ".." at "/" stays at "/".
      const std::string resolved = resolve_virtual_path(filename);
      sftp_attributes_struct attributes{};
      sftp_reply_name(message, resolved.c_str(), &attributes);
      return true;
    }
    case SSH_FXP_STAT:
    case SSH_FXP_LSTAT: {
      const VirtualLocation location = locate(filename);
      if (!is_allowed(Operation::kStat, location)) {
        no_such_file();
        return true;
      }
      EntryInfo entry;
      const FolderStatus status = folder_->stat(location, entry);
      if (!status.ok()) {
        reply_status(message, status);
      } else {
        reply_attributes(message, entry);
      }
      return true;
    }
    case SSH_FXP_FSTAT: {
      Handle* handle = find_handle(message);
      const int fd = handle == nullptr                         ? -1
                     : handle->kind == Handle::Kind::kReadFile ? handle->fd
                     : handle->upload                          ? handle->upload->fd()
                                                               : -1;
      struct stat status {};
      if (fd < 0 || ::fstat(fd, &status) != 0) {
        sftp_reply_status(message, SSH_FX_INVALID_HANDLE, "invalid handle");
        return true;
      }
      reply_attributes(message, entry_info("", status));
      return true;
    }
    case SSH_FXP_OPENDIR: {
      const VirtualLocation location = locate(filename);
      if (!is_allowed(Operation::kList, location)) {
        location.kind == Kind::kNone ? no_such_file() : denied();
        return true;
      }
      auto handle = std::make_unique<Handle>();
      const FolderStatus status = folder_->list(location, handle->entries);
      if (!status.ok()) {
        reply_status(message, status);
        return true;
      }
      reply_new_handle(message, std::move(handle));
      return true;
    }
    case SSH_FXP_READDIR: {
      Handle* handle = find_handle(message);
      if (handle == nullptr || handle->kind != Handle::Kind::kDirectory) {
        sftp_reply_status(message, SSH_FX_INVALID_HANDLE, "invalid handle");
        return true;
      }
      if (handle->next_entry >= handle->entries.size()) {
        sftp_reply_status(message, SSH_FX_EOF, nullptr);
        return true;
      }
      const std::size_t end = std::min(handle->entries.size(), handle->next_entry + kNamesPerReply);
      for (; handle->next_entry < end; ++handle->next_entry) {
        const EntryInfo& entry = handle->entries[handle->next_entry];
        sftp_attributes_struct attributes = attributes_of(entry);
        sftp_reply_names_add(message, entry.name.c_str(), long_name(entry).c_str(), &attributes);
      }
      sftp_reply_names(message);
      return true;
    }
    case SSH_FXP_OPEN: {
      const VirtualLocation location = locate(filename);
      const std::uint32_t flags = message->flags;
      auto handle = std::make_unique<Handle>();
      if ((flags & SSH_FXF_WRITE) != 0) {
        // Reading back an upload is not offered: the inbox is a drop box.
        if ((flags & SSH_FXF_READ) != 0 || !is_allowed(Operation::kWrite, location)) {
          denied();
          return true;
        }
        handle->kind = Handle::Kind::kUpload;
        const FolderStatus status =
            folder_->begin_upload(location, id_, server_.options().max_file_size, handle->upload);
        if (!status.ok()) {
          // The client may show only "Failure": the reason is logged where ops look.
          spdlog::warn("sftp: {} cannot upload inbox/{} from {}: {}", company_,
                       printable(location.name), address_, printable(status.message));
          reply_status(message, status);
          return true;
        }
      } else {
        if (!is_allowed(Operation::kRead, location)) {
          location.kind == Kind::kNone ? no_such_file() : denied();
          return true;
        }
        handle->kind = Handle::Kind::kReadFile;
        const FolderStatus status = folder_->open_for_reading(location, handle->fd);
        if (!status.ok()) {
          reply_status(message, status);
          return true;
        }
      }
      reply_new_handle(message, std::move(handle));
      return true;
    }
    case SSH_FXP_READ: {
      Handle* handle = find_handle(message);
      if (handle == nullptr || handle->kind != Handle::Kind::kReadFile) {
        sftp_reply_status(message, SSH_FX_INVALID_HANDLE, "invalid handle");
        return true;
      }
      read_file(message, *handle);
      return true;
    }
    case SSH_FXP_WRITE: {
      Handle* handle = find_handle(message);
      if (handle == nullptr || handle->kind != Handle::Kind::kUpload) {
        sftp_reply_status(message, SSH_FX_INVALID_HANDLE, "invalid handle");
        return true;
      }
      write_upload(message, *handle);
      return true;
    }
    case SSH_FXP_CLOSE: {
      Handle* handle = find_handle(message);
      if (handle == nullptr) {
        sftp_reply_status(message, SSH_FX_INVALID_HANDLE, "invalid handle");
        return true;
      }
      if (handle->kind == Handle::Kind::kUpload) {
        if (!handle->upload) {
          sftp_reply_status(message, SSH_FX_FAILURE, handle->failure.c_str());
          close_handle(handle);
          return true;
        }
        const std::string name = handle->upload->name();
        const FolderStatus finished_upload = handle->upload->finish();
        if (finished_upload.ok()) {
          spdlog::info("sftp: {} uploaded {} ({} bytes) from {}", company_, printable(name),
                       handle->upload->bytes(), address_);
        } else {
          spdlog::error("sftp: {}: upload of {} failed: {}", company_, printable(name),
                        finished_upload.message);
        }
        reply_status(message, finished_upload);
        handle->upload.reset();
      } else {
        sftp_reply_status(message, SSH_FX_OK, nullptr);
      }
      close_handle(handle);
      return true;
    }
    case SSH_FXP_REMOVE: {
      const VirtualLocation location = locate(filename);
      if (!is_allowed(Operation::kRemove, location)) {
        denied();
        return true;
      }
      const FolderStatus status = folder_->remove(location);
      if (status.ok()) {
        spdlog::info("sftp: {} removed inbox/{} from {}", company_, printable(location.name),
                     address_);
      }
      reply_status(message, status);
      return true;
    }
    case SSH_FXP_RENAME:
      rename(message, filename, second_path(message), false);
      return true;
    case SSH_FXP_EXTENDED: {
      const std::string request = message->submessage ? message->submessage : "";
      if (request == "posix-rename@openssh.com") {
        rename(message, filename, second_path(message), true);
      } else {
        sftp_reply_status(message, SSH_FX_OP_UNSUPPORTED, "unsupported request");
      }
      return true;
    }
    case SSH_FXP_SETSTAT: {
      // Accepted and ignored where the client may see the entry (`put -p`): times and modes
      // of the drop folders are the daemon's.
      const VirtualLocation location = locate(filename);
      EntryInfo entry;
      if (!is_allowed(Operation::kSetStat, location) || !folder_->stat(location, entry).ok()) {
        denied();
      } else {
        sftp_reply_status(message, SSH_FX_OK, nullptr);
      }
      return true;
    }
    case SSH_FXP_FSETSTAT:
      if (find_handle(message) == nullptr) {
        sftp_reply_status(message, SSH_FX_INVALID_HANDLE, "invalid handle");
      } else {
        sftp_reply_status(message, SSH_FX_OK, nullptr);
      }
      return true;
    case SSH_FXP_MKDIR:
    case SSH_FXP_RMDIR:
    case SSH_FXP_SYMLINK:
    case SSH_FXP_READLINK:
      denied();
      return true;
    default:
      sftp_reply_status(message, SSH_FX_OP_UNSUPPORTED, "unsupported request");
      return true;
  }
}

void Session::read_file(sftp_client_message message, Handle& handle) {
  const std::uint32_t length = std::min(message->len, kMaxReadLength);
  std::vector<char> buffer(length);
  ssize_t got = -1;
  do {
    got = ::pread(handle.fd, buffer.data(), length, static_cast<off_t>(message->offset));
  } while (got < 0 && errno == EINTR);
  if (got < 0) {
    reply_status(message, FolderStatus::from_errno(errno, "read"));
  } else if (got == 0) {
    sftp_reply_status(message, SSH_FX_EOF, nullptr);
  } else {
    sftp_reply_data(message, buffer.data(), static_cast<int>(got));
  }
}

void Session::write_upload(sftp_client_message message, Handle& handle) {
  if (!handle.upload) {
    sftp_reply_status(message, SSH_FX_FAILURE, handle.failure.c_str());
    return;
  }
  const std::size_t size = message->data ? ssh_string_len(message->data) : 0;
  const void* data = message->data ? ssh_string_data(message->data) : nullptr;
  const FolderStatus status = handle.upload->write(message->offset, data, size);
  if (status.ok()) {
    sftp_reply_status(message, SSH_FX_OK, nullptr);
    return;
  }
  // One failed write discards the whole upload: a file with a hole must never be imported.
  const std::string name = handle.upload->name();
  if (status.kind == FolderStatus::Kind::kTooLarge) {
    handle.failure = "file too large";
    spdlog::warn("sftp: {}: upload of {} discarded: larger than max_file_size ({} bytes)", company_,
                 printable(name), server_.options().max_file_size);
  } else {
    handle.failure = status.message;
    spdlog::error("sftp: {}: upload of {} discarded: {}", company_, printable(name),
                  status.message);
  }
  handle.upload.reset();
  reply_status(message, status);
}

void Session::rename(sftp_client_message message, const std::string& from, const std::string& to,
                     bool overwrite) {
  const VirtualLocation source = locate(from);
  const VirtualLocation target = locate(to);
  if (!is_allowed(Operation::kRename, source) || !is_allowed(Operation::kRename, target)) {
    sftp_reply_status(message, SSH_FX_PERMISSION_DENIED, "permission denied");
    return;
  }
  const FolderStatus status = folder_->rename(source, target, overwrite);
  if (status.ok()) {
    spdlog::info("sftp: {} renamed inbox/{} to inbox/{} from {}", company_, printable(source.name),
                 printable(target.name), address_);
  } else {
    spdlog::warn("sftp: {} cannot rename inbox/{} to inbox/{} from {}: {}", company_,
                 printable(source.name), printable(target.name), address_,
                 printable(status.message));
  }
  reply_status(message, status);
}

// ---- Server -----------------------------------------------------------------------------------

Status Server::listen(const ListenAddress& address) {
  bind_ = ssh_bind_new();
  if (bind_ == nullptr) return make_error("cannot create the SSH listener");
  // Only our settings: no /etc/ssh/libssh_server_config.
  bool process_config = false;
  ssh_bind_options_set(bind_, SSH_BIND_OPTIONS_PROCESS_CONFIG, &process_config);
  const std::string key_path = options_.host_key_path.string();
  if (ssh_bind_options_set(bind_, SSH_BIND_OPTIONS_BINDADDR, address.host.c_str()) != SSH_OK ||
      ssh_bind_options_set(bind_, SSH_BIND_OPTIONS_BINDPORT_STR, address.port.c_str()) != SSH_OK ||
      ssh_bind_options_set(bind_, SSH_BIND_OPTIONS_HOSTKEY, key_path.c_str()) != SSH_OK) {
    return make_error(std::string("cannot configure the SSH listener: ") + ssh_get_error(bind_));
  }
  if (ssh_bind_listen(bind_) != SSH_OK) {
    return make_error("cannot listen on " + options_.listen_address + ": " + ssh_get_error(bind_));
  }
  if (::pipe2(wake_pipe_, O_CLOEXEC | O_NONBLOCK) != 0) {
    return make_error(std::string("pipe: ") + system_error_text(errno));
  }
  accept_thread_ = std::thread([this] { accept_loop(); });
  return {};
}

void Server::accept_loop() {
  const int listen_fd = ssh_bind_get_fd(bind_);
  while (!stopping_) {
    pollfd entries[2] = {{listen_fd, POLLIN, 0}, {wake_pipe_[0], POLLIN, 0}};
    const int ready = ::poll(entries, 2, static_cast<int>(kTick.count()));
    if (stopping_) break;
    if (ready > 0 && (entries[0].revents & POLLIN) != 0) accept_one();
    enforce_timeouts();
    reap(false);
  }
}

void Server::accept_one() {
  ssh_session session = ssh_new();
  if (session == nullptr) return;
  if (ssh_bind_accept(bind_, session) != SSH_OK) {
    spdlog::warn("sftp: accept failed: {}", ssh_get_error(bind_));
    ssh_free(session);
    return;
  }
  const int fd = ssh_get_fd(session);
  const std::string address = peer_address(fd);
  // Every refusal comes before the key exchange: it costs the server next to nothing.
  const auto refuse = [&](spdlog::level::level_enum level, const std::string& why) {
    spdlog::log(level, "sftp: connection from {} refused: {}", address, why);
    ssh_free(session);
  };
  if (defender_.is_banned(address, Clock::now())) {
    // Said once, when the ban began: a banned flood would flood the log.
    refuse(spdlog::level::debug, "banned");
    return;
  }
  if (!is_allowed_address(options_.allow_from, address)) {
    refuse(spdlog::level::warn, "not in sftp_allow_from");
    record_offense(address, "a connection from outside sftp_allow_from");
    return;
  }
  reap(false);  // sessions that just ended no longer count
  int unauthenticated = 0;
  int unauthenticated_here = 0;
  for (const auto& other : sessions_) {
    if (other->authenticated || other->finished) continue;
    ++unauthenticated;
    if (other->address() == address) ++unauthenticated_here;
  }
  if (unauthenticated_here >= options_.max_unauthenticated_per_address) {
    refuse(spdlog::level::warn, std::to_string(unauthenticated_here) +
                                    " connections from it have not logged in yet "
                                    "(sftp_max_unauthenticated_per_address)");
    record_offense(address, "a connection over sftp_max_unauthenticated_per_address");
    return;
  }
  if (static_cast<int>(sessions_.size()) >= options_.max_sessions) {
    refuse(spdlog::level::warn,
           std::to_string(options_.max_sessions) + " sessions already (max_sessions)");
    return;
  }
  // Connections that have not logged in never take the half of max_sessions kept for sessions
  // that have: a flood from many addresses cannot push logged-in clients out.
  if (unauthenticated >= max_unauthenticated(options_)) {
    refuse(spdlog::level::warn, std::to_string(unauthenticated) +
                                    " connections have not logged in yet (half of max_sessions)");
    return;
  }
  auto owned = std::make_unique<Session>(*this, session, next_id_++, address);
  Session* raw = owned.get();
  {
    std::lock_guard lock(mutex_);
    raw->fd = fd;
    raw->socket_open = true;
  }
  sessions_.push_back(std::move(owned));
  raw->thread = std::thread([raw] { raw->run(); });
}

void Server::enforce_timeouts() {
  const auto now = Clock::now();
  std::lock_guard lock(mutex_);
  for (auto& session : sessions_) {
    if (!session->socket_open || session->closed_because.load() != nullptr) continue;
    const char* reason = nullptr;
    if (!session->authenticated) {
      if (now - session->started >= options_.login_grace_time) reason = kLoginGraceOver;
    } else {
      const Clock::time_point last{Clock::duration{session->last_activity.load()}};
      if (now - last >= options_.idle_timeout) reason = "idle timeout";
    }
    if (reason == nullptr) continue;
    session->closed_because = reason;
    // Wakes the session's blocking read, which then fails: the session ends on its own thread.
    ::shutdown(session->fd, SHUT_RDWR);
  }
}

void Server::reap(bool all) {
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (all || (*it)->finished) {
      it = sessions_.erase(it);  // joins
    } else {
      ++it;
    }
  }
}

void Server::stop() {
  if (stopped_) return;
  stopped_ = true;
  stopping_ = true;
  if (wake_pipe_[1] >= 0) (void)!::write(wake_pipe_[1], "x", 1);
  if (accept_thread_.joinable()) accept_thread_.join();
  {
    std::lock_guard lock(mutex_);
    for (auto& session : sessions_) {
      if (!session->socket_open) continue;
      if (session->closed_because.load() == nullptr) session->closed_because = "server stopping";
      ::shutdown(session->fd, SHUT_RDWR);
    }
  }
  reap(true);
  if (bind_ != nullptr) ssh_bind_free(bind_);
  bind_ = nullptr;
  for (int& fd : wake_pipe_) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  spdlog::info("sftp: stopped");
}

void log_from_libssh(int priority, const char* function, const char* message, void*) {
  // libssh's own messages are detail for debugging a client: at debug level, or warning for
  // its rare real warnings.
  if (priority <= SSH_LOG_WARNING) {
    spdlog::debug("libssh: {}: {}", function ? function : "", message ? message : "");
  }
}

}  // namespace

Status validate(const SftpServerOptions& options) {
  std::string problems;
  auto note = [&](const std::string& problem) {
    problems += (problems.empty() ? "" : "\n") + problem;
  };
  if (auto address = parse_listen_address(options.listen_address); !address.ok()) {
    note("listen_address: " + address.error().message);
  }
  if (options.drop_root.empty()) note("drop_root: must be set");
  if (options.host_key_path.empty()) note("host_key_path: must be set");
  if (options.max_sessions < 1) note("max_sessions: must be at least 1");
  if (options.max_sessions_per_company < 1) note("max_sessions_per_company: must be at least 1");
  if (options.max_sessions_per_company > options.max_sessions) {
    note("max_sessions_per_company: must not be above max_sessions");
  }
  if (options.idle_timeout <= std::chrono::milliseconds::zero())
    note("idle_timeout: must be positive");
  if (options.login_grace_time <= std::chrono::milliseconds::zero()) {
    note("login_grace_time: must be positive");
  }
  if (options.max_file_size < 1) note("max_file_size: must be at least 1 byte");
  if (options.max_auth_tries < 1) note("max_auth_tries: must be at least 1");
  if (options.max_unauthenticated_per_address < 1) {
    note("max_unauthenticated_per_address: must be at least 1");
  }
  if (options.auth_failure_limit < 1) note("auth_failure_limit: must be at least 1");
  if (options.auth_failure_window <= std::chrono::milliseconds::zero()) {
    note("auth_failure_window: must be positive");
  }
  if (options.auth_block_time <= std::chrono::milliseconds::zero()) {
    note("auth_block_time: must be positive");
  }
  if (problems.empty()) return {};
  return make_error(problems);
}

Result<std::unique_ptr<SftpServer>> SftpServer::start(SftpServerOptions options,
                                                      std::unique_ptr<AuthorizedKeySource> keys) {
  PI_RETURN_IF_ERROR(validate(options));
  PI_ASSIGN_OR_RETURN(auto address, parse_listen_address(options.listen_address));
  static std::once_flag initialised;
  std::call_once(initialised, [] {
    ssh_init();
    ssh_set_log_callback(&log_from_libssh);
    ssh_set_log_level(SSH_LOG_WARNING);
  });
  // A previous run's half uploads: nobody will ever finish them.
  if (const std::size_t stale = remove_stale_uploads(options.drop_root); stale > 0) {
    spdlog::info("sftp: removed {} unfinished upload(s) of a previous run", stale);
  }
  PI_ASSIGN_OR_RETURN(auto host_key, load_or_create_host_key(options.host_key_path));
  spdlog::info("sftp: host key {} {} ({})", host_key.path.string(), host_key.fingerprint,
               host_key.generated ? "generated" : "existing");
  auto server = std::make_unique<Server>(std::move(options), std::move(keys), host_key.fingerprint);
  PI_RETURN_IF_ERROR(server->listen(address));
  spdlog::info("sftp: listening on {}", server->options().listen_address);
  return std::unique_ptr<SftpServer>(std::move(server));
}

}  // namespace person_import::sftp
