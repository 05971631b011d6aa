// Runs a fuzz target once on every file of the folders (or files) given: how the corpus, and
// every crash a fuzzer found, is a regression test of ordinary builds. Exit 0 when every input
// ran; a broken invariant aborts, a sanitizer reports.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

int run(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", path.c_str());
    return 1;
  }
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t inputs = 0;
  for (int index = 1; index < argc; ++index) {
    const std::filesystem::path path(argv[index]);
    if (std::filesystem::is_directory(path)) {
      for (const auto& entry : std::filesystem::directory_iterator(path)) {
        if (!entry.is_regular_file()) continue;
        if (run(entry.path()) != 0) return 1;
        ++inputs;
      }
    } else {
      if (run(path) != 0) return 1;
      ++inputs;
    }
  }
  std::printf("%zu input(s) ran\n", inputs);
  return inputs > 0 ? 0 : 1;
}
