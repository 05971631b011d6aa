// The whole reading stage on arbitrary bytes: the encoding check, the header section and names
// row, the structure check, then every body record through small buffers (so records, quoted
// values and multibyte delimiters straddle refills). Checks the reader's own promises.
#include <cstddef>
#include <cstdint>

#include "core/reading/encoding_check.h"
#include "core/reading/file_layout.h"
#include "core/reading/input_file.h"
#include "core/reading/record_reader.h"
#include "fuzz/fuzz_input.h"

using namespace person_import;
using fuzzing::require;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzzing::MemoryFile memory(data, size);
  auto file = InputFile::open(memory.path());
  require(file.ok(), "a memfd opens");
  auto problem = find_encoding_problem(**file);
  require(problem.ok(), "the encoding check reads a memfd");
  if (problem->has_value()) {
    require((*problem)->byte_offset < size || size == 0,
            "an encoding problem lies inside the file");
    (void)encoding_error(**problem);
    return 0;
  }
  (void)has_bare_cr_line_endings(**file);
  LayoutOptions layout_options;
  layout_options.max_line_bytes = 4096;
  auto layout = read_layout(**file, layout_options);
  require(layout.layout.has_value() != layout.error.has_value(), "a layout or an error");
  if (!layout.layout) return 0;
  require(layout.layout->body_offset <= size, "the body starts inside the file");
  auto structure = check_structure(**file, *layout.layout);
  require(structure.ok(), "the structure check reads a memfd");

  ReaderOptions options;
  options.delimiter = layout.layout->delimiter;
  options.max_record_bytes = 512;
  options.chunk_bytes = 64;
  RecordReader reader(**file, layout.layout->body_offset, layout.layout->body_line, options);
  std::uint64_t last_end = layout.layout->body_offset;
  std::uint64_t last_line = 0;
  while (true) {
    auto record = reader.next();
    require(record.ok(), "records read from a memfd");
    if (!record->has_value()) break;
    const Record& r = **record;
    require(r.offset >= last_end, "records in file order, none overlapping");
    require(r.line > last_line, "line numbers increase");
    require(r.offset + r.length <= r.end_offset && r.end_offset <= size, "a record's bytes fit");
    if (r.too_long) {
      require(r.values.empty() && r.raw.empty(), "a too-long record holds nothing");
      require(r.length > options.max_record_bytes, "only longer records are too long");
    } else {
      require(r.raw.size() == r.length, "raw is the record's bytes");
      require(!r.values.empty(), "a record has a value");
    }
    last_end = r.end_offset;
    last_line = r.line;
    if (r.unterminated_quote) break;
  }
  require(reader.position() <= size, "never past the end");
  return 0;
}
