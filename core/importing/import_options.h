// How an import batches its work: the options of the import core that the command line and the
// daemon's configuration (batch_rows) set. The defaults here are the only ones: whatever
// configures an import starts from ImportOptions{}.
#pragma once

#include <cstddef>

namespace person_import {

struct ImportOptions {
  // Rows resolved and committed per transaction. Larger batches amortise lookups and commits;
  // smaller ones bound memory and the work redone after a crash.
  std::size_t batch_rows = 5000;
  // A batch also ends once its records hold this many bytes: records may be up to 1 MiB each,
  // and 5,000 of those held at once would be gigabytes.
  std::size_t batch_bytes = std::size_t{16} << 20;
  // Bytes pulled from the file per read.
  std::size_t read_chunk_bytes = std::size_t{1} << 20;
};

}  // namespace person_import
