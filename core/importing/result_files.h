// Writing result files whole: each is written beside its final name and renamed into place,
// so a reader (a person, or an SFTP client fetching from an outbox) never sees half a file.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.h"
#include "core/reading/file_layout.h"
#include "core/reading/input_file.h"
#include "core/storage/records.h"

namespace person_import {

// Files written aside and renamed into place together: a set of result files that appears
// whole or not at all. Each stage() writes one file to its hidden temporary beside its final
// path (temporary_name), flushed and fsynced; commit() renames them into place in the order
// they were staged. A failed stage() leaves every final path untouched, so a caller that stops
// at the first failure changes nothing. The destructor removes temporaries not renamed (after
// a failure, or when commit() was never called). Not thread-safe; not copyable.
class StagedFiles {
 public:
  StagedFiles() = default;
  ~StagedFiles();
  StagedFiles(const StagedFiles&) = delete;
  StagedFiles& operator=(const StagedFiles&) = delete;

  // Calls `write` with a stream onto `path`'s temporary. Errors: the temporary cannot be
  // written (a full disk), or `write`'s own Error, passed on as it is (a lost database
  // connection stays transient); the temporary is then removed.
  [[nodiscard]] Status stage(const std::filesystem::path& path,
                             const std::function<Status(std::ostream&)>& write);

  // Renames every staged file into place, in staging order. Errors: a rename failed (the files
  // renamed before it stay renamed; the rest are removed by the destructor).
  [[nodiscard]] Status commit();

 private:
  struct Staged {
    std::filesystem::path temporary;
    std::filesystem::path final_path;
  };
  std::vector<Staged> staged_;
};

// One file written aside and renamed into place (StagedFiles of one): on any failure `path` is
// untouched.
Status write_file_atomically(const std::string& path,
                             const std::function<Status(std::ostream&)>& write);

// The temporary that process `pid` writes `name` as: `.<name>.tmp-<pid>`, or, when that would
// pass NAME_MAX (255 bytes), `.tmp-<16 hex digits of a hash of name>-<pid>`.
std::string temporary_name(const std::string& name, pid_t pid);

// The process that wrote `file_name`, when it is such a temporary.
std::optional<pid_t> temporary_writer(std::string_view file_name);

// Removes the temporaries in `directory` whose writer no longer runs (a process killed while
// it wrote them); those of running processes are left. Returns how many went. Errors: the
// folder cannot be read.
Result<std::size_t> remove_stale_temporaries(const std::filesystem::path& directory);

// Streams failed-row ranges into the callback, which returns false to stop.
using FailedRowSource = std::function<Status(const std::function<bool(const FailedRowRange&)>&)>;

// The failed-rows file (spec section 7): the source's header section and names row exactly as
// written, then each failed record exactly as written, each ending with a newline. Records are
// copied from `source` by offset in bounded chunks.
Status write_failed_rows(std::ostream& out, InputFile& source, const FileLayout& layout,
                         const FailedRowSource& failed_rows);

}  // namespace person_import
