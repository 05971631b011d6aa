// The SFTP client's view of its company folder: lexical resolution in the virtual root and the
// permission rules, for every way of writing a path that tries to leave it.
#include <catch2/catch.hpp>

#include "daemon/sftp/virtual_path.h"

using namespace person_import::sftp;
using Kind = VirtualLocation::Kind;

namespace {

VirtualLocation file(Folder folder, const std::string& name) { return {Kind::kFile, folder, name}; }

}  // namespace

TEST_CASE("paths resolve lexically in the virtual root: .. at / stays at /") {
  CHECK(resolve_virtual_path("") == "/");
  CHECK(resolve_virtual_path(".") == "/");
  CHECK(resolve_virtual_path("/") == "/");
  CHECK(resolve_virtual_path("..") == "/");
  CHECK(resolve_virtual_path("/..") == "/");
  CHECK(resolve_virtual_path("../../..") == "/");
  CHECK(resolve_virtual_path("inbox") == "/inbox");
  CHECK(resolve_virtual_path("inbox/") == "/inbox");
  CHECK(resolve_virtual_path("//inbox///a.persons") == "/inbox/a.persons");
  CHECK(resolve_virtual_path("./inbox/./a.persons") == "/inbox/a.persons");
  CHECK(resolve_virtual_path("inbox/../outbox/r.json") == "/outbox/r.json");
  CHECK(resolve_virtual_path("../other/inbox/x.persons") == "/other/inbox/x.persons");
  CHECK(resolve_virtual_path("/../other/inbox") == "/other/inbox");
  CHECK(resolve_virtual_path("inbox/../../../etc/passwd") == "/etc/passwd");
  CHECK(resolve_virtual_path("/etc") == "/etc");
  CHECK(resolve_virtual_path("inbox/...") == "/inbox/...");
}

TEST_CASE("locate: only /, the two folders and their files exist") {
  CHECK(locate("/").kind == Kind::kRoot);
  CHECK(locate("../..").kind == Kind::kRoot);
  CHECK(locate("inbox") == VirtualLocation{Kind::kFolder, Folder::kInbox, ""});
  CHECK(locate("/outbox/") == VirtualLocation{Kind::kFolder, Folder::kOutbox, ""});
  CHECK(locate("inbox/a.persons") == file(Folder::kInbox, "a.persons"));
  CHECK(locate("/../inbox/../outbox/r.json") == file(Folder::kOutbox, "r.json"));
  // Everything that would leave the company folder, or reach past the two folders, is nothing.
  for (const char* path :
       {"/etc", "/etc/passwd", "../other/inbox/x.persons", "/../other/inbox", "..//..//etc",
        "inbox/../../other/inbox/x.persons", "x.persons", "/x.persons", "inbox/sub/x.persons",
        "inbox/a/../../../etc", "Inbox", "inbox.persons", "/.person-import/queue", "inbox/.hidden",
        "inbox/.sftp-upload.1.0.a.persons", "outbox/..hidden"}) {
    INFO(path);
    CHECK(locate(path).kind == Kind::kNone);
  }
  // ".." inside a name's folder resolves before it is judged.
  CHECK(locate("inbox/sub/../a.persons") == file(Folder::kInbox, "a.persons"));
}

TEST_CASE("client file names: not hidden, one component, at most 255 bytes") {
  CHECK(is_client_file_name("a.persons"));
  CHECK(is_client_file_name("a b é.persons"));
  CHECK(is_client_file_name(std::string(255, 'x')));
  CHECK_FALSE(is_client_file_name(std::string(256, 'x')));
  CHECK_FALSE(is_client_file_name(""));
  CHECK_FALSE(is_client_file_name(".hidden"));
  CHECK_FALSE(is_client_file_name("."));
  CHECK_FALSE(is_client_file_name(".."));
  CHECK_FALSE(is_client_file_name("a/b"));
  CHECK_FALSE(is_client_file_name(std::string("a\0b", 3)));
}

TEST_CASE("permissions: list and stat the view, read the outbox, write the inbox, nothing else") {
  const VirtualLocation root{Kind::kRoot, Folder::kInbox, ""};
  const VirtualLocation inbox{Kind::kFolder, Folder::kInbox, ""};
  const VirtualLocation outbox{Kind::kFolder, Folder::kOutbox, ""};
  const VirtualLocation upload = file(Folder::kInbox, "a.persons");
  const VirtualLocation result = file(Folder::kOutbox, "a.persons.result.json");
  const VirtualLocation nothing = locate("/etc/passwd");

  for (const auto& where : {root, inbox, outbox}) {
    CHECK(is_allowed(Operation::kList, where));
    CHECK(is_allowed(Operation::kStat, where));
    CHECK_FALSE(is_allowed(Operation::kRead, where));
    CHECK_FALSE(is_allowed(Operation::kWrite, where));
    CHECK_FALSE(is_allowed(Operation::kRemove, where));
    CHECK_FALSE(is_allowed(Operation::kRename, where));
  }
  CHECK_FALSE(is_allowed(Operation::kList, upload));
  CHECK(is_allowed(Operation::kStat, upload));
  CHECK(is_allowed(Operation::kWrite, upload));
  CHECK(is_allowed(Operation::kRemove, upload));
  CHECK(is_allowed(Operation::kRename, upload));
  CHECK_FALSE(is_allowed(Operation::kRead, upload));  // the inbox is a drop box

  CHECK(is_allowed(Operation::kStat, result));
  CHECK(is_allowed(Operation::kRead, result));
  CHECK_FALSE(is_allowed(Operation::kWrite, result));
  CHECK_FALSE(is_allowed(Operation::kRemove, result));
  CHECK_FALSE(is_allowed(Operation::kRename, result));

  for (const auto operation :
       {Operation::kList, Operation::kStat, Operation::kRead, Operation::kWrite, Operation::kRemove,
        Operation::kRename, Operation::kSetStat, Operation::kMakeDirectory,
        Operation::kRemoveDirectory, Operation::kSymlink}) {
    CHECK_FALSE(is_allowed(operation, nothing));
  }
  for (const auto& where : {root, inbox, outbox, upload, result}) {
    CHECK_FALSE(is_allowed(Operation::kMakeDirectory, where));
    CHECK_FALSE(is_allowed(Operation::kRemoveDirectory, where));
    CHECK_FALSE(is_allowed(Operation::kSymlink, where));
  }
}
