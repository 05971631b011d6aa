#!/usr/bin/env bash
# The README's second command, and what CI runs (.ci/run): installs what is missing, checks
# formatting, runs clang-tidy (scripts/tidy.sh), builds with -Wall -Wextra -Werror, runs the whole suite, then builds again with
# AddressSanitizer + UndefinedBehaviorSanitizer and runs the suite once more, then runs the
# daemon's, the SFTP server's and the watcher's tests under ThreadSanitizer (scripts/tsan.sh),
# then builds the libFuzzer targets with clang and runs each briefly (FUZZ_SECONDS, default 10).
# After the first test run, a small fault campaign (FAULT_KILLS kill -9 of a daemon mid-import,
# default 5, on both backends). Each step's heading gives the time it starts.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-dependencies.sh
step() { printf '== %s (at %dm%02ds)\n' "$1" $((SECONDS / 60)) $((SECONDS % 60)); }

step "formatting (clang-format)"
sources=$(git ls-files '*.h' '*.cpp' 2>/dev/null || find core daemon tests bench -name '*.h' -o -name '*.cpp')
clang-format --dry-run --Werror $sources
# ctest's Catch2 discovery splits a test name at ';' into tests that run nothing and pass.
if grep -n 'TEST_CASE("[^"]*;' $sources; then
  echo "test names must not contain ';' (ctest would silently skip them)" >&2
  exit 1
fi

step "clang-tidy (scripts/tidy.sh)"
bash scripts/tidy.sh

jobs=$(nproc)
step "build (warnings are errors)"
# Line tables, not full debug information: all a backtrace of a failing test needs, for less
# build time (the README's build keeps -O2 -g).
BUILD_DIR=build bash scripts/build.sh -DPERSON_IMPORT_TESTS=ON -DPERSON_IMPORT_SANITIZE=OFF \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG"
step "tests"
(cd build && ctest --output-on-failure --no-tests=error -j "$jobs")
step "fault campaign, small (scripts/fault-campaign.sh: 50 kills by default)"
bash scripts/fault-campaign.sh --kills "${FAULT_KILLS:-5}" --rows "${FAULT_ROWS:-20000}" \
  --binary build/person-import

step "build with AddressSanitizer + UndefinedBehaviorSanitizer"
# -O1, as the sanitizers' authors advise: the suite's large imports under ASan ran 2.3-3.2
# times slower at -O0 (the tests' own code stays at -O0, tests/CMakeLists.txt). Line tables
# (-g1) are all the reports need. Assertions stay on (Debug: no NDEBUG).
BUILD_DIR=build-sanitize BUILD_TYPE=Debug bash scripts/build.sh -DPERSON_IMPORT_TESTS=ON \
  -DPERSON_IMPORT_SANITIZE=ON "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g1"
step "tests under sanitizers"
# tests/lsan.supp: a leak inside libpqxx 6.4 on a lost PostgreSQL connection (third-party).
leak_suppressions="$PWD/tests/lsan.supp"
(cd build-sanitize && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  LSAN_OPTIONS="suppressions=$leak_suppressions" \
  ctest --output-on-failure --no-tests=error -j "$jobs")

step "ThreadSanitizer (scripts/tsan.sh)"
bash scripts/tsan.sh

step "fuzz targets, ${FUZZ_SECONDS:-10}s each (scripts/fuzz.sh for long runs)"
bash scripts/fuzz.sh all "${FUZZ_SECONDS:-10}"
step "done"
