// The hostile-file corpus (tests/data/hostile/, made by make_corpus.py): every file gets the
// exit status and the file-level (or row) error expected.json gives it, a rejected file leaves
// the database export byte-identical, and nothing the program prints carries a raw control
// character. The cases too large to keep are generated here: a 2 GiB line, and 1,000,000
// columns in the names row and in a data row.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/cli_fixture.h"
#include "tests/support/test_support.h"

using test_support::Cli;
using test_support::contains;
using test_support::read_file;
using test_support::shell_quote;
namespace fs = std::filesystem;

namespace {

const fs::path kCorpus = fs::path(PERSON_IMPORT_SOURCE_DIR) / "tests" / "data" / "hostile";

// A company with the custom fields the corpus names, and persons already in it.
struct Hostile {
  Cli cli;
  Hostile() {
    for (const char* field :
         {"tier --type string", "score --type number", "birthday --type date",
          "colour --type single_select --options red,green", "zip --type postal_code"}) {
      REQUIRE(cli(std::string("fields add ") + field).exit_code == 0);
    }
    const std::string people = cli.file(
        "people.persons",
        "external_person_id,mdn,tier,score\np-1,+13125550101,gold,1\np-2,+13125550102,silver,2\n");
    REQUIRE(cli("import " + people).exit_code == 0);
  }
  std::string export_persons() const {
    auto exported = cli("persons export");
    REQUIRE(exported.exit_code == 0);
    return exported.out;
  }
};

struct Outcome {
  int exit_code = 0;
  nlohmann::json report;
  std::string printed;  // stdout and stderr
};

Outcome import_file(const Hostile& hostile, const fs::path& path) {
  auto run = hostile.cli("import " + shell_quote(path.string()) + " --json");
  Outcome outcome;
  outcome.exit_code = run.exit_code;
  outcome.printed = run.out + run.err;
  if (!run.out.empty()) outcome.report = nlohmann::json::parse(run.out, nullptr, false);
  return outcome;
}

// Whether `text` holds a control character other than line breaks and tabs.
bool has_raw_control_character(const std::string& text) {
  for (const unsigned char c : text) {
    if ((c < 0x20 && c != '\n' && c != '\t' && c != '\r') || c == 0x7f) return true;
  }
  return false;
}

void check_outcome(const Outcome& outcome, const nlohmann::json& expected) {
  INFO(outcome.printed);
  CHECK(outcome.exit_code == expected["exit"].get<int>());
  CHECK_FALSE(has_raw_control_character(outcome.printed));
  REQUIRE(outcome.report.is_object());
  if (expected.contains("class")) {
    REQUIRE(outcome.report["file_errors"].size() == 1);
    const auto& error = outcome.report["file_errors"][0];
    CHECK(error["class"] == expected["class"]);
    CHECK(contains(error["message"].get<std::string>(), expected["message"].get<std::string>()));
    CHECK(outcome.report["status"] == "rejected");
  } else {
    CHECK(outcome.report["file_errors"].empty());
  }
  if (expected.contains("row_error")) {
    bool found = false;
    for (const auto& error : outcome.report["row_errors"])
      found |= error["class"] == expected["row_error"];
    CHECK(found);
  }
}

}  // namespace

TEST_CASE("hostile files: each gets its expected outcome, a rejected one changes nothing",
          "[database]") {
  const auto expected = nlohmann::json::parse(read_file((kCorpus / "expected.json").string()));
  REQUIRE(expected.size() >= 40);
  Hostile hostile;
  std::size_t files = 0;
  for (const auto& entry : fs::directory_iterator(kCorpus)) {
    if (entry.path().extension() != ".persons") continue;
    ++files;
    const std::string name = entry.path().filename().string();
    INFO(name);
    REQUIRE(expected.contains(name));
    const std::string before = hostile.export_persons();
    const Outcome outcome = import_file(hostile, entry.path());
    check_outcome(outcome, expected[name]);
    if (expected[name]["exit"] == 4) CHECK(hostile.export_persons() == before);
  }
  CHECK(files == expected.size());  // every expectation has its file
}

TEST_CASE("hostile files: a 2 GiB line fails its row, the rest of the file applies", "[database]") {
  Hostile hostile;
  const fs::path path = hostile.cli.directory.path() / "two-gib-line.persons";
  {
    std::ofstream out(path, std::ios::binary);
    out << "external_person_id,tier\np-1,";
    const std::string chunk(std::size_t{1} << 24, 'a');
    for (int part = 0; part < 128; ++part) out << chunk;  // 2 GiB
    out << "\np-2,bronze\n";
  }
  const Outcome outcome = import_file(hostile, path);
  fs::remove(path);
  check_outcome(outcome, {{"exit", 3}, {"row_error", "PersonErrors::InvalidRowFormat"}});
  CHECK(outcome.report["updated"] == 1);
  CHECK(contains(outcome.report["row_errors"][0]["message"].get<std::string>(),
                 "record longer than 1 MiB"));
}

TEST_CASE("hostile files: 1,000,000 columns are refused in the names row and fail a data row",
          "[database]") {
  Hostile hostile;
  std::string names = "external_person_id";
  for (int column = 0; column < 1000000; ++column) names += ",c" + std::to_string(column);
  const std::string before = hostile.export_persons();
  const fs::path wide_names_path = hostile.cli.directory.path() / "wide-names.persons";
  test_support::write_file(wide_names_path.string(), names + "\np-1\n");
  const Outcome wide_names = import_file(hostile, wide_names_path);
  check_outcome(wide_names,
                {{"exit", 4},
                 {"class", "PersonErrors::InvalidImportFileFormat"},
                 {"message", "field-names row at line 1 is longer than 1048576 bytes"}});
  CHECK(hostile.export_persons() == before);

  const fs::path wide_row_path = hostile.cli.directory.path() / "wide-row.persons";
  test_support::write_file(wide_row_path.string(), "Delimiter: ;\n\nexternal_person_id;tier\np-1;" +
                                                       std::string(1000000, ';') +
                                                       "\np-2;bronze\n");
  const Outcome wide_row = import_file(hostile, wide_row_path);
  check_outcome(wide_row, {{"exit", 3}, {"row_error", "PersonErrors::InvalidRowFormat"}});
  CHECK(contains(wide_row.report["row_errors"][0]["message"].get<std::string>(),
                 "expected 2 values, found 1000002"));
}
